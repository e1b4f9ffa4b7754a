# SPDX-License-Identifier: GPL-3.0-or-later
"""Sidebar (N-panel) UI in the 3D Viewport, tab "OOR"."""

import bpy

from . import (
    frame_overlay,
    object_panel,
    recent_prompts_menu,
    relation_list_panel,
    relation_panel,
    your_relations_panel,
)

_MODULES = (recent_prompts_menu, relation_panel, relation_list_panel, object_panel,
            your_relations_panel)


def _classes():
    return [cls for module in _MODULES for cls in module.CLASSES]


def register():
    for cls in _classes():
        bpy.utils.register_class(cls)
    frame_overlay.register()


def unregister():
    frame_overlay.unregister()
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
