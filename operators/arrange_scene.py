# SPDX-License-Identifier: GPL-3.0-or-later
"""Arrange Objects: place every object of the relation list at once (joint sampling, Eq. 10)."""

import bpy
from bpy.props import BoolProperty, IntProperty

from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.relation_rows import connected_groups, enabled_rows
from ..bridge.request import RequestError
from ..bridge.scene import (
    build_scene_request,
    choose_candidate,
    describe,
    require_groups_apart,
    require_no_collisions,
    roles_note,
    scene_meshes,
    write_layouts,
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
        arranged = []
        try:
            with StatusProgress(context, "Arrange Objects", SCENE_STAGES) as progress:
                # Rows that share no object are separate groups, each around its own root.
                groups = connected_groups(enabled_rows(context.scene.oor))
                requests = [build_scene_request(group, depsgraph) for group in groups]
                model = SERVICE.get(ModelConfig.from_settings(get_preferences(context)))
                for request in requests:
                    progress.stage("sampling")
                    result = sample_scene(model, request.edges, self.num_candidates,
                                          self.seed, guidance=self.use_guidance,
                                          fixed_phi=request.fixed_phi)
                    result, patterns = with_set_patterns(request, result)
                    progress.stage("checking collisions")
                    meshes = scene_meshes(request, depsgraph)
                    layout = choose_candidate(request, result, meshes)
                    require_no_collisions(layout)
                    arranged.append((request, layout, meshes, patterns))
                require_groups_apart([(r, layout, m) for r, layout, m, _ in arranged])
                progress.stage("placing")
                write_layouts([(r, layout) for r, layout, *_ in arranged])  # all or none
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        said = []
        for request, layout, _, patterns in arranged:
            chosen = patterns[layout.candidate] if layout.candidate < len(patterns) else []
            sets = f"; as sets: {'; '.join(chosen)}" if chosen else ""
            said.append(f"{len(layout.matrices)} objects around '{request.root}' (candidate "
                        f"{layout.candidate + 1}): {describe(layout)}{sets}"
                        f"{roles_note(request)}")
        self.report({'INFO'}, "Arranged " + "; and ".join(said))
        return {'FINISHED'}


CLASSES = (OOR_OT_arrange_scene,)
