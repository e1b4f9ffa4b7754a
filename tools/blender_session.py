"""What every measurement command that runs inside the bpy module shares: the repository
importable as oor_arrange and the test scene helpers, a window for operators, the add-on
registered around the work, JSON output, and an exit that bpy's handlers cannot hang.

    from blender_session import addon_registered, exit_hard, scene_helpers, window, write_json
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
from contextlib import contextmanager

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import conftest  # noqa: E402,F401  (tests/conftest.py: the repository importable as oor_arrange)

sys.path.insert(0, str(REPO / "tests" / "blender"))
import scene_helpers  # noqa: E402


def window():
    """Context for operators that need a window (Blender's first one)."""
    import bpy

    return bpy.context.temp_override(window=bpy.context.window_manager.windows[0])


def fresh_scene() -> None:
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)


@contextmanager
def addon_registered():
    """The add-on registered for the work and unregistered after it, also on failure (a
    registered add-on makes bpy hang at exit)."""
    scene_helpers.register_addon()
    try:
        yield
    finally:
        scene_helpers.unregister_addon()


def write_json(path: pathlib.Path | str | None, data) -> None:
    if path:
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1))


def exit_hard(code: int) -> None:
    """End the process with `code` once everything is reported: bpy can hang in its own exit
    handlers after file I/O (DESIGN.md section 6)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
