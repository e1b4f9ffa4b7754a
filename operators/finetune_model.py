# SPDX-License-Identifier: GPL-3.0-or-later
"""Fine-tune (on Your Relations' captures) and Use Shipped Model.

With a window the fine-tune runs on a worker thread while this modal operator's 0.1 s timer
shows its progress in the status bar and the panel; Esc or the panel's Cancel stops it. Under
`blender -b` (no window) it runs to the end before returning. Either way the new model becomes
the model in use only once it is written whole; otherwise the model in use is unchanged.
"""

import bpy
from bpy.props import IntProperty

from ..bridge import finetune_worker
from ..bridge.active_model import (
    describe_model,
    encoder_name,
    new_model_path,
    set_active,
)
from ..bridge.candidates import CACHE
from ..bridge.model_service import DEFAULT_THREADS, SERVICE, ModelConfig, encoder_for_folder
from ..bridge.user_data import captured_dataset_dir, user_data_dir
from ..oor_core.errors import ModelLoadError
from ..oor_core.training.captures import CaptureError, CaptureStore
from ..preferences import get_preferences

TIMER_SECONDS = 0.1
_PACKAGE = __package__.rpartition(".")[0]  # the add-on's preferences are registered under it


def _status(snapshot) -> str:
    if snapshot.stage == "training":
        return (f"OOR Arrange: Fine-tuning: step {snapshot.done}/{snapshot.total} "
                f"({100 * snapshot.fraction:.0f} %), Esc to cancel")
    return f"OOR Arrange: Fine-tuning: {snapshot.stage}, Esc to cancel"


def _redraw_sidebars(context) -> None:
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            if area.type == 'VIEW_3D':
                area.tag_redraw()


class OOR_OT_finetune_model(bpy.types.Operator):
    """Teach the model your captured relations: fine-tune it on Your Relations plus a replay of
    the relation library (about a minute; Esc cancels), then use the result"""

    bl_idname = "oor.finetune_model"
    bl_label = "Fine-tune"
    bl_options = {'REGISTER'}

    steps: IntProperty(name="Steps", default=1500, min=100, max=20000,
                       description="Training steps (about 45 ms each on one core)")

    @classmethod
    def poll(cls, _context):
        worker = finetune_worker.current()
        if worker is not None and worker.snapshot().running:
            cls.poll_message_set("A fine-tune is running (Esc or Cancel stops it)")
            return False
        return True

    def _worker(self, context):
        """A worker ready to start, or None after reporting why not."""
        from ..oor_core.model.inference import set_num_threads
        from ..oor_core.training.finetune import FinetuneError, FinetuneSettings, check_captures

        settings = get_preferences(context)
        try:
            captures = CaptureStore(captured_dataset_dir()).load()
            check_captures(captures, encoder_name(settings.model_path))
            tuning = FinetuneSettings(steps=self.steps)
        except (CaptureError, FinetuneError) as error:
            self.report({'ERROR'}, str(error))
            return None
        # Blender keeps the other core busy: the same thread count as inference.
        set_num_threads(settings.cpu_threads or DEFAULT_THREADS)
        # The loaded model's text encoder, when there is one: loading another would hold the
        # interpreter lock for ~0.2 s (the tokenizer's file is parsed in one call). Otherwise
        # the encoder folder of the preferences, as the model service would load it.
        loaded = SERVICE.loaded(ModelConfig.from_settings(settings))
        encoder = loaded.encoder if loaded is not None else None
        if encoder is None and settings.encoder_path:
            try:
                encoder = encoder_for_folder(settings.encoder_path)
            except ModelLoadError as error:
                self.report({'ERROR'}, str(error))
                return None
        worker = finetune_worker.FinetuneWorker(
            captures, new_model_path(), settings.model_path, tuning, encoder=encoder,
            cache_dir=user_data_dir() / "cache" / "text")
        finetune_worker.adopt(worker)
        return worker

    def execute(self, context):
        worker = self._worker(context)
        if worker is None:
            return {'CANCELLED'}
        return self._finish(context, worker.run_here())

    def invoke(self, context, _event):
        if context.window is None or bpy.app.background:  # no event loop to drive a timer
            return self.execute(context)
        worker = self._worker(context)
        if worker is None:
            return {'CANCELLED'}
        worker.start()
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_SECONDS, window=context.window)
        wm.progress_begin(0, 100)
        wm.modal_handler_add(self)
        return {'RUNNING_MODAL'}

    def modal(self, context, event):
        worker = finetune_worker.current()
        if event.type == 'ESC' and event.value == 'PRESS' and worker is not None:
            worker.cancel()
            return {'RUNNING_MODAL'}
        if event.type != 'TIMER' or worker is None:
            return {'PASS_THROUGH'}
        snapshot = worker.snapshot()
        _redraw_sidebars(context)
        if snapshot.running:
            context.window_manager.progress_update(int(100 * snapshot.fraction))
            context.workspace.status_text_set(_status(snapshot))
            return {'PASS_THROUGH'}
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.workspace.status_text_set(None)
        return self._finish(context, snapshot)

    def cancel(self, context):
        """Blender ended the modal operator (a file was loaded, the window closed): stop the
        fine-tune and clear what it showed; the model in use stays."""
        worker = finetune_worker.current()
        if worker is not None:
            worker.cancel()
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def _finish(self, context, snapshot):
        if snapshot.result is None:
            level = {'WARNING'} if snapshot.cancelled else {'ERROR'}
            self.report(level, snapshot.error or "fine-tuning did not finish; the model in use "
                                                 "is unchanged")
            return {'CANCELLED'}
        worker = finetune_worker.current()
        now = get_preferences(context).model_path
        if worker is not None and now != worker.init_path:  # changed by hand meanwhile
            self.report({'WARNING'}, f"The model in use changed while fine-tuning; kept it. The "
                                     f"fine-tuned model is {snapshot.result.path} (set it as "
                                     "Model File in the preferences to use it)")
            return {'CANCELLED'}
        try:
            set_active(snapshot.result.path)
        except OSError as error:
            self.report({'ERROR'}, f"The fine-tuned model {snapshot.result.path} was written but "
                                   f"could not be made the model in use: "
                                   f"{error.strerror or error}")
            return {'CANCELLED'}
        addon = context.preferences.addons.get(_PACKAGE)
        if addon is not None and addon.preferences is not None:  # a Model File would win over it
            addon.preferences.model_path = ""
        CACHE.clear()  # candidates of the previous model must not be offered again
        SERVICE.reset()
        if context.window is not None and not bpy.app.background:  # load it now, like the first
            SERVICE.request(ModelConfig.from_settings(get_preferences(context)))
        tuned = snapshot.result.metadata.get("finetune", {})
        self.report({'INFO'}, f"Fine-tuned on {tuned.get('captures', '?')} capture(s) in "
                              f"{snapshot.result.seconds:.0f} s; now using "
                              f"{snapshot.result.path.name} (Use Shipped Model goes back)")
        return {'FINISHED'}


class OOR_OT_cancel_finetune(bpy.types.Operator):
    """Stop the running fine-tune; the model in use stays as it is"""

    bl_idname = "oor.cancel_finetune"
    bl_label = "Cancel Fine-tune"
    bl_options = {'REGISTER', 'INTERNAL'}

    def execute(self, _context):
        worker = finetune_worker.current()
        if worker is None or not worker.snapshot().running:
            self.report({'INFO'}, "No fine-tune is running")
            return {'CANCELLED'}
        worker.cancel()
        return {'FINISHED'}


class OOR_OT_use_shipped_model(bpy.types.Operator):
    """Go back to the model shipped with the extension (your fine-tuned models stay in the
    user folder)"""

    bl_idname = "oor.use_shipped_model"
    bl_label = "Use Shipped Model"
    bl_options = {'REGISTER'}

    def execute(self, context):
        addon = context.preferences.addons.get(_PACKAGE)
        was = get_preferences(context).model_path
        if addon is not None and addon.preferences is not None:
            addon.preferences.model_path = ""
        set_active(None)
        if was:
            CACHE.clear()
            SERVICE.reset()
        self.report({'INFO'}, f"Using the shipped model (was: {describe_model(was)})")
        return {'FINISHED'}


CLASSES = (OOR_OT_finetune_model, OOR_OT_cancel_finetune, OOR_OT_use_shipped_model)
