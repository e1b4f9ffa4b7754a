"""The relation list: rows from the selection, reorder, and bad graphs refused by name."""

import bpy
import numpy as np
import pytest

from scene_helpers import add_box, select


def scene_state():
    return {o.name: np.array(o.matrix_world) for o in bpy.context.scene.objects}


def add_row(base, target, prompt):
    select(base, target)
    bpy.context.scene.oor.prompt = prompt
    assert bpy.ops.oor.add_relation_row() == {'FINISHED'}


@pytest.fixture
def desk_scene(addon):
    desk = add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    monitor = add_box("Monitor", (0.6, 0.2, 0.4), location=(3, 0, 0))
    keyboard = add_box("Keyboard", (0.45, 0.15, 0.03), location=(4, 0, 0))
    return desk, monitor, keyboard


def test_rows_from_selection_and_reorder(desk_scene):
    desk, monitor, keyboard = desk_scene
    add_row(desk, monitor, "A monitor on a desk")
    add_row(desk, keyboard, "A keyboard on a desk")
    rows = bpy.context.scene.oor.relations
    assert [(r.base.name, r.target.name, r.prompt) for r in rows] == [
        ("Desk", "Monitor", "A monitor on a desk"), ("Desk", "Keyboard", "A keyboard on a desk")]
    assert bpy.context.scene.oor.active_relation == 1
    assert bpy.ops.oor.move_relation_row(direction=-1) == {'FINISHED'}
    assert rows[0].target.name == "Keyboard"
    assert bpy.ops.oor.remove_relation_row() == {'FINISHED'}
    assert [r.target.name for r in rows] == ["Monitor"]


@pytest.mark.parametrize(("edges", "message"), [
    ([("Desk", "Monitor"), ("Monitor", "Keyboard"), ("Keyboard", "Monitor")],
     "cycle through: Keyboard, Monitor"),
])
def test_bad_graphs_are_refused_before_any_work(desk_scene, edges, message):
    objects = {o.name: o for o in desk_scene}
    for base, target in edges:
        add_row(objects[base], objects[target], f"A {target.lower()} on a {base.lower()}")
    before = scene_state()
    for operator in (bpy.ops.oor.arrange_scene, bpy.ops.oor.refine_arrangement):
        with pytest.raises(RuntimeError, match=message):
            operator()
    after = scene_state()
    for name, matrix in before.items():
        np.testing.assert_array_equal(after[name], matrix)


def test_objects_no_row_places_stay_where_they_are_and_the_report_says_so(desk_scene, capsys):
    """The monitor on the desk and in front of the keyboard, which no row places: the desk and
    the keyboard both stay (bit for bit), the monitor is arranged, the report names the kept
    one; Refine keeps them too."""
    desk, monitor, keyboard = desk_scene
    add_row(desk, monitor, "A monitor on the desk")
    add_row(keyboard, monitor, "A monitor behind the keyboard")
    before = scene_state()
    reports = []
    for operator in (bpy.ops.oor.arrange_scene, bpy.ops.oor.refine_arrangement):
        assert operator() == {'FINISHED'}
        after = scene_state()
        for kept in ("Desk", "Keyboard"):
            np.testing.assert_array_equal(after[kept], before[kept])
        reports.append(after)
    assert not np.allclose(reports[0]["Monitor"], before["Monitor"])
    assert "'Keyboard' and 'Desk' stay where they are" in capsys.readouterr().out


def test_missing_object_and_empty_prompt_are_named(desk_scene):
    desk, monitor, keyboard = desk_scene
    add_row(desk, monitor, "A monitor on a desk")
    add_row(desk, keyboard, "   ")
    with pytest.raises(RuntimeError, match=r"Relation 2 \('Desk' -> 'Keyboard'\).*Type a prompt"):
        bpy.ops.oor.arrange_scene()
    bpy.context.scene.oor.relations[1].prompt = "A keyboard on a desk"
    bpy.data.objects.remove(keyboard)
    with pytest.raises(RuntimeError, match="Relation 2 has no target object"):
        bpy.ops.oor.arrange_scene()


def test_disabled_rows_are_left_out(desk_scene):
    desk, monitor, _keyboard = desk_scene
    add_row(desk, monitor, "A monitor on a desk")
    bpy.context.scene.oor.relations[0].enabled = False
    with pytest.raises(RuntimeError, match="Add relations to the list"):
        bpy.ops.oor.arrange_scene()
