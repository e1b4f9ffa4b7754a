# SPDX-License-Identifier: GPL-3.0-or-later
"""Swap Base and Target: fill the sidebar pickers with the current pair, swapped."""

import bpy

from .selection import resolve_pair


class OOR_OT_swap_objects(bpy.types.Operator):
    """Swap base and target"""

    bl_idname = "oor.swap_objects"
    bl_label = "Swap Base and Target"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        try:
            resolve_pair(context)
        except ValueError as error:
            cls.poll_message_set(str(error))
            return False
        return True

    def execute(self, context):
        base, target = resolve_pair(context)
        settings = context.scene.oor
        settings.base, settings.target = target, base
        return {'FINISHED'}


CLASSES = (OOR_OT_swap_objects,)
