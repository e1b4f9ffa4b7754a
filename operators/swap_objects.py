# SPDX-License-Identifier: GPL-3.0-or-later
"""Swap Base and Target: fill the sidebar pickers with the current pair, swapped."""

import bpy

from .selection import NeedsPair, resolve_pair


class OOR_OT_swap_objects(NeedsPair, bpy.types.Operator):
    """Swap base and target"""

    bl_idname = "oor.swap_objects"
    bl_label = "Swap Base and Target"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        base, target = resolve_pair(context)
        settings = context.scene.oor
        settings.base, settings.target = target, base
        return {'FINISHED'}


CLASSES = (OOR_OT_swap_objects,)
