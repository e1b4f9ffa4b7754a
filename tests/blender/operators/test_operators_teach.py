"""Teach it your own relations, through the operators: capture, fine-tune, use, revert."""

import json
from types import SimpleNamespace

import bpy
import numpy as np
import pytest

from scene_helpers import RecordingLayout, add_box, select

PROMPT = "A candle at the corner of the table"
CORNERS = [(1, 1), (-1, 1), (-1, -1), (1, -1), (1, 1)]


@pytest.fixture
def user_dir(addon, tmp_path, monkeypatch):
    monkeypatch.setenv("OOR_ARRANGE_USER_DIR", str(tmp_path))
    return tmp_path


def scene_state():
    return {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}


def capture_corners(count: int):
    """An artist's captures: a candle 4 cm in from each corner of a 1.6 x 0.9 m table."""
    table = add_box("Table", (1.6, 0.9, 0.75), center=(0, 0, 0.375))
    candle = add_box("Candle", (0.06, 0.06, 0.2), center=(0, 0, 0.1))
    bpy.context.scene.oor.prompt = PROMPT
    for sx, sy in CORNERS[:count]:
        candle.location = (sx * (0.8 - 0.03 - 0.04), sy * (0.45 - 0.03 - 0.04), 0.75)
        bpy.context.view_layer.update()
        select(table, candle)
        assert bpy.ops.oor.capture_relation() == {'FINISHED'}
    return table, candle


def new_pair():
    desk = add_box("Desk", (1.2, 0.7, 0.74), location=(4, 0, 0), center=(0, 0, 0.37))
    stick = add_box("Candlestick", (0.09, 0.09, 0.25), location=(6, 2, 0), center=(0, 0, 0.125))
    select(desk, stick)
    bpy.context.scene.oor.prompt = "A candlestick on a corner of the desk"
    return desk, stick


def apply_to(target, seed=0):
    start = target.matrix_world.copy()
    assert bpy.ops.oor.apply_relation(seed=seed) == {'FINISHED'}
    placed = np.array(target.matrix_world)
    target.matrix_world = start
    return placed


def panel_log():
    from oor_arrange.panels.your_relations_panel import OOR_PT_your_relations

    log = []
    OOR_PT_your_relations.draw(SimpleNamespace(layout=RecordingLayout(log)), bpy.context)
    return log


def preferences_log():
    from oor_arrange.preferences import OOR_AP_preferences

    log = []
    OOR_AP_preferences.draw(SimpleNamespace(layout=RecordingLayout(log), model_path=""),
                            bpy.context)
    return log


def test_capture_fine_tune_use_and_revert(user_dir):
    from oor_arrange.bridge.active_model import read_active
    from oor_arrange.oor_core.model.checkpoint import read_metadata

    capture_corners(5)
    log = panel_log()
    assert sum(1 for entry in log if entry == ("label", PROMPT)) == 5
    assert ("operator", "oor.delete_capture") in log and ("operator", "oor.capture_more") in log
    assert ("label", "In use: Shipped model") in log
    assert ("operator", "oor.use_shipped_model") not in log

    _desk, stick = new_pair()
    shipped_result = apply_to(stick)
    before = scene_state()
    assert bpy.ops.oor.finetune_model(steps=150) == {'FINISHED'}
    assert scene_state().keys() == before.keys()  # fine-tuning never touches the scene
    for name, matrix in before.items():
        np.testing.assert_array_equal(scene_state()[name], matrix, err_msg=name)

    model = read_active()
    assert model.startswith(str(user_dir / "models" / "oor_finetuned-"))
    meta = read_metadata(model)
    assert meta["finetune"]["captures"] == 5 and meta["finetune"]["relations"] == [PROMPT]
    assert meta["finetune"]["settings"]["steps"] == 150
    assert any(entry[0] == "label" and "Fine-tuned on 5 capture(s)" in entry[1]
               for entry in panel_log())
    preferences = preferences_log()  # the preferences say which model is in use
    assert any(entry[0] == "label" and entry[1].startswith("Model in use: Fine-tuned on 5")
               for entry in preferences)
    assert ("operator", "oor.use_shipped_model") in preferences

    tuned_result = apply_to(stick)  # the new model is in use at once, no stale candidates
    assert not np.allclose(tuned_result, shipped_result, atol=1e-4)
    assert bpy.ops.oor.use_shipped_model() == {'FINISHED'}
    assert read_active() == ""
    assert ("label", "Model in use: Shipped model") in preferences_log()
    np.testing.assert_allclose(apply_to(stick), shipped_result, atol=1e-6)


def test_fine_tune_without_captures_changes_nothing(user_dir):
    from oor_arrange.bridge.active_model import read_active

    with pytest.raises(RuntimeError, match="no captures to learn from"):
        bpy.ops.oor.finetune_model(steps=100)
    assert read_active() == "" and not (user_dir / "models").exists()


def test_a_broken_model_in_use_is_refused_and_stays_in_use(user_dir):
    from oor_arrange.bridge.active_model import read_active, set_active

    capture_corners(1)
    broken = user_dir / "broken.safetensors"
    broken.write_bytes(b"not a model")
    set_active(broken)
    with pytest.raises(RuntimeError, match="cannot be fine-tuned"):
        bpy.ops.oor.finetune_model(steps=100)
    assert read_active() == str(broken) and not (user_dir / "models").exists()


def test_delete_capture_more_and_export(user_dir):
    from oor_arrange.oor_core.training.captures import CaptureStore

    table, candle = capture_corners(2)
    store = CaptureStore(user_dir / "captured")
    first, second = store.load()
    assert (first.base_object, first.target_object) == ("Table", "Candle")
    np.testing.assert_allclose(first.base_size, (1.6, 0.75, 0.9), atol=1e-6)
    assert first.when and first.encoder == "sentence-transformers/all-MiniLM-L6-v2"

    bpy.context.scene.oor.prompt = "something else"
    select(table, candle)
    assert bpy.ops.oor.capture_more(capture_id=first.id) == {'FINISHED'}
    assert [c.prompt for c in store.load()] == [PROMPT] * 3
    assert bpy.ops.oor.delete_capture(capture_id=second.id) == {'FINISHED'}
    assert second.id not in [c.id for c in store.load()]
    with pytest.raises(RuntimeError, match="no capture 'gone'"):
        bpy.ops.oor.delete_capture(capture_id="gone")

    assert bpy.ops.oor.export_captures(directory=str(user_dir / "out")) == {'FINISHED'}
    exported = next((user_dir / "out").iterdir())
    assert len((exported / "captures.jsonl").read_text().splitlines()) == 2
    assert json.loads((exported / "oor-v1" / "manifest.json").read_text())["counts"][
        "samples"] == 2


def test_the_fine_tune_worker_reports_progress_and_stops(user_dir):
    """The worker thread the sidebar's Fine-tune runs: progress to poll, Cancel, nothing written."""
    import time

    from oor_arrange.bridge.finetune_worker import FinetuneWorker
    from oor_arrange.oor_core.training.captures import CaptureStore
    from oor_arrange.oor_core.training.finetune import FinetuneSettings

    capture_corners(1)
    captures = CaptureStore(user_dir / "captured").load()
    out = user_dir / "models" / "m.safetensors"
    worker = FinetuneWorker(captures, out, settings=FinetuneSettings(steps=5000)).start()
    while worker.snapshot().stage != "training" or worker.snapshot().done < 5:
        assert worker.snapshot().running, worker.snapshot().error
        time.sleep(0.05)
    worker.cancel()
    snapshot = worker.wait(60)
    assert not snapshot.running and snapshot.cancelled and snapshot.result is None
    assert "cancelled at step" in snapshot.error and 5 <= snapshot.done < 5000
    assert not out.exists()


def test_the_sidebar_fine_tune_shows_progress_and_esc_cancels(user_dir):
    """The modal path the sidebar runs (a window, a 0.1 s timer), driven here tick by tick: the
    bpy module has no event loop to fire the timer itself."""
    import time

    from oor_arrange.bridge import finetune_worker
    from oor_arrange.bridge.active_model import read_active
    from oor_arrange.operators.finetune_model import OOR_OT_finetune_model

    capture_corners(2)
    reports = []

    class Sidebar:  # the operator's own methods on a stand-in for the running operator
        steps = 5000
        _worker = OOR_OT_finetune_model.__dict__["_worker"]
        modal = OOR_OT_finetune_model.__dict__["modal"]
        _finish = OOR_OT_finetune_model.__dict__["_finish"]

        def report(self, level, text):
            reports.append((set(level), text))

    window = bpy.context.window_manager.windows[0]
    with bpy.context.temp_override(window=window):
        context = bpy.context
        sidebar = Sidebar()
        worker = sidebar._worker(context).start()
        sidebar._timer = context.window_manager.event_timer_add(0.1, window=window)
        context.window_manager.progress_begin(0, 100)
        tick = SimpleNamespace(type='TIMER', value='NOTHING')
        while not (worker.snapshot().stage == "training" and worker.snapshot().done >= 3):
            assert sidebar.modal(context, tick) == {'PASS_THROUGH'}
            time.sleep(0.1)
        log = panel_log()
        assert any(entry[0] == "progress" and entry[1].startswith("Fine-tuning: training")
                   for entry in log)
        assert ("operator", "oor.cancel_finetune") in log
        assert not OOR_OT_finetune_model.poll(context)  # one fine-tune at a time
        esc = SimpleNamespace(type='ESC', value='PRESS')
        assert sidebar.modal(context, esc) == {'RUNNING_MODAL'}
        for _ in range(600):
            outcome = sidebar.modal(context, tick)
            if outcome != {'PASS_THROUGH'}:
                break
            time.sleep(0.1)
    assert outcome == {'CANCELLED'}
    assert reports[-1][0] == {'WARNING'} and "cancelled at step" in reports[-1][1]
    assert read_active() == "" and not (user_dir / "models").exists()
    assert not finetune_worker.current().snapshot().running


def test_the_model_in_use_is_read_again_only_when_its_file_changes(user_dir, monkeypatch):
    """The sidebar asks which model is in use on every redraw: the file is parsed once, and a
    change made by Use Shipped Model or a fine-tune is seen at once."""
    from pathlib import Path

    from oor_arrange.bridge.active_model import read_active, set_active

    set_active(user_dir / "first.safetensors")
    assert read_active() == str(user_dir / "first.safetensors")
    reads = []
    real_read = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: reads.append(self)
                        or real_read(self, *a, **k))
    for _ in range(5):
        assert read_active() == str(user_dir / "first.safetensors")
    assert reads == []
    set_active(user_dir / "second.safetensors")
    assert read_active() == str(user_dir / "second.safetensors") and len(reads) == 1
    set_active(None)
    assert read_active() == ""
