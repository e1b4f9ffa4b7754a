# SPDX-License-Identifier: GPL-3.0-or-later
"""Main OOR panel: the base/target pair and the relation tools."""

import bpy

from ..operators.selection import selected_pair

TAB = "OOR"


class OOR_PT_relation(bpy.types.Panel):
    bl_idname = "OOR_PT_relation"
    bl_label = "OOR Arrange"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB

    def draw(self, context):
        layout = self.layout
        try:
            base, target = selected_pair(context)
        except ValueError as error:
            layout.label(text=str(error).split(":")[0], icon='INFO')
        else:
            column = layout.column(align=True)
            column.label(text=f"Base: {base.name}", icon='OBJECT_DATA')
            column.label(text=f"Target: {target.name}", icon='OBJECT_DATAMODE')
        layout.operator("oor.measure_relation", icon='DRIVER_DISTANCE')


CLASSES = (OOR_PT_relation,)
