"""Arrange Objects, Refine, Change Context and Add Object with the shipped model."""

import math

import bpy
import numpy as np
import pytest

from scene_helpers import add_box, add_cup, import_teapot, select, world_corners


def window_context():
    return bpy.context.temp_override(window=bpy.context.window_manager.windows[0])


def add_row(base, target, prompt):
    select(base, target)
    bpy.context.scene.oor.prompt = prompt
    assert bpy.ops.oor.add_relation_row() == {'FINISHED'}


def matrices():
    return {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}


@pytest.fixture
def tea_table(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Teacup", (0.08, 0.08, 0.09), location=(2, 0, 0), center=(0, 0, 0.045))
    plate = add_box("Plate", (0.22, 0.22, 0.02), location=(3, 0, 0), center=(0, 0, 0.01))
    vase = add_box("Vase", (0.12, 0.12, 0.3), location=(4, 0, 0), center=(0, 0, 0.15))
    add_row(table, cup, "A teacup on a table")
    add_row(table, plate, "A plate on a table")
    add_row(table, vase, "A vase on a table")
    return table, cup, plate, vase


def test_arrange_moves_all_but_the_root_in_one_undo_step(tea_table):
    table, *others = tea_table
    with window_context():
        bpy.ops.ed.undo_push(message="before")
    before = matrices()
    with window_context():
        assert bpy.ops.oor.arrange_scene('EXEC_DEFAULT', True, seed=0) == {'FINISHED'}
    after = matrices()
    np.testing.assert_array_equal(after["Table"], before["Table"])
    top = world_corners(table)[:, 2].max()
    for obj in others:
        assert not np.allclose(after[obj.name], before[obj.name]), obj.name
        assert world_corners(obj)[:, 2].min() >= top - 0.02, obj.name
    with window_context():
        bpy.ops.ed.undo()
    for name, matrix in before.items():
        np.testing.assert_allclose(np.array(bpy.data.objects[name].matrix_world), matrix)


def test_long_operators_show_their_stages_in_the_status_bar(tea_table):
    from oor_arrange.operators import status_progress

    del tea_table
    with window_context():
        bpy.ops.oor.arrange_scene(seed=1)
    assert status_progress.LAST_SHOWN == [
        "OOR Arrange: Arrange Objects: reading the scene (1/4)",
        "OOR Arrange: Arrange Objects: sampling (2/4)",
        "OOR Arrange: Arrange Objects: checking collisions (3/4)",
        "OOR Arrange: Arrange Objects: placing (4/4)"]
    with window_context():
        bpy.ops.oor.refine_arrangement(steps=20)
    assert [text.split(": ")[2] for text in status_progress.LAST_SHOWN] == [
        "reading the scene (1/3)", "refining (2/3)", "settling (3/3)"]


def test_refine_keeps_small_edits_small_and_sizes_fixed(tea_table):
    del tea_table  # the scene is what matters
    with window_context():
        bpy.ops.oor.arrange_scene(seed=1)
    before = matrices()
    with window_context():
        assert bpy.ops.oor.refine_arrangement(steps=50) == {'FINISHED'}
    after = matrices()
    np.testing.assert_array_equal(after["Table"], before["Table"])
    for name in ("Teacup", "Plate", "Vase"):
        moved = np.linalg.norm(after[name][:3, 3] - before[name][:3, 3])
        assert moved < 0.5, name
        np.testing.assert_allclose(np.linalg.norm(after[name][:3, :3], axis=0),
                                   np.linalg.norm(before[name][:3, :3], axis=0), rtol=1e-6)


def test_add_object_leaves_the_arranged_objects_where_they_were(tea_table):
    table, *_ = tea_table
    with window_context():
        bpy.ops.oor.arrange_scene(seed=2)
    spoon = add_box("Teaspoon", (0.03, 0.14, 0.01), location=(5, 0, 0))
    add_row(table, spoon, "A teaspoon on a table")
    before = matrices()
    with window_context():
        assert bpy.ops.oor.add_object(seed=0) == {'FINISHED'}
    after = matrices()
    for name in ("Table", "Teacup", "Plate", "Vase"):
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)
    assert not np.allclose(after["Teaspoon"], before["Teaspoon"])


def test_change_context_beside_to_pouring_with_keyframes(addon):
    add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_cup("Teacup", location=(0.1, 0.0, 0.75))
    teapot = import_teapot()
    teapot.scale = (0.042, 0.042, 0.042)
    teapot.location = (0.35, 0.0, 0.75)  # standing beside the cup; axes detected
    bpy.context.view_layer.update()
    select(cup, teapot)
    bpy.context.scene.oor.prompt = "A teapot pouring tea into a teacup"
    start = bpy.context.scene.frame_current
    with window_context():
        assert bpy.ops.oor.change_context(animate=True, frames=12) == {'FINISHED'}
    up = np.array(teapot.matrix_world)[:3, 1]  # the OBJ file's +Y, detected as the teapot's up
    assert math.degrees(math.acos(up[2] / np.linalg.norm(up))) > 15.0
    keys = teapot.animation_data.action.fcurves.find("location", index=0).keyframe_points
    assert keys[0].co[0] == start and keys[-1].co[0] == start + 12
    assert bpy.context.scene.frame_current == start + 12


def test_an_edit_that_fails_leaves_the_scene_as_it_was(tea_table, monkeypatch, tmp_path):
    from oor_arrange import preferences
    from oor_arrange.bridge.model_service import SERVICE

    before = matrices()
    monkeypatch.setattr("oor_arrange.operators.refine_arrangement.get_preferences",
                        lambda context=None: preferences.Settings(
                            model_path=str(tmp_path / "gone.safetensors")))
    try:
        with window_context(), pytest.raises(RuntimeError, match="model file not found"):
            bpy.ops.oor.refine_arrangement()
    finally:
        SERVICE.reset()
    for name, matrix in before.items():
        np.testing.assert_array_equal(np.array(bpy.data.objects[name].matrix_world), matrix)
