# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture Relation: record the current pair and prompt as a sample for fine-tuning."""

import bpy

from ..bridge.active_model import encoder_name
from ..bridge.request import RequestError, build_request
from ..bridge.user_data import captured_dataset_dir
from ..oor_core.geometry.object_frame import object_frame
from ..oor_core.geometry.placement import extract_relation
from ..oor_core.training.captures import Capture, CaptureStore, now_utc
from ..preferences import get_preferences
from .selection import NeedsPair, resolve_pair


def capture_current_pair(context, prompt: str) -> tuple[int, str]:
    """Record the selected pair under `prompt`: (captures now, the role note). RequestError or
    CaptureError with the message for the user; nothing is written then."""
    base, target = resolve_pair(context)
    request = build_request(base, target, prompt, context.evaluated_depsgraph_get())
    sizes = [object_frame(info.geometry).pose.size for info in (request.base, request.target)]
    capture = Capture(
        prompt=request.prompt, base=request.base.category, target=request.target.category,
        phi=tuple(float(v) for v in extract_relation(request.base.geometry,
                                                     request.target.geometry)),
        base_object=request.base.name, target_object=request.target.name,
        base_size=tuple(float(v) for v in sizes[0]),
        target_size=tuple(float(v) for v in sizes[1]), when=now_utc(),
        encoder=encoder_name(get_preferences(context).model_path))
    return len(CaptureStore(captured_dataset_dir()).add(capture)), request.user_note


class OOR_OT_capture_relation(NeedsPair, bpy.types.Operator):
    """Record how the target sits relative to the base, with the prompt, to teach the model
    (Your Relations)"""

    bl_idname = "oor.capture_relation"
    bl_label = "Capture Relation"
    bl_options = {'REGISTER'}

    def execute(self, context):
        prompt = context.scene.oor.prompt
        try:
            count, note = capture_current_pair(context, prompt)
        except (RequestError, ValueError) as error:  # CaptureError is a ValueError
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        note = f"; {note}" if note else ""
        self.report({'INFO'}, f"Captured '{prompt.strip()}' ({count} captures in "
                              f"{captured_dataset_dir()}){note}")
        return {'FINISHED'}


CLASSES = (OOR_OT_capture_relation,)
