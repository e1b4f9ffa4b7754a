# SPDX-License-Identifier: GPL-3.0-or-later
"""The relation list (several objects arranged together) and the editing tools."""

import bpy

from .relation_panel import TAB


class OOR_UL_relations(bpy.types.UIList):
    bl_idname = "OOR_UL_relations"

    def draw_item(self, _context, layout, _data, item, _icon, _active_data, _active_prop,
                  _index=0):
        row = layout.row(align=True)
        row.prop(item, "enabled", text="")
        names = (f"{item.base.name if item.base else '?'} \u2192 "
                 f"{item.target.name if item.target else '?'}")
        row.label(text=names)
        row.prop(item, "prompt", text="", emboss=False)


class OOR_PT_relation_list(bpy.types.Panel):
    bl_idname = "OOR_PT_relation_list"
    bl_label = "Arrange Several Objects"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB
    bl_parent_id = "OOR_PT_relation"

    def draw(self, context):
        settings = context.scene.oor
        layout = self.layout
        box = layout.box()
        box.prop(settings, "description", text="", icon='TEXT')
        row = box.row(align=True)
        row.prop(settings, "describe_scope", expand=True)
        row = box.row(align=True)
        row.prop(settings, "describe_arrange")
        row.operator("oor.describe_scene", icon='OUTLINER_DATA_GP_LAYER')
        box.operator("oor.suggest_relations", icon='LIGHT')
        row = layout.row()
        row.template_list("OOR_UL_relations", "", settings, "relations", settings,
                          "active_relation", rows=3)
        column = row.column(align=True)
        column.operator("oor.add_relation_row", text="", icon='ADD')
        column.operator("oor.remove_relation_row", text="", icon='REMOVE')
        column.separator()
        column.operator("oor.move_relation_row", text="", icon='TRIA_UP').direction = -1
        column.operator("oor.move_relation_row", text="", icon='TRIA_DOWN').direction = 1
        if 0 <= settings.active_relation < len(settings.relations):
            active = settings.relations[settings.active_relation]
            box = layout.box()
            box.prop(active, "base")
            box.prop(active, "target")
            box.prop(active, "prompt", text="")
        layout.operator("oor.arrange_scene", icon='OUTLINER_OB_GROUP_INSTANCE')
        row = layout.row(align=True)
        row.operator("oor.refine_arrangement", icon='MOD_SMOOTH')
        row.operator("oor.add_object", icon='ADD')
        layout.operator("oor.change_context", icon='FILE_REFRESH')


CLASSES = (OOR_UL_relations, OOR_PT_relation_list)
