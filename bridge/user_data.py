# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the add-on writes: the extension's user folder, never next to its code.

`OOR_ARRANGE_USER_DIR` overrides it (tests, render farms). When the add-on runs without being
installed as an extension (scripts, the development checkout), Blender's user config folder is
used instead of `extension_path_user`, which only exists for installed extensions.
"""

from __future__ import annotations

import os
from pathlib import Path

import bpy

# extension_path_user wants the extension's own package (bl_ext.<repo>.oor_arrange), one level up.
_PACKAGE = __package__.rpartition(".")[0]


def user_data_dir() -> Path:
    override = os.environ.get("OOR_ARRANGE_USER_DIR")
    if override:
        path = Path(override)
    else:
        try:
            path = Path(bpy.utils.extension_path_user(_PACKAGE, create=True))
        except ValueError:
            path = Path(bpy.utils.user_resource('CONFIG', path="oor_arrange", create=True))
    path.mkdir(parents=True, exist_ok=True)
    return path


def captured_dataset_dir() -> Path:
    """The user's own captured relations, the input of `python -m oor_core.training --finetune`."""
    return user_data_dir() / "captured"
