# SPDX-License-Identifier: GPL-3.0-or-later
"""Your Relations: the captured samples, where they live, Fine-tune and the model in use."""

import bpy

from ..bridge import finetune_worker
from ..bridge.active_model import describe_model, read_active
from ..bridge.user_data import captured_dataset_dir
from ..oor_core.training.captures import CaptureError, CaptureStore
from ..preferences import get_preferences
from .relation_panel import TAB

SHOWN = 12  # newest captures listed; the rest are counted


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ") if stamp else "earlier version"


class OOR_PT_your_relations(bpy.types.Panel):
    bl_idname = "OOR_PT_your_relations"
    bl_label = "Your Relations"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB
    bl_parent_id = "OOR_PT_relation"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        layout = self.layout
        folder = captured_dataset_dir()
        try:
            captures = CaptureStore(folder).load()
        except CaptureError as error:
            layout.label(text=str(error), icon='ERROR')
            captures = []
        column = layout.column(align=True)
        if not captures:
            column.label(text="No captures yet: arrange a pair, type its relation,", icon='INFO')
            column.label(text="then Capture Relation (five teach it to similar objects)")
        for capture in reversed(captures[-SHOWN:]):
            box = column.box()
            row = box.row(align=True)
            row.label(text=capture.prompt, icon='REC')
            more = row.operator("oor.capture_more", text="", icon='ADD')
            more.capture_id = capture.id
            delete = row.operator("oor.delete_capture", text="", icon='TRASH')
            delete.capture_id = capture.id
            box.label(text=f"{capture.target_object or capture.target} on "
                           f"{capture.base_object or capture.base}, {_when(capture.when)}")
        if len(captures) > SHOWN:
            column.label(text=f"... and {len(captures) - SHOWN} older")
        layout.label(text=f"Stored in {folder}", icon='FILE_FOLDER')
        layout.operator("oor.export_captures", icon='EXPORT')

        worker = finetune_worker.current()
        snapshot = worker.snapshot() if worker is not None else None
        if snapshot is not None and snapshot.running:
            row = layout.row(align=True)
            row.progress(factor=snapshot.fraction, type='BAR',
                         text=f"Fine-tuning: {snapshot.stage} {snapshot.done}/{snapshot.total}"
                         if snapshot.stage == "training" else f"Fine-tuning: {snapshot.stage}")
            row.operator("oor.cancel_finetune", text="", icon='CANCEL')
        else:
            layout.operator("oor.finetune_model", icon='MOD_ARRAY')
            if snapshot is not None and snapshot.error:
                layout.label(text=snapshot.error, icon='CANCEL' if snapshot.cancelled else 'ERROR')
        model = get_preferences(context).model_path
        layout.label(text=f"In use: {describe_model(model)}", icon='MODIFIER')
        if model or read_active():
            layout.operator("oor.use_shipped_model", icon='LOOP_BACK')


CLASSES = (OOR_PT_your_relations,)
