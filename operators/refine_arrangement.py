# SPDX-License-Identifier: GPL-3.0-or-later
"""Refine Arrangement: nudge the current layout towards the prompts (Eq. 13), sizes fixed."""

import bpy
from bpy.props import BoolProperty, IntProperty

from ..bridge.animation import animate_layouts
from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.relation_rows import enabled_rows
from ..bridge.request import RequestError
from ..bridge.scene import (
    build_scene_request,
    current_phi,
    layout_from_phi,
    roles_note,
    settled_layout_from_phi,
    write_layout,
)
from ..oor_core.errors import ModelLoadError
from ..preferences import get_preferences
from .arrange_scene import relation_list_poll
from .status_progress import EDIT_STAGES, StatusProgress


class OOR_OT_refine_arrangement(bpy.types.Operator):
    """Pull the current layout towards what the prompts describe while staying close to it"""

    bl_idname = "oor.refine_arrangement"
    bl_label = "Refine Arrangement"
    bl_options = {'REGISTER', 'UNDO'}

    steps: IntProperty(name="Steps", default=50, min=1, max=500)
    animate: BoolProperty(name="Animate", description="Keyframe the motion from the current "
                          "to the refined layout", default=False)
    frames: IntProperty(name="Frames", default=24, min=1, max=1000)

    @classmethod
    def poll(cls, context):
        return relation_list_poll(cls, context)

    def execute(self, context):
        from ..oor_core.scene.editing import refine  # torch: loaded on first use
        try:
            with StatusProgress(context, "Refine", EDIT_STAGES) as progress:
                request = build_scene_request(enabled_rows(context.scene.oor),
                                              context.evaluated_depsgraph_get())
                model = SERVICE.get(ModelConfig.from_settings(get_preferences(context)))
                progress.stage("refining")
                result = refine(model, request.edges, current_phi(request), steps=self.steps,
                                fixed_nodes=request.anchored)
                if self.animate:
                    layouts = [layout_from_phi(request, phi) for phi in result.trajectory]
                progress.stage("settling")
                final = settled_layout_from_phi(request, result.phi,
                                                context.evaluated_depsgraph_get())
                if self.animate:
                    layouts[-1] = final
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        if self.animate:
            first, last = animate_layouts(context.scene, request.objects, layouts, self.frames)
            note = f", keyframed over frames {first}-{last}"
        else:
            try:
                write_layout(request, final)  # all objects or none
            except ValueError as error:
                self.report({'ERROR'}, str(error))
                return {'CANCELLED'}
            note = ""
        moved = max((m["translation"] for m in result.moved.values()), default=0.0)
        self.report({'INFO'}, f"Refined {len(final)} objects (largest move {moved:.3f} base "
                              f"units){note}{roles_note(request)}")
        return {'FINISHED'}


CLASSES = (OOR_OT_refine_arrangement,)
