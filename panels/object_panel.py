# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-object settings of the active object: category and canonical axes."""

import bpy

from ..blender_bridge import GEOMETRY_TYPES, object_category
from .relation_panel import TAB


class OOR_PT_object(bpy.types.Panel):
    bl_idname = "OOR_PT_object"
    bl_label = "Object Axes"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB
    bl_parent_id = "OOR_PT_relation"
    bl_options = {'DEFAULT_CLOSED'}

    @classmethod
    def poll(cls, context):
        obj = context.active_object
        return obj is not None and (obj.type in GEOMETRY_TYPES or obj.instance_type == 'COLLECTION')

    def draw(self, context):
        obj = context.active_object
        layout = self.layout
        layout.use_property_split = True
        layout.prop(obj.oor, "category", placeholder=object_category(obj))
        layout.prop(obj.oor, "up_axis")
        layout.prop(obj.oor, "front_axis")


CLASSES = (OOR_PT_object,)
