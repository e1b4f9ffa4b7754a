# SPDX-License-Identifier: GPL-3.0-or-later
"""Arrange Objects: place every object of the relation list at once (joint sampling, Eq. 10)."""

import bpy
from bpy.props import BoolProperty, IntProperty

from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.relation_rows import enabled_rows
from ..bridge.request import RequestError
from ..bridge.scene import (
    build_scene_request,
    choose_candidate,
    describe,
    require_no_collisions,
    roles_note,
    scene_meshes,
    write_layout,
)
from ..bridge.sets import with_set_patterns
from ..oor_core.errors import ModelLoadError
from ..preferences import get_preferences
from .status_progress import SCENE_STAGES, StatusProgress


def relation_list_poll(cls, context) -> bool:
    if not any(row.enabled for row in context.scene.oor.relations):
        cls.poll_message_set("Add relations to the list (Add Relation uses the selected pair)")
        return False
    return True


class OOR_OT_arrange_scene(bpy.types.Operator):
    """Arrange all objects of the relation list together; the root object stays in place"""

    bl_idname = "oor.arrange_scene"
    bl_label = "Arrange Objects"
    bl_options = {'REGISTER', 'UNDO'}

    seed: IntProperty(name="Seed", default=0, min=0)
    num_candidates: IntProperty(name="Candidates", default=8, min=1, max=32)
    use_guidance: BoolProperty(
        name="Collision & Consistency Guidance", default=True,
        description="Steer sampling away from collisions and towards one consistent layout",
    )

    @classmethod
    def poll(cls, context):
        return relation_list_poll(cls, context)

    def execute(self, context):
        from ..oor_core.scene.multi_object import sample_scene  # torch: loaded on first use
        depsgraph = context.evaluated_depsgraph_get()
        try:
            with StatusProgress(context, "Arrange Objects", SCENE_STAGES) as progress:
                request = build_scene_request(enabled_rows(context.scene.oor), depsgraph)
                model = SERVICE.get(ModelConfig.from_settings(get_preferences(context)))
                progress.stage("sampling")
                result = sample_scene(model, request.edges, self.num_candidates, self.seed,
                                      guidance=self.use_guidance)
                result, patterns = with_set_patterns(request, result)
                progress.stage("checking collisions")
                layout = choose_candidate(request, result, scene_meshes(request, depsgraph))
                require_no_collisions(layout)
                progress.stage("placing")
                write_layout(request, layout.matrices)  # all objects or none
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        chosen = patterns[layout.candidate] if layout.candidate < len(patterns) else []
        sets = f"; as sets: {'; '.join(chosen)}" if chosen else ""
        self.report({'INFO'}, f"Arranged {len(layout.matrices)} objects around '{request.root}' "
                           f"(candidate {layout.candidate + 1}): {describe(layout)}{sets}"
                           f"{roles_note(request)}")
        return {'FINISHED'}


CLASSES = (OOR_OT_arrange_scene,)
