# SPDX-License-Identifier: GPL-3.0-or-later
"""Describe Scene: one description fills the relation list, one row per clause (then Arrange
Objects, at once or after the user reviewed the rows)."""

import bpy
from bpy.props import IntProperty

from ..bridge.describe import describe_rows, summary
from ..bridge.relation_rows import fill_relation_list
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

    seed: IntProperty(name="Seed", default=0, min=0,
                      description="Seed of Arrange Objects when Arrange at Once is on")

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
        fill_relation_list(settings, rows)
        said = summary(result)
        message = f"{len(rows)} relations from the description" + (f". {said}" if said else "")
        if settings.describe_arrange:
            try:  # an operator's error reaches its Python caller as RuntimeError
                finished = bpy.ops.oor.arrange_scene('EXEC_DEFAULT', seed=self.seed)
                reason = "see its message"
            except RuntimeError as error:
                finished, reason = set(), str(error).removeprefix("Error: ").strip()
            if finished != {'FINISHED'}:
                self.report({'WARNING'}, f"{message}. Arrange Objects did not run: {reason}. "
                                         "Review the rows")
                return {'FINISHED'}  # the rows stay for the user to fix
            message += "; arranged"
        self.report({'INFO'}, message)
        return {'FINISHED'}


CLASSES = (OOR_OT_describe_scene,)
