"""The Blender bridge on real objects: read -> phi -> write round trips in world space."""

import math

import bpy
import numpy as np
import pytest
from mathutils import Euler, Matrix

from oor_arrange.bridge.objects import BridgeError, transform_warnings, write_world_matrix
from oor_arrange.bridge.scene_objects import read_object
from oor_arrange.oor_core.geometry.oor_vector import pack_phi, unpack_phi
from oor_arrange.oor_core.geometry.placement import ScalePolicy, extract_relation, place_target
from scene_helpers import add_box, import_teapot, select, world_corners

TOLERANCE_M = 1e-5


def round_trip(base, target):
    """Measure phi, scramble the target, put it back from phi; return (before, after) corners."""
    before = world_corners(target)
    phi = extract_relation(read_object(base).geometry, read_object(target).geometry)
    # Move it away rigidly in world space (a rotated child of a non-uniformly scaled parent would
    # change shape if its own rotation were edited).
    away = np.array(Matrix.Translation((3.1, -2.0, 5.0)) @ Euler((0.4, -1.2, 2.5)).to_matrix()
                    .to_4x4())
    write_world_matrix(target, away @ np.array(target.matrix_world))
    bpy.context.view_layer.update()
    assert np.max(np.abs(world_corners(target) - before)) > 0.1
    new_world = place_target(read_object(base).geometry, read_object(target).geometry, phi)
    write_world_matrix(target, new_world)
    return before, world_corners(target)


def assert_round_trip(base, target):
    before, after = round_trip(base, target)
    np.testing.assert_allclose(after, before, atol=TOLERANCE_M)


def test_plain_objects_round_trip(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), location=(1, 2, 0), rotation=(0, 0, 30),
                    center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=(1.1, 2.0, 0.75), rotation=(10, 5, 80),
                  center=(0, 0, 0.045))
    assert_round_trip(table, cup)


def test_parents_rotated_nonuniform_and_negative_scale(addon):
    grand = add_box("Grand", (1, 1, 1), location=(3, -1, 2), rotation=(20, 0, 45),
                    scale=(2.0, 0.5, 1.5))
    parent = add_box("Parent", (1, 1, 1), location=(0.5, 0.2, 0.1), rotation=(0, 30, 10),
                     scale=(-1.0, 1.0, 0.7), parent=grand)
    base = add_box("Base", (2, 1, 0.5), location=(-2, 0, 0), rotation=(0, 0, 15),
                   scale=(1, -2, 1))
    target = add_box("Target", (0.3, 0.2, 0.4), location=(0.1, 0.3, -0.2), rotation=(15, 25, 35),
                     scale=(1.0, -0.5, 2.0), center=(2.0, -1.0, 0.5), parent=parent)
    assert_round_trip(base, target)


def test_new_pose_under_sheared_parent_is_written_exactly(addon):
    parent = add_box("Parent", (1, 1, 1), rotation=(0, 0, 30), scale=(3.0, 0.5, 1.0))
    base = add_box("Base", (1, 1, 1))
    target = add_box("Target", (0.2, 0.3, 0.4), location=(0.2, 0.1, 0), rotation=(0, 0, 20),
                     parent=parent)
    base_geometry = read_object(base).geometry
    target_geometry = read_object(target).geometry
    phi = extract_relation(base_geometry, target_geometry)
    tilted = phi.copy()
    angle = math.radians(50)
    rotation = np.array([[1, 0, 0], [0, math.cos(angle), -math.sin(angle)],
                         [0, math.sin(angle), math.cos(angle)]])
    tilted[:9] = pack_phi(rotation, [0.3, 0.9, -0.1], phi[9:12], phi[12:])[:9]
    wanted = place_target(base_geometry, target_geometry, tilted)
    write_world_matrix(target, wanted)
    bpy.context.view_layer.update()
    reached = extract_relation(base_geometry, read_object(target).geometry)
    np.testing.assert_allclose(reached[6:9], [0.3, 0.9, -0.1], atol=1e-6)
    np.testing.assert_allclose(unpack_phi(reached).rotation, rotation, atol=1e-6)


def test_solidify_modifier_changes_the_bounds(addon):
    base = add_box("Floor", (2, 2, 0.1))
    bpy.ops.mesh.primitive_plane_add(size=1.0, location=(0, 0, 1))
    plane = bpy.context.active_object
    height_before = unpack_phi(extract_relation(read_object(base).geometry,
                                                read_object(plane).geometry)).target_scale[1]
    modifier = plane.modifiers.new("Solidify", 'SOLIDIFY')
    modifier.thickness = 0.2
    bpy.context.view_layer.update()
    height_after = unpack_phi(extract_relation(read_object(base).geometry,
                                               read_object(plane).geometry)).target_scale[1]
    assert height_before == 0.0  # a zero-thickness plane
    assert height_after == pytest.approx(0.2 / 2, rel=1e-6)  # 0.2 m in a 2 m base's units
    assert_round_trip(base, plane)


def test_collection_instance_uses_the_instanced_bounds(addon):
    collection = bpy.data.collections.new("Chair Set")
    for name, loc in (("Seat", (0, 0, 0.45)), ("Back", (0, 0.2, 0.9))):
        part = bpy.data.objects.new(name, add_box(name, (0.4, 0.05, 0.1)).data)
        part.location = loc
        collection.objects.link(part)
    for name in ("Seat", "Back"):
        bpy.data.objects.remove(bpy.data.objects[name])
    collection.instance_offset = (0, 0, 0.45)
    instance = bpy.data.objects.new("Chair", None)
    instance.instance_type = 'COLLECTION'
    instance.instance_collection = collection
    instance.location = (2, 0, 0.45)
    bpy.context.scene.collection.objects.link(instance)
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    bpy.context.view_layer.update()
    chair = read_object(instance)
    size = np.array(chair.geometry.bbox_max) - np.array(chair.geometry.bbox_min)
    np.testing.assert_allclose(size, [0.4, 0.25, 0.55], atol=1e-6)
    np.testing.assert_allclose(chair.geometry.bbox_min[2], 0.0 - 0.05, atol=1e-6)
    assert chair.category == "chair"
    assert_round_trip(table, instance)


def test_utah_teapot_from_the_obj_importer(addon):
    cup = add_box("Teacup", (0.09, 0.09, 0.07), location=(0.3, 0.1, 0.0), center=(0, 0, 0.035))
    teapot = import_teapot()
    teapot.location = (0.5, 0.2, 0.3)
    teapot.rotation_euler = (0, math.radians(-40), 0)
    bpy.context.view_layer.update()
    info = read_object(teapot)
    assert info.category == "teapot"
    oor = unpack_phi(extract_relation(read_object(cup).geometry, info.geometry))
    # Teapot (spout +X, Y-up file imported Z-up): 6.43 x 3.15 x 4.0 units, 0.05 scale.
    np.testing.assert_allclose(sorted(oor.target_scale * 0.09), sorted([0.3217, 0.2, 0.1575]),
                               atol=2e-4)
    assert_round_trip(cup, teapot)


def test_placing_a_cup_on_a_table_puts_it_on_the_top(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), location=(4, 1, 0), rotation=(0, 0, 90),
                    center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=(0, 0, 3), rotation=(45, 0, 0))
    cup.oor.up_axis = 'POS_Z'  # tilted 45 degrees, a near-cube says little about its up
    base, target = read_object(table).geometry, read_object(cup).geometry
    scales = extract_relation(base, target)[9:]
    # centred, resting on the top: t_y = half table height + half cup height (base units)
    phi = pack_phi(np.eye(3), [0.0, (0.375 + 0.045) / 1.2, 0.0], scales[:3], scales[3:])
    write_world_matrix(cup, place_target(base, target, phi, ScalePolicy.KEEP))
    corners = world_corners(cup)
    assert corners[:, 2].min() == pytest.approx(0.75, abs=1e-6)
    np.testing.assert_allclose(corners.mean(axis=0)[:2], [4, 1], atol=1e-6)


@pytest.mark.parametrize("kind", ["mesh_curve", "text", "metaball", "surface"])
def test_other_geometry_types_are_read(addon, kind):
    if kind == "mesh_curve":
        bpy.ops.curve.primitive_bezier_circle_add(radius=0.5)
    elif kind == "text":
        bpy.ops.object.text_add()
    elif kind == "metaball":
        bpy.ops.object.metaball_add()
    else:
        bpy.ops.surface.primitive_nurbs_surface_sphere_add()
    obj = bpy.context.active_object
    info = read_object(obj)
    assert np.all(np.isfinite(info.geometry.bbox_max - info.geometry.bbox_min))
    assert np.max(info.geometry.bbox_max - info.geometry.bbox_min) > 0


@pytest.mark.parametrize(("maker", "message"), [
    (lambda: bpy.data.objects.new("Lamp", bpy.data.lights.new("Lamp", 'POINT')), "light"),
    (lambda: bpy.data.objects.new("Cam", bpy.data.cameras.new("Cam")), "camera"),
    (lambda: bpy.data.objects.new("Marker", None), "empty with no geometry"),
])
def test_objects_without_geometry_are_refused_by_name(addon, maker, message):
    obj = maker()
    bpy.context.scene.collection.objects.link(obj)
    with pytest.raises(BridgeError, match=f"'{obj.name}'.*{message}"):
        read_object(obj)


def test_zero_size_object_is_refused(addon):
    mesh = bpy.data.meshes.new("Dot")
    mesh.from_pydata([(0, 0, 0)] * 3, [], [(0, 1, 2)])
    obj = bpy.data.objects.new("Dot", mesh)
    bpy.context.scene.collection.objects.link(obj)
    with pytest.raises(BridgeError, match=r"'Dot'.*zero size"):
        read_object(obj)


def test_category_from_name_and_override(addon):
    cup = add_box("Coffee_Cup.001", (0.1, 0.1, 0.1))
    assert read_object(cup).category == "coffee cup"
    cup.oor.category = "espresso cup"
    assert read_object(cup).category == "espresso cup"


def test_constraints_and_drivers_are_warned_about(addon):
    target = add_box("Target", (1, 1, 1))
    assert transform_warnings(target) == []
    target.constraints.new('COPY_LOCATION')
    driver = target.driver_add("location", 2)
    driver.driver.expression = "1.0"
    warnings = transform_warnings(target)
    assert any("constraints" in w and "Target" in w for w in warnings)
    assert any("drivers on location" in w for w in warnings)


def test_non_finite_matrix_is_never_written(addon):
    target = add_box("Target", (1, 1, 1), location=(1, 2, 3))
    before = np.array(target.matrix_world)
    with pytest.raises(BridgeError, match="non-finite"):
        write_world_matrix(target, np.full((4, 4), np.nan))
    np.testing.assert_array_equal(np.array(target.matrix_world), before)


def test_custom_axes_change_the_frame(addon):
    teapot = import_teapot()
    cup = add_box("Cup", (0.1, 0.1, 0.1))
    teapot.oor.up_axis = 'POS_Z'
    teapot.oor.front_axis = 'POS_X'  # spout side
    select(cup, teapot)
    assert read_object(teapot).geometry.front == 'POS_X'
    assert_round_trip(cup, teapot)
