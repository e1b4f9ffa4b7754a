# SPDX-License-Identifier: GPL-3.0-or-later
"""Change Context: give an existing pair a new prompt (a teapot beside a cup -> pouring into it).

Only the target moves; the rest of the scene stays as it is.
"""

import bpy
from bpy.props import BoolProperty, IntProperty

from ..bridge.animation import animate_layouts
from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.relation_rows import RelationRow
from ..bridge.request import RequestError, check_prompt
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
from .selection import NeedsPair, resolve_pair
from .status_progress import EDIT_STAGES, StatusProgress


class OOR_OT_change_context(NeedsPair, bpy.types.Operator):
    """Move the target from its current relation to the one the prompt describes"""

    bl_idname = "oor.change_context"
    bl_label = "Change Context"
    bl_options = {'REGISTER', 'UNDO'}

    seed: IntProperty(name="Seed", default=0, min=0)
    animate: BoolProperty(name="Animate", description="Keyframe the motion into the new pose",
                          default=False)
    frames: IntProperty(name="Frames", default=48, min=1, max=1000)

    def execute(self, context):
        from ..oor_core.scene.editing import change_context  # torch: loaded on first use
        try:
            with StatusProgress(context, "Change Context", EDIT_STAGES) as progress:
                base, target = resolve_pair(context)
                prompt = check_prompt(context.scene.oor.prompt)
                request = build_scene_request([RelationRow(base, target, prompt)],
                                              context.evaluated_depsgraph_get())
                model = SERVICE.get(ModelConfig.from_settings(get_preferences(context)))
                edge = request.edges[0]
                progress.stage("refining")
                result = change_context(model, edge, current_phi(request)[edge.key], prompt,
                                        seed=self.seed)
                progress.stage("settling")
                final = settled_layout_from_phi(request, result.phi,
                                                context.evaluated_depsgraph_get())
                layouts = ([layout_from_phi(request, phi) for phi in result.trajectory[:-1]]
                           + [final] if self.animate else None)
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        if layouts:
            first, last = animate_layouts(context.scene, request.objects, layouts, self.frames)
            note = f", keyframed over frames {first}-{last}"
        else:
            try:
                write_layout(request, final)  # all objects or none
            except ValueError as error:
                self.report({'ERROR'}, str(error))
                return {'CANCELLED'}
            note = ""
        self.report({'INFO'}, f"'{request.edges[0].target}' now: {prompt}{note}"
                              f"{roles_note(request)}")
        return {'FINISHED'}


CLASSES = (OOR_OT_change_context,)
