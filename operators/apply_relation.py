# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply Relation: sample arrangements of the target relative to the base, apply the best.

Interactive use runs the model on a worker thread (torch only) while a timer keeps Blender
responsive; Esc cancels and leaves the scene as it was. Under `blender -b`, from scripts and from
the Adjust Last Operation panel, `execute` runs synchronously, and re-uses cached candidates
when only the candidate index or the size option changed.
"""

import threading

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty

from ..bridge.candidates import CACHE, candidate_key
from ..bridge.model_service import SERVICE, ModelConfig
from ..bridge.pair import apply_candidate, candidates_for, rank_candidates, sample_phi
from ..bridge.physics_settle import settle_and_write
from ..bridge.request import RequestError, as_requested, build_request
from ..oor_core.errors import ModelLoadError
from ..preferences import get_preferences
from .selection import NeedsPair, resolve_pair


def _model_config(context) -> ModelConfig:
    return ModelConfig.from_settings(get_preferences(context))


class OOR_OT_apply_relation(NeedsPair, bpy.types.Operator):
    """Place the target relative to the base as the prompt describes"""

    bl_idname = "oor.apply_relation"
    bl_label = "Apply Relation"
    bl_options = {'REGISTER', 'UNDO'}

    prompt: StringProperty(name="Prompt", options={'HIDDEN', 'SKIP_SAVE'})
    base_name: StringProperty(name="Base", options={'HIDDEN', 'SKIP_SAVE'})
    target_name: StringProperty(name="Target", options={'HIDDEN', 'SKIP_SAVE'})
    seed: IntProperty(name="Seed", default=0, min=0)
    num_candidates: IntProperty(name="Candidates", default=16, min=1, max=64,
                                options={'SKIP_SAVE'})
    candidate: IntProperty(name="Candidate", description="Which ranked candidate (1 = best)",
                           default=1, min=1, max=64)
    keep_size: BoolProperty(name="Keep Real Size", default=True)
    settle: BoolProperty(name="Settle", default=False,
                         description="Let Blender's rigid-body physics drop the target into a "
                         "resting pose (kept only if it still holds the relation)")

    def _fill_from_scene(self, context):
        settings = context.scene.oor
        base, target = resolve_pair(context)
        if not self.properties.is_property_set("base_name"):
            self.base_name = base.name
        if not self.properties.is_property_set("target_name"):
            self.target_name = target.name
        if not self.properties.is_property_set("prompt"):
            self.prompt = settings.prompt
        if not self.properties.is_property_set("seed"):
            self.seed = settings.seed
        if not self.properties.is_property_set("num_candidates"):
            self.num_candidates = settings.num_candidates
        if not self.properties.is_property_set("keep_size"):
            self.keep_size = settings.keep_size
        if not self.properties.is_property_set("settle"):
            self.settle = settings.settle

    def _request(self, context):
        objects = context.scene.objects
        base, target = objects.get(self.base_name), objects.get(self.target_name)
        if base is None or target is None:
            missing = self.base_name if base is None else self.target_name
            raise RequestError(f"There is no object named '{missing}' in this scene")
        request = build_request(base, target, self.prompt, context.evaluated_depsgraph_get())
        return (*as_requested(base, target, request), request)

    def _finish(self, context, target, candidates, from_cache, note=""):
        try:
            summary = apply_candidate(target, candidates, self.candidate - 1)
            base = next((context.scene.objects.get(name) for name in candidates.axes
                         if name != target.name), None)  # the base the candidates were for
            if self.settle and base is not None:
                summary += "; " + settle_and_write([base], [target], {target.name: base})
        except ValueError as error:  # the target is back where it was
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        settings = context.scene.oor
        settings.remember_prompt(self.prompt)
        settings.last_target = target.name
        settings.candidate_index = (self.candidate - 1) % len(candidates)
        source = "cached candidates" if from_cache else f"{candidates.nfe} model evaluations"
        note = f"; {note}" if note else ""
        self.report({'INFO'}, f"Placed '{target.name}': {summary}, from {source}{note}")
        return {'FINISHED'}

    def execute(self, context):
        try:
            if not self.base_name or not self.target_name:
                self._fill_from_scene(context)
            base, target, request = self._request(context)
            candidates, from_cache = candidates_for(
                lambda: SERVICE.get(_model_config(context)), request, base, target,
                context.evaluated_depsgraph_get(), self.seed, self.num_candidates,
                self.keep_size)
        except (RequestError, ModelLoadError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        return self._finish(context, target, candidates, from_cache, request.user_note)

    # ------------------------------------------------------------ interactive (modal)
    def invoke(self, context, _event):
        try:
            self._fill_from_scene(context)
            _base, _target, request = self._request(context)
        except (RequestError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        key = candidate_key(request, self.seed, self.num_candidates, self.keep_size)
        if bpy.app.background or CACHE.get(key) is not None:
            return self.execute(context)
        self._start_worker(context, request)
        return {'RUNNING_MODAL'}

    def _start_worker(self, context, request):
        config = _model_config(context)
        self._result, self._error, self._request_key = None, None, request.key
        SERVICE.request(config, retry=True)

        def work():  # torch only: no bpy in here
            try:
                model = SERVICE.get(config)
                self._result = sample_phi(model, request, self.seed, self.num_candidates,
                                          self.keep_size)
            except (RequestError, ModelLoadError, ValueError, RuntimeError) as error:
                self._error = str(error)

        self._thread = threading.Thread(target=work, daemon=True, name="oor-apply-relation")
        self._thread.start()
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.05, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 1)
        self._status(context, "OOR: loading model..." if SERVICE.state == "LOADING"
                     else "OOR: sampling... (Esc to cancel)")

    def _status(self, context, text):
        if context.workspace is not None:
            context.workspace.status_text_set(text)

    def _cleanup(self, context):
        wm = context.window_manager
        wm.event_timer_remove(self._timer)
        wm.progress_end()
        self._status(context, None)

    def modal(self, context, event):
        if event.type == 'ESC':
            self._cleanup(context)
            self.report({'INFO'}, "Apply Relation cancelled; nothing was changed")
            return {'CANCELLED'}
        if event.type != 'TIMER' or self._thread.is_alive():
            if event.type == 'TIMER':
                self._status(context, "OOR: loading model... (Esc to cancel)"
                             if SERVICE.state == "LOADING" else "OOR: sampling... (Esc to cancel)")
            return {'PASS_THROUGH'}
        self._cleanup(context)
        if self._error:
            self.report({'ERROR'}, self._error)
            return {'CANCELLED'}
        try:
            base, target, request = self._request(context)
            if request.key != self._request_key:
                raise RequestError("The objects changed while sampling; apply again")
            phi, nfe = self._result
            candidates = rank_candidates(request, phi, base, target,
                                         context.evaluated_depsgraph_get(), self.seed,
                                         self.keep_size, nfe)
        except (RequestError, ValueError) as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        return self._finish(context, target, candidates, False, request.user_note)


CLASSES = (OOR_OT_apply_relation,)
