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
    assert rows == [("Desk", "Monitor", "A monitor in the middle of the desk"),
                    ("Monitor", "Keyboard", "The keyboard in front of the monitor"),
                    ("Keyboard", "Mouse", "A mouse to the right of the keyboard"),
                    ("Desk", "Desk Lamp", "A lamp on the left corner of the desk")]


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
    middle = desk_box.mean(axis=0)
    monitor = world_corners(bpy.data.objects["Monitor"]).mean(axis=0)
    assert np.linalg.norm(monitor[:2] - middle[:2]) < 0.01  # "in the middle"
    lamp = world_corners(bpy.data.objects["Desk Lamp"])
    assert lamp[:, 0].min() - desk_box[:, 0].min() == pytest.approx(0.03 * 1.4, abs=0.01)
    assert min(lamp[:, 1].min() - desk_box[:, 1].min(),  # "the left corner": in from the
               desk_box[:, 1].max() - lamp[:, 1].max()) < 0.06  # left edge and the front or back
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


def test_suggest_relations_fills_typical_rows_for_the_selection_without_text(desk_scene):
    from scene_helpers import select

    objects = bpy.data.objects
    select(objects["Desk"], objects["Monitor"], objects["Keyboard"], objects["Desk Lamp"])
    with window_context():
        assert bpy.ops.oor.suggest_relations() == {'FINISHED'}
    rows = {(r.base.name, r.target.name, r.prompt) for r in bpy.context.scene.oor.relations}
    assert rows == {("Desk", "Monitor", "A monitor on the desk"),
                    ("Desk", "Keyboard", "A keyboard on the desk"),
                    ("Desk", "Desk Lamp", "A desk lamp on the desk")}
    with window_context():
        assert bpy.ops.oor.arrange_scene(seed=0) == {'FINISHED'}
    top = world_corners(desk_scene)[:, 2].max()
    for name in ("Monitor", "Keyboard", "Desk Lamp"):
        assert abs(world_corners(objects[name])[:, 2].min() - top) < 0.02, name


def test_chairs_around_a_table_are_set_as_a_set_with_a_plate_before_each(addon):
    table = add_box("Dining Table", (1.8, 0.9, 0.75), center=(0, 0, 0.375))
    for i in range(4):
        add_box(f"Chair.{i:03d}", (0.45, 0.5, 0.9), location=(3 + i, 0, 0),
                center=(0, 0, 0.45))
        add_box(f"Plate.{i:03d}", (0.26, 0.26, 0.02), location=(3 + i, 3, 0),
                center=(0, 0, 0.01))
    settings = bpy.context.scene.oor
    settings.description = "A dining table with four chairs around it and a plate in front " \
                           "of each chair"
    settings.describe_scope, settings.describe_arrange = 'VIEW_LAYER', True
    with window_context():
        assert bpy.ops.oor.describe_scene() == {'FINISHED'}
    low, high = world_corners(table).min(axis=0), world_corners(table).max(axis=0)
    sides, gaps = [], []
    for i in range(4):
        chair = world_corners(bpy.data.objects[f"Chair.{i:03d}"])
        centre = chair.mean(axis=0)
        assert low[0] <= chair[:, 0].min() and chair[:, 0].max() <= high[0]  # not at a corner
        front = centre[1] < low[1]
        sides.append(front)
        gaps.append(low[1] - chair[:, 1].max() if front else chair[:, 1].min() - high[1])
        plate = world_corners(bpy.data.objects[f"Plate.{i:03d}"])
        assert abs(plate[:, 2].min() - high[2]) < 0.01  # on the table
        assert abs(plate.mean(axis=0)[0] - centre[0]) < 0.02  # square to its chair
        assert (plate.mean(axis=0)[1] < 0) == front  # on the chair's side of the table
    assert sorted(sides) == [False, False, True, True]  # 2 + 2 on the long sides
    assert max(gaps) - min(gaps) < 0.03


def test_arrange_at_once_that_cannot_arrange_keeps_the_rows_and_says_why(desk_scene):
    settings = bpy.context.scene.oor
    # the monitor on the desk and the desk in front of the monitor: a cycle, no graph to
    # arrange; the rows are filled for the user to fix
    settings.description = "The monitor is on the desk. The desk is in front of the monitor."
    settings.describe_arrange = True
    before = {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}
    with window_context():
        assert bpy.ops.oor.describe_scene() == {'FINISHED'}
    assert len(settings.relations) == 2
    for name, matrix in before.items():
        np.testing.assert_array_equal(np.array(bpy.data.objects[name].matrix_world), matrix)


def test_books_on_a_desk_are_set_in_a_row(addon):
    desk = add_box("Desk", (1.2, 0.6, 0.75), center=(0, 0, 0.375))
    for i in range(3):
        add_box(f"Book.{i:03d}", (0.17, 0.23, 0.03), location=(3 + i, 0, 0),
                center=(0, 0, 0.015))
    settings = bpy.context.scene.oor
    settings.describe_scope, settings.describe_arrange = 'VIEW_LAYER', True
    settings.description = "Three books on the desk"
    with window_context():
        assert bpy.ops.oor.describe_scene() == {'FINISHED'}
    top = world_corners(desk)[:, 2].max()
    books = [world_corners(bpy.data.objects[f"Book.{i:03d}"]) for i in range(3)]
    for corners in books:
        assert abs(corners[:, 2].min() - top) < 0.005  # resting on the desk
    centres = np.array(sorted(c.mean(axis=0)[0] for c in books))
    np.testing.assert_allclose(np.diff(centres), 0.4, atol=0.005)  # a row along its length
    depths = [c.mean(axis=0)[1] for c in books]
    assert max(depths) - min(depths) < 0.005  # one row
    yaws = [float(np.degrees(bpy.data.objects[f"Book.{i:03d}"].matrix_world.to_euler()[2]))
            for i in range(3)]
    assert max(yaws) - min(yaws) < 0.1  # all turned alike
    assert min(yaws[0] % 90, 90 - yaws[0] % 90) < 0.1  # squared to the desk's edges


def test_groups_that_share_no_object_are_arranged_each_around_its_root(addon):
    desk = add_box("Desk", (1.2, 0.6, 0.75), center=(0, 0, 0.375))
    side = add_box("Side Table", (0.5, 0.5, 0.55), location=(3, 0, 0), center=(0, 0, 0.275))
    add_box("Lamp", (0.15, 0.15, 0.4), location=(6, 0, 0), center=(0, 0, 0.2))
    add_box("Vase", (0.12, 0.12, 0.3), location=(7, 0, 0), center=(0, 0, 0.15))
    roots = {name: np.array(bpy.data.objects[name].matrix_world) for name in ("Desk",
                                                                               "Side Table")}
    settings = bpy.context.scene.oor
    settings.describe_scope, settings.describe_arrange = 'VIEW_LAYER', True
    settings.description = "A lamp on the desk and a vase on the side table"
    with window_context():
        assert bpy.ops.oor.describe_scene() == {'FINISHED'}
    for base, target in ((desk, "Lamp"), (side, "Vase")):
        placed = world_corners(bpy.data.objects[target])
        below = world_corners(base)
        assert abs(placed[:, 2].min() - below[:, 2].max()) < 0.005, target  # resting on it
        centre = placed.mean(axis=0)
        assert below[:, 0].min() < centre[0] < below[:, 0].max(), target
    for name, matrix in roots.items():  # each group's root stays where it was
        np.testing.assert_array_equal(np.array(bpy.data.objects[name].matrix_world), matrix)
