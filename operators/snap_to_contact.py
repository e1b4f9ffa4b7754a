# SPDX-License-Identifier: GPL-3.0-or-later
"""Snap to Contact: move the target along world up until it rests on the base surface below."""

import bpy
import numpy as np

from ..bridge.meshes import WorldMesh, snap_to_contact
from ..bridge.objects import write_world_matrix
from ..bridge.request import check_editable
from .selection import NeedsPair, resolve_pair


class OOR_OT_snap_to_contact(NeedsPair, bpy.types.Operator):
    """Move the target straight up or down until it touches the base below it"""

    bl_idname = "oor.snap_to_contact"
    bl_label = "Snap to Contact"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        try:
            base, target = resolve_pair(context)
            check_editable(target, "target")
            depsgraph = context.evaluated_depsgraph_get()
            offset = snap_to_contact(WorldMesh.from_object(target, depsgraph),
                                     WorldMesh.from_object(base, depsgraph))
            matrix = np.array(target.matrix_world)
            matrix[2, 3] += offset
            write_world_matrix(target, matrix)  # all or nothing
        except ValueError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        direction = "up" if offset > 0 else "down"
        self.report({'INFO'}, f"Moved '{target.name}' {abs(offset) * 1000:.1f} mm {direction} "
                              f"onto '{base.name}'")
        return {'FINISHED'}


CLASSES = (OOR_OT_snap_to_contact,)
