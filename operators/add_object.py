# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Object: place the active row's target into an arranged scene; nothing else moves."""

import bpy
from bpy.props import IntProperty

from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.relation_rows import enabled_rows
from ..bridge.request import RequestError
from ..bridge.scene import (
    build_scene_request,
    choose_candidate,
    current_phi,
    describe,
    require_no_collisions,
    roles_note,
    scene_meshes,
    write_layout,
)
from ..oor_core.errors import ModelLoadError
from ..preferences import get_preferences
from .status_progress import SCENE_STAGES, StatusProgress


def _new_object(context):
    settings = context.scene.oor
    if not 0 <= settings.active_relation < len(settings.relations):
        return None
    return settings.relations[settings.active_relation].target


class OOR_OT_add_object(bpy.types.Operator):
    """Place the active row's target with its relations; the arranged objects stay put"""

    bl_idname = "oor.add_object"
    bl_label = "Add Object"
    bl_options = {'REGISTER', 'UNDO'}

    seed: IntProperty(name="Seed", default=0, min=0)
    num_candidates: IntProperty(name="Candidates", default=8, min=1, max=32)

    @classmethod
    def poll(cls, context):
        if _new_object(context) is None:
            cls.poll_message_set("Select the row of the new object in the relation list")
            return False
        return True

    def execute(self, context):
        from ..oor_core.scene.multi_object import sample_scene  # torch: loaded on first use
        new = _new_object(context)
        depsgraph = context.evaluated_depsgraph_get()
        try:
            with StatusProgress(context, "Add Object", SCENE_STAGES) as progress:
                rows = enabled_rows(context.scene.oor)
                if not any(row.target == new for row in rows):
                    raise RequestError(f"'{new.name}' is not the target of an enabled relation")
                request = build_scene_request(
                    rows, depsgraph,
                    fixed=tuple(n for n in [r.target.name for r in rows] if n != new.name))
                existing = {key: phi for key, phi in current_phi(request).items()
                            if new.name not in key}
                model = SERVICE.get(ModelConfig.from_settings(get_preferences(context)))
                progress.stage("sampling")
                result = sample_scene(model, request.edges, self.num_candidates, self.seed,
                                      fixed_phi=existing)
                progress.stage("checking collisions")
                layout = choose_candidate(request, result, scene_meshes(request, depsgraph),
                                          movable={new.name})
                require_no_collisions(layout)
                progress.stage("placing")
                write_layout(request, {new.name: layout.matrices[new.name]})  # all or none
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        self.report({'INFO'}, f"Added '{new.name}': {describe(layout)}{roles_note(request)}")
        return {'FINISHED'}


CLASSES = (OOR_OT_add_object,)
