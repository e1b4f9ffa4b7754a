"""Mesh-aware placement checks on real Blender objects: contact, collision, support, snapping."""

import math
import time

import bpy
import numpy as np
import pytest
from mathutils import Euler, Matrix

from oor_arrange.bridge.meshes import (
    WorldMesh,
    interpenetration,
    is_supported,
    rank_penalty,
    snap_to_contact,
    support_gap,
)
from oor_arrange.bridge.objects import BridgeError
from scene_helpers import add_box, add_cup, import_teapot

TABLE_TOP = 0.75


def add_table():
    return add_box("Table", (1.2, 0.8, TABLE_TOP), center=(0, 0, TABLE_TOP / 2))


def meshes(*objects):
    depsgraph = bpy.context.evaluated_depsgraph_get()
    return [WorldMesh.from_object(obj, depsgraph) for obj in objects]


def lifted(mesh, dz):
    return mesh.moved(np.array(Matrix.Translation((0, 0, dz))) @ mesh.matrix_world)


def test_cup_resting_on_a_table_touches_without_colliding(addon):
    table = add_table()
    cup, table = meshes(add_cup("Cup", location=(0.1, 0.05, TABLE_TOP)), table)
    contact = interpenetration(cup, table)
    assert not contact.colliding and not contact.contained
    assert contact.depth < 1e-6
    assert support_gap(cup, table) == pytest.approx(0.0, abs=1e-6)
    assert is_supported(cup, table)
    assert rank_penalty(cup, table) == 0.0


def test_cup_sunk_into_the_table_collides(addon):
    table = add_table()
    cup, table = meshes(add_cup("Cup", location=(0.1, 0.05, TABLE_TOP - 0.05)), table)
    contact = interpenetration(cup, table)
    assert contact.intersects and contact.colliding
    assert contact.depth == pytest.approx(0.05, abs=1e-4)
    assert interpenetration(table, cup).depth == pytest.approx(0.05, abs=1e-4)
    assert support_gap(cup, table) == pytest.approx(-0.05, abs=1e-6)
    assert not is_supported(cup, table)
    assert rank_penalty(cup, table) > 1.0


def test_mirrored_candidate_keeps_inside_and_outside(addon):
    table = add_table()
    cup, table = meshes(add_cup("Cup", location=(0.1, 0.05, TABLE_TOP)), table)
    mirrored = cup.moved(cup.matrix_world @ np.diag([-1.0, 1.0, 1.0, 1.0]))
    assert not interpenetration(mirrored, table).colliding
    contact = interpenetration(lifted(mirrored, -0.05), table)
    assert contact.colliding and contact.depth == pytest.approx(0.05, abs=1e-4)


def test_floating_cup_snaps_down_onto_the_table(addon):
    table_object = add_table()
    cup_object = add_cup("Cup", location=(0.1, 0.05, TABLE_TOP + 0.03))
    cup, table = meshes(cup_object, table_object)
    assert support_gap(cup, table) == pytest.approx(0.03, abs=1e-6)
    assert not interpenetration(cup, table).colliding
    assert not is_supported(cup, table)
    assert is_supported(cup, table, tolerance=0.05)
    offset = snap_to_contact(cup, table)
    assert offset == pytest.approx(-0.03, abs=1e-6)
    assert support_gap(lifted(cup, offset), table) == pytest.approx(0.0, abs=1e-6)
    cup_object.location.z += offset
    bpy.context.view_layer.update()
    snapped, _ = meshes(cup_object, table_object)
    assert support_gap(snapped, table) == pytest.approx(0.0, abs=1e-6)
    assert is_supported(snapped, table)


def test_rank_penalty_orders_touching_floating_and_colliding(addon):
    table = add_table()
    cup, table = meshes(add_cup("Cup", location=(0.1, 0.05, TABLE_TOP)), table)
    penalties = [rank_penalty(lifted(cup, dz), table) for dz in (0.0, 0.001, 0.01, -0.01, 0.5)]
    touching, within_tolerance, floating, sunk, far_above = penalties
    assert touching == within_tolerance == far_above == 0.0
    assert floating == pytest.approx(0.01, abs=1e-6)
    assert sunk > 1.0


def test_nothing_below_gives_none_and_a_clear_snap_error(addon):
    table = add_table()
    cup, table = meshes(add_cup("Cup", location=(3.0, 0.0, TABLE_TOP)), table)
    assert support_gap(cup, table) is None
    assert not is_supported(cup, table)
    with pytest.raises(ValueError, match="Nothing of 'Table' lies below 'Cup'"):
        snap_to_contact(cup, table)


def test_box_wholly_inside_another_is_contained(addon):
    big, small = meshes(add_box("Big", (1, 1, 1)), add_box("Small", (0.2, 0.2, 0.2),
                                                          location=(0.1, 0, 0)))
    for a, b in ((small, big), (big, small)):
        contact = interpenetration(a, b)
        assert contact.contained and not contact.intersects and contact.colliding
        assert contact.depth == pytest.approx(0.4, abs=1e-6)  # corner at x=0: 0.4 from y/z faces


def test_separate_and_side_by_side_boxes_are_clean(addon):
    left, right, beside = meshes(add_box("Left", (1, 1, 1)),
                                 add_box("Right", (1, 1, 1), location=(3, 0, 0)),
                                 add_box("Beside", (1, 1, 1), location=(1, 0.3, 0)))
    assert interpenetration(left, right) == interpenetration(right, left)
    assert not interpenetration(left, right).colliding
    assert interpenetration(left, right).depth == 0.0
    assert not interpenetration(left, beside).colliding  # face to face contact


def test_boxes_crossed_like_a_plus_sign_collide(addon):
    # No vertex of either lies inside the other: the depth comes from the crossing faces.
    along_x, along_y = meshes(add_box("AlongX", (2, 0.2, 0.2)), add_box("AlongY", (0.2, 2, 0.2)))
    contact = interpenetration(along_x, along_y)
    assert contact.intersects and contact.colliding and contact.depth > 0.05


def add_stool():
    """A collection instance: a seat and, through a nested instance, a leg."""
    legs = bpy.data.collections.new("Legs")
    leg = bpy.data.objects.new("Leg", add_box("Leg", (0.05, 0.05, 0.4), center=(0, 0, 0.2)).data)
    legs.objects.link(leg)
    parts = bpy.data.collections.new("Stool Parts")
    seat = bpy.data.objects.new("Seat", add_box("Seat", (0.4, 0.4, 0.05)).data)
    seat.location = (0, 0, 0.425)
    parts.objects.link(seat)
    nested = bpy.data.objects.new("Leg Instance", None)
    nested.instance_type = 'COLLECTION'
    nested.instance_collection = legs
    parts.objects.link(nested)
    for name in ("Leg", "Seat"):
        bpy.data.objects.remove(bpy.data.objects[name])
    stool = bpy.data.objects.new("Stool", None)
    stool.instance_type = 'COLLECTION'
    stool.instance_collection = parts
    stool.location = (1.0, 0.0, 0.0)
    bpy.context.scene.collection.objects.link(stool)
    bpy.context.view_layer.update()
    return stool


def test_collection_instance_with_a_nested_instance(addon):
    floor = add_box("Floor", (4, 4, 0.1), center=(0, 0, -0.05))
    stool_object = add_stool()
    cup_object = add_cup("Cup", location=(1.1, 0.0, 0.45))
    stool, floor, cup = meshes(stool_object, floor, cup_object)
    np.testing.assert_allclose(stool.bounds[0], [0.8, -0.2, 0.0], atol=1e-6)
    np.testing.assert_allclose(stool.bounds[1], [1.2, 0.2, 0.45], atol=1e-6)
    assert support_gap(stool, floor) == pytest.approx(0.0, abs=1e-6)  # the nested leg
    assert is_supported(cup, stool) and not interpenetration(cup, stool).colliding
    sunk = interpenetration(lifted(stool, -0.02), floor)
    assert sunk.colliding and sunk.depth == pytest.approx(0.02, abs=1e-4)


def test_solidify_modifier_gives_the_plane_thickness(addon):
    bpy.ops.mesh.primitive_plane_add(size=1.0, location=(0, 0, 1))
    plane = bpy.context.active_object
    solidify = plane.modifiers.new("Solidify", 'SOLIDIFY')
    solidify.thickness = 0.2  # offset -1: the slab spans z 0.8 .. 1.0
    below = add_box("Below", (0.2, 0.2, 0.2), location=(0, 0, 0.8))  # z 0.7 .. 0.9
    box, slab = meshes(below, plane)
    contact = interpenetration(box, slab)
    assert contact.colliding and contact.depth == pytest.approx(0.1, abs=1e-4)
    cup, slab = meshes(add_cup("Cup", location=(0.2, 0.1, 1.0)), plane)
    assert support_gap(cup, slab) == pytest.approx(0.0, abs=1e-6) and is_supported(cup, slab)
    solidify.show_viewport = False  # the bare plane at z = 1 is clear of the box
    box, bare = meshes(below, plane)
    assert not interpenetration(box, bare).colliding


def teapot_pose(teapot, tilt_degrees, tip_xyz):
    """Teapot tilted about y (spout down), translated so its lowest point is at `tip_xyz`."""
    tilt = np.array(Euler((0, math.radians(tilt_degrees), 0)).to_matrix().to_4x4())
    matrix = tilt @ np.array(teapot.matrix_world)
    lowest = min(WorldMesh.from_object(teapot, None, matrix).vertices, key=lambda v: v[2])
    matrix[:3, 3] += np.asarray(tip_xyz) - lowest
    return matrix


def test_teapot_tilted_over_a_cup_without_touching_is_clean(addon):
    cup_object = add_cup("Cup")
    teapot_object = import_teapot()
    teapot, cup = meshes(teapot_object, cup_object)
    pouring = teapot.moved(teapot_pose(teapot_object, 80, (0.01, 0.0, 0.08)))
    assert np.sum(pouring.vertices[:, 2] < 0.09) > 10  # the spout dips below the rim
    contact = interpenetration(pouring, cup)
    assert not contact.intersects and not contact.contained and not contact.colliding
    clearance = min(cup.bvh.find_nearest(v)[3] for v in pouring.vertices.tolist())
    assert clearance > 0.01
    gap = support_gap(pouring, cup)
    assert gap is not None and gap > 0.01
    touching = teapot.moved(teapot_pose(teapot_object, 40, (0.0, 0.0, 0.08)))
    assert interpenetration(touching, cup).colliding  # this spout goes through the rim


def test_candidate_matrices_do_not_move_the_object(addon):
    table_object = add_table()
    cup_object = add_cup("Cup", location=(0.1, 0.05, TABLE_TOP))
    before = np.array(cup_object.matrix_world)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    candidate = np.array(Matrix.Translation((0.2, 0.0, TABLE_TOP - 0.05)))
    sunk = WorldMesh.from_object(cup_object, depsgraph, matrix_world=candidate)
    np.testing.assert_allclose(np.array(cup_object.matrix_world), before)
    table = WorldMesh.from_object(table_object, depsgraph)
    assert interpenetration(sunk, table).colliding
    resting = WorldMesh.from_object(cup_object, depsgraph)
    np.testing.assert_allclose(resting.moved(candidate).vertices, sunk.vertices, atol=1e-12)
    assert not interpenetration(resting, table).colliding  # the original is unchanged
    np.testing.assert_allclose(np.array(cup_object.matrix_world), before)


@pytest.mark.parametrize("kind", ["text", "metaball", "surface"])
def test_other_geometry_types_have_surfaces(addon, kind):
    {"text": bpy.ops.object.text_add, "metaball": bpy.ops.object.metaball_add,
     "surface": bpy.ops.surface.primitive_nurbs_surface_sphere_add}[kind]()
    (mesh,) = meshes(bpy.context.active_object)
    assert len(mesh.triangles) > 0 and np.all(np.isfinite(mesh.vertices))


def test_wire_curve_without_faces_still_has_a_support_gap(addon):
    table = add_table()
    bpy.ops.curve.primitive_bezier_circle_add(radius=0.1, location=(0, 0, 1.0))
    circle, table = meshes(bpy.context.active_object, table)
    assert len(circle.triangles) == 0
    assert support_gap(circle, table) == pytest.approx(1.0 - TABLE_TOP, abs=1e-6)
    assert not interpenetration(circle, table).colliding


def test_objects_without_surfaces_are_refused_by_name(addon):
    lamp = bpy.data.objects.new("Desk Lamp", bpy.data.lights.new("Desk Lamp", 'POINT'))
    bpy.context.scene.collection.objects.link(lamp)
    with pytest.raises(BridgeError, match="'Desk Lamp'"):
        meshes(lamp)
    (box,) = meshes(add_box("Box", (1, 1, 1)))
    with pytest.raises(BridgeError, match=r"'Box'.*zero scale"):
        box.moved(np.diag([1.0, 0.0, 1.0, 1.0]))


def test_sixteen_teapot_candidates_are_fast(addon):
    cup_object = add_cup("Cup")
    teapot_object = import_teapot()
    teapot, cup = meshes(teapot_object, cup_object)
    pose = teapot_pose(teapot_object, 60, (0.0, 0.0, 0.08))
    candidates = [np.array(Matrix.Rotation(2 * math.pi * k / 16, 4, 'Z')) @ pose
                  for k in range(16)]
    start = time.thread_time()  # this thread's CPU: other processes on the machine don't count
    for matrix in candidates:
        moved = teapot.moved(matrix)
        interpenetration(moved, cup).colliding, is_supported(moved, cup), rank_penalty(moved, cup)
    assert time.thread_time() - start < 0.5  # ~25-50 ms measured; generous for CI machines
