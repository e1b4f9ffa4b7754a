# SPDX-License-Identifier: GPL-3.0-or-later
"""Describe Scene: one description fills the relation list, one row per clause (then Arrange
Objects, at once or after the user reviewed the rows)."""

import bpy

from ..bridge.describe import describe_rows, summary
from ..bridge.request import RequestError


def _objects(context):
    settings = context.scene.oor
    if settings.describe_scope == 'SELECTED':
        return list(context.selected_objects)
    return list(context.view_layer.objects)


class OOR_OT_describe_scene(bpy.types.Operator):
    """Fill the relation list from the description: one row per clause between the objects it
    names (objects it does not name stay where they are)"""

    bl_idname = "oor.describe_scene"
    bl_label = "Describe Scene"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        if not context.scene.oor.description.strip():
            cls.poll_message_set("Type a description of the scene first")
            return False
        return True

    def execute(self, context):
        settings = context.scene.oor
        try:
            rows, result = describe_rows(settings.description, _objects(context))
        except RequestError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        settings.relations.clear()
        for row in rows:
            item = settings.relations.add()
            item.base, item.target, item.prompt = row.base, row.target, row.prompt
        settings.active_relation = 0
        said = summary(result)
        message = f"{len(rows)} relations from the description" + (f". {said}" if said else "")
        if settings.describe_arrange:
            if bpy.ops.oor.arrange_scene('EXEC_DEFAULT') != {'FINISHED'}:
                self.report({'WARNING'}, f"{message}; Arrange Objects did not finish (see its "
                                         "message): review the rows")
                return {'FINISHED'}  # the rows stay for the user to fix
            message += "; arranged"
        self.report({'INFO'}, message)
        return {'FINISHED'}


CLASSES = (OOR_OT_describe_scene,)
