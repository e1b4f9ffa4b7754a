# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure Relation: report the OOR (rotation, translation, scales) of the target in the base."""

import bpy
import numpy as np

from ..bridge.objects import BridgeError
from ..bridge.scene_objects import read_object
from ..oor_core.geometry.oor_vector import unpack_phi
from ..oor_core.geometry.placement import extract_relation
from .selection import NeedsPair, resolve_pair


class OOR_OT_measure_relation(NeedsPair, bpy.types.Operator):
    """Report how the selected target sits in the active base's canonical frame"""

    bl_idname = "oor.measure_relation"
    bl_label = "Measure Relation"
    bl_options = {'REGISTER'}

    def execute(self, context):
        try:
            base, target = resolve_pair(context)
            depsgraph = context.evaluated_depsgraph_get()
            base_info, target_info = read_object(base, depsgraph), read_object(target, depsgraph)
        except (ValueError, BridgeError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        oor = unpack_phi(extract_relation(base_info.geometry, target_info.geometry))
        tilt = np.degrees(np.arccos(np.clip(oor.rotation[1, 1], -1.0, 1.0)))
        self.report(
            {'INFO'},
            f"{target_info.category} in {base_info.category}: "
            f"t = ({', '.join(f'{v:.3f}' for v in oor.translation)}) base units, "
            f"size = ({', '.join(f'{v:.3f}' for v in oor.target_scale)}), tilt {tilt:.1f} deg",
        )
        return {'FINISHED'}


CLASSES = (OOR_OT_measure_relation,)
