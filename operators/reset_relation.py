# SPDX-License-Identifier: GPL-3.0-or-later
"""Reset: put the last moved target back where it was before Apply Relation."""

import bpy

from ..bridge.pair import PREVIOUS_MATRIX_KEY, restore_previous


def _reset_target(context):
    target = context.scene.objects.get(context.scene.oor.last_target)
    if target is not None and PREVIOUS_MATRIX_KEY in target:
        return target
    active = context.active_object
    return active if active is not None and PREVIOUS_MATRIX_KEY in active else None


class OOR_OT_reset_relation(bpy.types.Operator):
    """Move the target back to where it was before the last Apply Relation"""

    bl_idname = "oor.reset_relation"
    bl_label = "Reset"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        if _reset_target(context) is None:
            cls.poll_message_set("No object was moved by Apply Relation")
            return False
        return True

    def execute(self, context):
        target = _reset_target(context)
        try:
            restore_previous(target)
        except ValueError as error:  # the target stays where it is
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        self.report({'INFO'}, f"'{target.name}' is back where it was")
        return {'FINISHED'}


CLASSES = (OOR_OT_reset_relation,)
