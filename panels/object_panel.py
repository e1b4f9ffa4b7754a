# SPDX-License-Identifier: GPL-3.0-or-later
"""Canonical axes (up, front) of the base and the target: imported assets often differ."""

import bpy

from ..bridge.objects import GEOMETRY_TYPES
from ..operators.selection import resolve_pair
from .relation_panel import TAB


def _has_geometry(obj) -> bool:
    return obj is not None and (obj.type in GEOMETRY_TYPES or obj.instance_type == 'COLLECTION')


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
        for obj in objects:
            if not _has_geometry(obj):
                continue
            layout.label(text=obj.name, icon='OBJECT_DATA')
            layout.prop(obj.oor, "up_axis")
            layout.prop(obj.oor, "front_axis")


CLASSES = (OOR_PT_object,)
