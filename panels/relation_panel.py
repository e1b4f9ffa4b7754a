# SPDX-License-Identifier: GPL-3.0-or-later
"""Main OOR panel: prompt, base/target pair, sampling settings, the relation tools, model status."""

import bpy

from ..bridge.candidates import CACHE
from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.objects import object_category
from ..operators.selection import resolve_pair
from ..preferences import get_preferences

TAB = "OOR"
_STATUS = {
    "NOT_LOADED": ("Model: loads on first use", 'TIME'),
    "LOADING": ("Model: loading...", 'SORTTIME'),
    "READY": ("Model: ready", 'CHECKMARK'),
    "ERROR": ("Model: error", 'ERROR'),
}


def _draw_object(layout, settings, role, obj):
    row = layout.row(align=True)
    row.prop(settings, role, text=role.title())
    if obj is not None and not getattr(settings, role):
        row.label(text=obj.name, icon='RESTRICT_SELECT_OFF')
    if obj is not None:
        layout.prop(obj.oor, "category", text="Category", placeholder=object_category(obj))


class OOR_PT_relation(bpy.types.Panel):
    bl_idname = "OOR_PT_relation"
    bl_label = "OOR Arrange"
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = TAB

    def draw(self, context):
        layout = self.layout
        settings = context.scene.oor
        row = layout.row(align=True)
        row.prop(settings, "prompt", text="", icon='TEXT')
        row.menu("OOR_MT_recent_prompts", text="", icon='DOWNARROW_HLT')

        try:
            base, target = resolve_pair(context)
            problem = None
        except ValueError as error:
            base = target = None
            problem = str(error)
        box = layout.box()
        _draw_object(box, settings, "base", base)
        _draw_object(box, settings, "target", target)
        box.operator("oor.swap_objects", icon='ARROW_LEFTRIGHT')
        if problem:
            box.label(text=problem.split(":")[0], icon='INFO')

        column = layout.column(align=True)
        column.prop(settings, "seed")
        column.prop(settings, "num_candidates")
        column.prop(settings, "keep_size")
        column.prop(settings, "settle")

        layout.operator("oor.apply_relation", icon='PLAY')
        candidates = CACHE.latest(settings.last_target)
        row = layout.row(align=True)
        row.operator("oor.cycle_candidate", text="", icon='TRIA_LEFT').direction = -1
        label = (f"Candidate {settings.candidate_index + 1}/{len(candidates)}" if candidates
                 else "No candidates yet")
        row.label(text=label)
        row.operator("oor.cycle_candidate", text="", icon='TRIA_RIGHT').direction = 1
        row = layout.row(align=True)
        row.operator("oor.reset_relation", icon='LOOP_BACK')
        row.operator("oor.snap_to_contact", icon='SNAP_ON')
        row = layout.row(align=True)
        row.operator("oor.capture_relation", icon='REC')
        row.operator("oor.measure_relation", icon='DRIVER_DISTANCE')

        config = ModelConfig.from_settings(get_preferences(context))
        SERVICE.request(config)  # first sight of the panel starts loading in the background
        text, icon = _STATUS[SERVICE.state]
        if SERVICE.state == "ERROR":
            text = f"Model: {SERVICE.error}"
        layout.label(text=text, icon=icon)


CLASSES = (OOR_PT_relation,)
