"""Describe Scene: one description fills the relation list and, when asked, arranges it."""

from types import SimpleNamespace

import bpy
import numpy as np
import pytest

from scene_helpers import RecordingLayout, add_box, world_corners

DESK_TEXT = ("A desk with a monitor in the middle, the keyboard in front of it, a mouse to its "
             "right and a lamp on the left corner")


def window_context():
    return bpy.context.temp_override(window=bpy.context.window_manager.windows[0])


@pytest.fixture
def desk_scene(addon):
    desk = add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    add_box("Monitor", (0.55, 0.18, 0.4), location=(3, 0, 0), center=(0, 0, 0.2))
    add_box("Keyboard", (0.45, 0.15, 0.03), location=(4, 0, 0), center=(0, 0, 0.015))
    add_box("Mouse", (0.06, 0.11, 0.04), location=(5, 0, 0), center=(0, 0, 0.02))
    add_box("Desk Lamp", (0.18, 0.18, 0.45), location=(6, 0, 0), center=(0, 0, 0.225))
    add_box("Chair", (0.5, 0.5, 0.9), location=(-3, 0, 0), center=(0, 0, 0.45))
    bpy.context.scene.oor.describe_scope = 'VIEW_LAYER'
    return desk


def test_the_description_fills_one_row_per_clause_and_names_what_it_left_out(desk_scene):
    settings = bpy.context.scene.oor
    settings.description = DESK_TEXT
    with window_context():
        assert bpy.ops.oor.describe_scene() == {'FINISHED'}
    rows = [(r.base.name, r.target.name, r.prompt) for r in settings.relations]
    assert rows == [("Desk", "Monitor", "A monitor on the desk"),
                    ("Monitor", "Keyboard", "The keyboard in front of the monitor"),
                    ("Keyboard", "Mouse", "A mouse to the right of the keyboard"),
                    ("Desk", "Desk Lamp", "A lamp on the desk")]


def test_arrange_at_once_places_everything_on_the_desk_in_one_undo_step(desk_scene):
    settings = bpy.context.scene.oor
    settings.description, settings.describe_arrange = DESK_TEXT, True
    before = {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}
    with window_context():
        bpy.ops.ed.undo_push(message="before")
        assert bpy.ops.oor.describe_scene('EXEC_DEFAULT', True) == {'FINISHED'}
    top = world_corners(desk_scene)[:, 2].max()
    desk_box = world_corners(desk_scene)
    for name in ("Monitor", "Keyboard", "Mouse", "Desk Lamp"):
        corners = world_corners(bpy.data.objects[name])
        assert abs(corners[:, 2].min() - top) < 0.02, name  # resting on the desk
        centre = corners.mean(axis=0)
        assert desk_box[:, 0].min() - 0.05 < centre[0] < desk_box[:, 0].max() + 0.05, name
    np.testing.assert_array_equal(np.array(bpy.data.objects["Chair"].matrix_world),
                                  before["Chair"])  # not mentioned: left where it was
    with window_context():
        bpy.ops.ed.undo()
    for name, matrix in before.items():
        np.testing.assert_allclose(np.array(bpy.data.objects[name].matrix_world), matrix)
    assert len(bpy.context.scene.oor.relations) == 0  # the rows were part of the same step


def test_a_description_of_objects_not_in_the_scene_changes_nothing(desk_scene):
    settings = bpy.context.scene.oor
    row = settings.relations.add()
    row.base, row.target, row.prompt = desk_scene, bpy.data.objects["Chair"], "A chair at a desk"
    settings.description = "A vase on the shelf and a clock above the vase"
    with window_context(), pytest.raises(RuntimeError, match=r"names no two of these objects.*"
                                         r"not in the scene: vase, shelf, clock"):
        bpy.ops.oor.describe_scene()
    assert [(r.base.name, r.target.name) for r in settings.relations] == [("Desk", "Chair")]


def test_the_panel_offers_the_description_above_the_relation_list(desk_scene):
    from oor_arrange.panels.relation_list_panel import OOR_PT_relation_list

    log = []
    OOR_PT_relation_list.draw(SimpleNamespace(layout=RecordingLayout(log)), bpy.context)
    names = [entry[1] for entry in log]
    assert names.index("description") < names.index("oor.describe_scene") < \
        names.index("OOR_UL_relations") < names.index("oor.arrange_scene")
    assert "describe_scope" in names and "describe_arrange" in names
