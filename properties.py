# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-object OOR settings (Object.oor): category name override and canonical up/front axes."""

import bpy
from bpy.props import EnumProperty, PointerProperty, StringProperty

from .oor_core.axes import AXIS_LABELS, DEFAULT_FRONT, DEFAULT_UP

_AXIS_ITEMS = [(key, label, f"Local {label} axis") for key, label in AXIS_LABELS.items()]


class OORObjectSettings(bpy.types.PropertyGroup):
    category: StringProperty(
        name="Category",
        description="What the object is (e.g. 'teacup'); empty: taken from the object's name",
    )
    up_axis: EnumProperty(
        name="Up", description="Local axis that points up on the real object",
        items=_AXIS_ITEMS, default=DEFAULT_UP,
    )
    front_axis: EnumProperty(
        name="Front", description="Local axis on the side that faces the viewer",
        items=_AXIS_ITEMS, default=DEFAULT_FRONT,
    )


_CLASSES = (OORObjectSettings,)


def register():
    for cls in _CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Object.oor = PointerProperty(type=OORObjectSettings)


def unregister():
    del bpy.types.Object.oor
    for cls in reversed(_CLASSES):
        bpy.utils.unregister_class(cls)
