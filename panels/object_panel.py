# SPDX-License-Identifier: GPL-3.0-or-later
"""Object Axes: which local axes are up and front on the base and the target, where they come
from (detected or set by hand), the working side of knives and pourers, and the frame overlay."""

import bpy

from ..bridge.frames import axes_are_set, object_working_part
from ..bridge.objects import GEOMETRY_TYPES
from ..operators.selection import resolve_pair
from .relation_panel import TAB

_PART_LABELS = {"edge": "Edge", "spout": "Spout"}


def _has_geometry(obj) -> bool:
    return obj is not None and (obj.type in GEOMETRY_TYPES or obj.instance_type == 'COLLECTION')


def axes_status(settings) -> str:
    """One line: where the object's axes come from."""
    if axes_are_set(settings):
        return "Set by hand"
    if settings.axes_source == 'DETECTED':
        return f"Detected ({settings.axes_confidence:.0%} sure)"
    return "Detected when first used"


class OOR_PT_object(bpy.types.Panel):
    bl_idname = "OOR_PT_object"
    bl_label = "Object Axes"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB
    bl_parent_id = "OOR_PT_relation"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        try:
            objects = resolve_pair(context)
        except ValueError:
            objects = (context.active_object,)
        layout = self.layout
        layout.use_property_split = True
        layout.prop(context.scene.oor, "show_frames")
        for obj in objects:
            if not _has_geometry(obj):
                continue
            settings = obj.oor
            box = layout.box()
            box.label(text=obj.name, icon='OBJECT_DATA')
            box.label(text=axes_status(settings), icon='ORIENTATION_LOCAL')
            if settings.axes_source == 'DETECTED' and settings.axes_reason:
                box.label(text=settings.axes_reason)
            column = box.column()
            column.active = settings.axes_source != 'AUTO' or axes_are_set(settings)
            column.prop(settings, "up_axis")
            column.prop(settings, "front_axis")
            part = object_working_part(obj)
            if part:
                box.prop(settings, "working_side", text=_PART_LABELS[part])
        layout.operator("oor.detect_axes", icon='ORIENTATION_GIMBAL')




CLASSES = (OOR_PT_object,)
