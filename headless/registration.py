# SPDX-License-Identifier: GPL-3.0-or-later
"""The add-on registered around headless work (the command line, a Ray worker)."""

from __future__ import annotations

import bpy


def ensure_registered():
    """Register the add-on's classes unless Blender already enabled it; returns an undo (bpy
    hangs at exit with classes still registered: DESIGN.md section 6)."""
    if hasattr(bpy.types.Object, "oor"):
        return lambda: None
    from .. import register, unregister

    register()
    return unregister
