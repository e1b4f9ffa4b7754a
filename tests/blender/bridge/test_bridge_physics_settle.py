"""Settle: Blender's rigid-body world drops resting targets into contact, in a scene of its own,
and keeps the result only when the relation still holds."""

import bpy
import numpy as np

from oor_arrange.bridge.meshes import WorldMesh, support_gap
from oor_arrange.bridge.physics_settle import settle_and_write
from scene_helpers import add_box


def table_and_cup(cup_location):
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=cup_location, center=(0, 0, 0.045))
    return table, cup


def gap(cup, table):
    depsgraph = bpy.context.evaluated_depsgraph_get()
    return support_gap(WorldMesh.from_object(cup, depsgraph),
                       WorldMesh.from_object(table, depsgraph))


def test_a_cup_hovering_over_the_table_is_dropped_into_contact(addon):
    table, cup = table_and_cup((0.1, 0.05, 0.765))  # 1.5 cm above the top
    scenes, objects = len(bpy.data.scenes), len(bpy.data.objects)
    frame = bpy.context.scene.frame_current
    note = settle_and_write([table], [cup], {"Cup": table})
    bpy.context.view_layer.update()
    assert note.startswith("settled by physics")
    assert 0.0 <= gap(cup, table) <= 0.002
    assert np.allclose(np.array(cup.matrix_world)[:2, 3], (0.1, 0.05), atol=0.01)
    assert (len(bpy.data.scenes), len(bpy.data.objects)) == (scenes, objects)  # cleaned up
    assert bpy.context.scene.frame_current == frame and bpy.context.scene.rigidbody_world is None


def test_a_cup_that_would_fall_off_the_edge_keeps_its_sampled_pose(addon):
    table, cup = table_and_cup((0.62, 0.0, 0.76))  # more than half beyond the edge
    before = np.array(cup.matrix_world)
    note = settle_and_write([table], [cup], {"Cup": table})
    assert "not kept" in note and "'Cup'" in note
    np.testing.assert_array_equal(np.array(cup.matrix_world), before)


def test_an_object_held_in_the_air_by_its_relation_is_not_dropped(addon):
    table, lamp = table_and_cup((0.0, 0.0, 1.4))  # a lamp hanging above the table
    before = np.array(lamp.matrix_world)
    assert settle_and_write([table], [lamp], {"Cup": table}).startswith("settle skipped")
    np.testing.assert_array_equal(np.array(lamp.matrix_world), before)
