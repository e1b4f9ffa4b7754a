# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Relation Row: the selected pair and the current prompt become a row of the list."""

import bpy

from .selection import NeedsPair, resolve_pair


class OOR_OT_add_relation_row(NeedsPair, bpy.types.Operator):
    """Add the selected pair (active = base) with the current prompt to the relation list"""

    bl_idname = "oor.add_relation_row"
    bl_label = "Add Relation"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        base, target = resolve_pair(context)
        settings = context.scene.oor
        row = settings.relations.add()
        row.base, row.target, row.prompt = base, target, settings.prompt
        settings.active_relation = len(settings.relations) - 1
        return {'FINISHED'}


CLASSES = (OOR_OT_add_relation_row,)
