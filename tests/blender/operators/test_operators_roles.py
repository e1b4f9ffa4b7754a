"""Apply Relation reads which object the prompt places, and copes with object names as users
leave them."""

import bpy
import numpy as np
import pytest

from scene_helpers import add_box, select, world_corners

SUPPORT_TOLERANCE_M = 0.005


def window_context():
    return bpy.context.temp_override(window=bpy.context.window_manager.windows[0])


def resting_on(target, base) -> bool:
    low = world_corners(target).min(axis=0)
    high = world_corners(target).max(axis=0)
    base_corners = world_corners(base)
    return (abs(low[2] - base_corners[:, 2].max()) <= SUPPORT_TOLERANCE_M
            and (low[:2] >= base_corners[:, :2].min(axis=0) - 1e-3).all()
            and (high[:2] <= base_corners[:, :2].max(axis=0) + 1e-3).all())


@pytest.fixture
def cup_and_table(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), location=(0.5, -0.3, 0.0), rotation=(0, 0, 20),
                    center=(0, 0, 0.375))
    cup = add_box("Teacup", (0.08, 0.08, 0.09), location=(2.5, 1.0, 0.0), center=(0, 0, 0.045))
    return table, cup


def test_selected_the_other_way_round_the_prompt_still_moves_the_cup(cup_and_table, capsys):
    table, cup = cup_and_table
    select(cup, table)  # the cup active: the selection calls it the base
    bpy.context.scene.oor.prompt = "A teacup on a table"
    table_before = np.array(table.matrix_world)
    with window_context():
        assert bpy.ops.oor.apply_relation('EXEC_DEFAULT') == {'FINISHED'}
    np.testing.assert_array_equal(np.array(table.matrix_world), table_before)
    assert resting_on(cup, table)
    assert "swapped base and target" in capsys.readouterr().out


@pytest.mark.parametrize("cup_name, table_name", [
    ("SM_Mug_01", "Table.001"), ("mug_low.002", "SM_Table"), ("Cup (1)", "table_geo"),
    ("Mesh_23", "Mesh_7"),  # nothing readable: the prompt and the sizes decide
])
def test_names_as_users_leave_them_still_put_the_cup_on_the_table(cup_and_table, cup_name,
                                                                  table_name):
    table, cup = cup_and_table
    cup.name, table.name = cup_name, table_name
    select(table, cup)
    bpy.context.scene.oor.prompt = "A mug on the table"
    with window_context():
        assert bpy.ops.oor.apply_relation('EXEC_DEFAULT') == {'FINISHED'}
    assert resting_on(cup, table)
