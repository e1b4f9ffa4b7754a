# SPDX-License-Identifier: GPL-3.0-or-later
"""Your Relations: delete a capture, capture more of a relation, export the captures."""

import bpy
from bpy.props import StringProperty

from ..bridge.request import RequestError
from ..bridge.user_data import captured_dataset_dir
from ..oor_core.training.captures import CaptureError, CaptureStore
from .capture_relation import capture_current_pair
from .selection import NeedsPair


class OOR_OT_delete_capture(bpy.types.Operator):
    """Delete this capture from Your Relations (the next fine-tune no longer learns from it)"""

    bl_idname = "oor.delete_capture"
    bl_label = "Delete Capture"
    bl_options = {'REGISTER', 'INTERNAL'}

    capture_id: StringProperty(name="Capture", options={'SKIP_SAVE'})

    def execute(self, context):
        try:
            left = CaptureStore(captured_dataset_dir()).delete(self.capture_id)
        except CaptureError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        self.report({'INFO'}, f"Deleted the capture; {len(left)} left")
        return {'FINISHED'}


class OOR_OT_capture_more(NeedsPair, bpy.types.Operator):
    """Capture the selected pair as it is now under this capture's prompt (another example of
    the same relation)"""

    bl_idname = "oor.capture_more"
    bl_label = "Add More of This Relation"
    bl_options = {'REGISTER', 'INTERNAL'}

    capture_id: StringProperty(name="Capture", options={'SKIP_SAVE'})

    def execute(self, context):
        try:
            captures = CaptureStore(captured_dataset_dir()).load()
            prompt = next((c.prompt for c in captures if c.id == self.capture_id), None)
            if prompt is None:
                raise CaptureError(f"no capture {self.capture_id!r} in {captured_dataset_dir()}")
            count, note = capture_current_pair(context, prompt)
        except (RequestError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        note = f"; {note}" if note else ""
        self.report({'INFO'}, f"Captured another '{prompt}' ({count} captures){note}")
        return {'FINISHED'}


class OOR_OT_export_captures(bpy.types.Operator):
    """Copy your captures into a folder as a dataset (captures.jsonl and an oor-v1 dataset that
    `python -m oor_core.training --finetune` reads)"""

    bl_idname = "oor.export_captures"
    bl_label = "Export Captures"
    bl_options = {'REGISTER'}

    directory: StringProperty(name="Folder", subtype='DIR_PATH')

    def invoke(self, context, _event):
        context.window_manager.fileselect_add(self)
        return {'RUNNING_MODAL'}

    def execute(self, _context):
        if not self.directory:
            self.report({'ERROR'}, "Choose a folder to export the captures to")
            return {'CANCELLED'}
        try:
            out = CaptureStore(captured_dataset_dir()).export(bpy.path.abspath(self.directory))
        except CaptureError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        self.report({'INFO'}, f"Exported the captures to {out}")
        return {'FINISHED'}


CLASSES = (OOR_OT_delete_capture, OOR_OT_capture_more, OOR_OT_export_captures)
