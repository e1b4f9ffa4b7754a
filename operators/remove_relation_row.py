# SPDX-License-Identifier: GPL-3.0-or-later
"""Remove Relation Row: delete the active row of the relation list."""

import bpy


class OOR_OT_remove_relation_row(bpy.types.Operator):
    """Remove the active row from the relation list"""

    bl_idname = "oor.remove_relation_row"
    bl_label = "Remove Relation"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        settings = context.scene.oor
        if not 0 <= settings.active_relation < len(settings.relations):
            cls.poll_message_set("The relation list has no active row")
            return False
        return True

    def execute(self, context):
        settings = context.scene.oor
        settings.relations.remove(settings.active_relation)
        settings.active_relation = max(0, min(settings.active_relation,
                                              len(settings.relations) - 1))
        return {'FINISHED'}


CLASSES = (OOR_OT_remove_relation_row,)
