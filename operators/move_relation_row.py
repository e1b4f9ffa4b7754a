# SPDX-License-Identifier: GPL-3.0-or-later
"""Move Relation Row: reorder the relation list."""

import bpy
from bpy.props import IntProperty


class OOR_OT_move_relation_row(bpy.types.Operator):
    """Move the active row up or down the relation list"""

    bl_idname = "oor.move_relation_row"
    bl_label = "Move Relation"
    bl_options = {'REGISTER', 'UNDO'}

    direction: IntProperty(name="Direction", default=-1, min=-1, max=1,
                           options={'HIDDEN', 'SKIP_SAVE'})

    @classmethod
    def poll(cls, context):
        if len(context.scene.oor.relations) < 2:
            cls.poll_message_set("Add at least two relations to reorder them")
            return False
        return True

    def execute(self, context):
        settings = context.scene.oor
        index = settings.active_relation
        new_index = index + (self.direction or -1)
        if not 0 <= new_index < len(settings.relations):
            return {'CANCELLED'}
        settings.relations.move(index, new_index)
        settings.active_relation = new_index
        return {'FINISHED'}


CLASSES = (OOR_OT_move_relation_row,)
