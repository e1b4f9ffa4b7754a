# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture Relation: record the current pair and prompt as a training sample for fine-tuning."""

import bpy
import numpy as np

from ..bridge.request import RequestError, build_request
from ..bridge.user_data import captured_dataset_dir
from ..oor_core.dataset import OORDataset, append_captured, load_dataset, save_dataset
from ..oor_core.geometry.placement import extract_relation
from .selection import NeedsPair, resolve_pair


def _ensure_dataset(folder) -> None:
    try:
        load_dataset(folder)
    except (OSError, ValueError):
        save_dataset(OORDataset(np.zeros((0, 15), np.float32), np.zeros(0, np.int64),
                                np.zeros(0, dtype=str), [], []), folder)


class OOR_OT_capture_relation(NeedsPair, bpy.types.Operator):
    """Record how the target sits relative to the base, with the prompt, for fine-tuning"""

    bl_idname = "oor.capture_relation"
    bl_label = "Capture Relation"
    bl_options = {'REGISTER'}

    def execute(self, context):
        try:
            base, target = resolve_pair(context)
            request = build_request(base, target, context.scene.oor.prompt,
                                    context.evaluated_depsgraph_get())
        except (RequestError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        phi = extract_relation(request.base.geometry, request.target.geometry)
        folder = captured_dataset_dir()
        try:
            _ensure_dataset(folder)
            dataset = append_captured(folder, [{"prompt": request.prompt,
                                                "base": request.base.category,
                                                "target": request.target.category,
                                                "phi": phi.tolist()}])
        except (OSError, ValueError) as error:
            self.report({'ERROR'}, f"Could not write the captured relation to {folder}: {error}")
            return {'CANCELLED'}
        note = f"; {request.user_note}" if request.user_note else ""
        self.report({'INFO'}, f"Captured '{request.prompt}' ({len(dataset.phi)} samples in "
                              f"{folder}){note}")
        return {'FINISHED'}


CLASSES = (OOR_OT_capture_relation,)
