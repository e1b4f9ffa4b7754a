"""Apply Relation refuses bad input with a clear message and leaves the scene as it was."""

import bpy
import numpy as np
import pytest

from scene_helpers import add_box, select


def scene_state():
    return {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}


def assert_unchanged(before):
    after = scene_state()
    assert after.keys() == before.keys()
    for name, matrix in before.items():
        np.testing.assert_array_equal(after[name], matrix, err_msg=name)


@pytest.fixture
def pair(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=(2, 0, 0), center=(0, 0, 0.045))
    select(table, cup)
    bpy.context.scene.oor.prompt = "A cup on a table"
    return table, cup


def apply(**overrides):
    context = {"active_object": bpy.context.view_layer.objects.active,
               "selected_objects": [o for o in bpy.context.scene.objects if o.select_get()]}
    context.update(overrides)
    with bpy.context.temp_override(**context):
        return bpy.ops.oor.apply_relation('EXEC_DEFAULT')


@pytest.mark.parametrize("count", [0, 1, 3])
def test_selection_must_be_two_objects(pair, count):
    table, cup = pair
    extra = add_box("Extra", (1, 1, 1), location=(5, 5, 0))
    selection = [table, cup, extra][:count] if count != 1 else [table]
    before = scene_state()
    with pytest.raises(RuntimeError, match="Select exactly two objects"):
        apply(active_object=selection[0] if selection else None, selected_objects=selection)
    assert_unchanged(before)


def test_same_object_twice_in_the_pickers(pair):
    table, _cup = pair
    bpy.context.scene.oor.base = table
    bpy.context.scene.oor.target = table
    before = scene_state()
    with pytest.raises(RuntimeError, match="'Table' is both base and target"):
        apply()
    assert_unchanged(before)


@pytest.mark.parametrize(("kind", "message"), [
    ("light", "is a light"), ("camera", "is a camera"), ("empty", "is an empty with no geometry")])
def test_objects_without_geometry(pair, kind, message):
    table, _cup = pair
    data = {"light": lambda: bpy.data.lights.new("Lamp", 'POINT'),
            "camera": lambda: bpy.data.cameras.new("Cam"), "empty": lambda: None}[kind]()
    other = bpy.data.objects.new("Other", data)
    bpy.context.scene.collection.objects.link(other)
    before = scene_state()
    with pytest.raises(RuntimeError, match=f"'Other' {message}"):
        apply(active_object=table, selected_objects=[table, other])
    assert_unchanged(before)


def test_zero_size_object(pair):
    table, _cup = pair
    mesh = bpy.data.meshes.new("Flat")
    mesh.from_pydata([(0, 0, 0)] * 3, [], [(0, 1, 2)])
    dot = bpy.data.objects.new("Dot", mesh)
    bpy.context.scene.collection.objects.link(dot)
    before = scene_state()
    with pytest.raises(RuntimeError, match=r"'Dot'.*zero size"):
        apply(active_object=table, selected_objects=[table, dot])
    assert_unchanged(before)


@pytest.mark.parametrize(("prompt", "message"), [
    ("", "Type a prompt"), ("   \t ", "Type a prompt"), ("a cup " * 80, "characters long")])
def test_empty_and_over_long_prompts(pair, prompt, message):
    bpy.context.scene.oor.prompt = prompt
    before = scene_state()
    with pytest.raises(RuntimeError, match=message):
        apply()
    assert_unchanged(before)


def test_constraints_on_the_target(pair):
    _table, cup = pair
    cup.constraints.new('COPY_ROTATION')
    before = scene_state()
    with pytest.raises(RuntimeError, match="target 'Cup' has constraints"):
        apply()
    assert_unchanged(before)


def test_linked_target_is_refused(pair, tmp_path):
    table, _cup = pair
    library_path = tmp_path / "library.blend"
    add_box("Linked Vase", (0.1, 0.1, 0.3))
    bpy.data.libraries.write(str(library_path), {bpy.data.objects["Linked Vase"]})
    bpy.data.objects.remove(bpy.data.objects["Linked Vase"])
    with bpy.data.libraries.load(str(library_path), link=True) as (_source, destination):
        destination.objects = ["Linked Vase"]
    vase = destination.objects[0]
    bpy.context.scene.collection.objects.link(vase)
    before = scene_state()
    with pytest.raises(RuntimeError, match="'Linked Vase' is linked from"):
        apply(active_object=table, selected_objects=[table, vase])
    assert_unchanged(before)


def assert_model_file_refused(monkeypatch, model_path, match):
    """The preferences point at `model_path`: Apply Relation fails with `match`, scene intact."""
    from oor_arrange import preferences
    from oor_arrange.bridge.model_service import SERVICE

    monkeypatch.setattr(preferences, "get_preferences",
                        lambda context=None: preferences.Settings(model_path=str(model_path)))
    monkeypatch.setattr("oor_arrange.operators.apply_relation.get_preferences",
                        preferences.get_preferences)
    before = scene_state()
    try:
        with pytest.raises(RuntimeError, match=match):
            apply()
    finally:
        SERVICE.reset()
    assert_unchanged(before)


def test_missing_model_file_is_named(pair, monkeypatch, tmp_path):
    assert_model_file_refused(monkeypatch, tmp_path / "no_such_model.safetensors",
                              r"model file not found.*no_such_model")


def test_corrupt_model_file_is_refused(pair, monkeypatch, tmp_path):
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00garbage" * 100)
    assert_model_file_refused(monkeypatch, corrupt, "corrupt")


def test_nan_from_the_model_changes_nothing(pair, monkeypatch):
    """A broken model (NaN in its weights) must never put NaN into the scene."""
    import torch

    from oor_arrange.bridge.candidates import CACHE
    from oor_arrange.bridge.model_service import SERVICE, ModelConfig

    model = SERVICE.get(ModelConfig())
    saved = {name: p.detach().clone() for name, p in model.net.named_parameters()}
    before = scene_state()
    try:
        with torch.no_grad():
            next(model.net.parameters()).fill_(float("nan"))
        CACHE.clear()
        with pytest.raises(RuntimeError, match="NaN"):
            apply()
    finally:
        with torch.no_grad():
            for name, p in model.net.named_parameters():
                p.copy_(saved[name])
        model._text_cache.clear()
    assert_unchanged(before)


def test_model_trained_with_another_encoder_is_refused(pair, monkeypatch, tmp_path):
    from oor_arrange.oor_core.model.checkpoint import load_checkpoint, save_checkpoint
    from oor_arrange.oor_core.model.inference import DEFAULT_WEIGHTS

    tensors, metadata = load_checkpoint(DEFAULT_WEIGHTS)
    metadata["encoder"] = dict(metadata["encoder"], name="some-other-encoder", dim=512)
    other = tmp_path / "other_encoder.safetensors"
    save_checkpoint(other, tensors, metadata)
    assert_model_file_refused(monkeypatch, other, "encoder")
