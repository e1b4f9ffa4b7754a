"""object -> phi -> object round trips, conventions and degenerate inputs (DESIGN.md section 2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry_strategies import objects, rotations, trs
from oor_core.geometry.axes import AxisError, local_to_canonical_rotation
from oor_core.geometry.box_pose import GeometryError
from oor_core.geometry.object_frame import ObjectGeometry, object_frame, world_matrix_for_pose
from oor_core.geometry.oor_vector import unpack_phi
from oor_core.geometry.placement import (
    ScalePolicy,
    aspect_preserving_size,
    extract_relation,
    place_target,
    target_pose,
)


def corners(geometry: ObjectGeometry, world=None) -> np.ndarray:
    """World positions of the 8 local bounding-box corners."""
    world = geometry.world_matrix if world is None else world
    lo, hi = geometry.bbox_min, geometry.bbox_max
    local = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                      for z in (lo[2], hi[2])])
    return local @ world[:3, :3].T + world[:3, 3]


def assert_relative_close(actual, expected, rel=1e-6):
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rel * scale)


def test_blender_default_axes_map_to_oor_axes():
    # OOR (x, y, z) = Blender local (X, Z, -Y)
    c = local_to_canonical_rotation()
    np.testing.assert_array_equal(c @ [1, 0, 0], [1, 0, 0])
    np.testing.assert_array_equal(c @ [0, 0, 1], [0, 1, 0])
    np.testing.assert_array_equal(c @ [0, -1, 0], [0, 0, 1])


def test_parallel_axes_are_refused():
    with pytest.raises(AxisError, match="perpendicular"):
        local_to_canonical_rotation("POS_Z", "NEG_Z")


def test_table_and_cup_relation_in_base_units():
    table = ObjectGeometry(np.eye(4), np.array([-0.6, -0.4, 0.0]), np.array([0.6, 0.4, 0.75]))
    cup_world = trs([0.1, 0.0, 0.75], np.eye(3), [1, 1, 1])
    cup = ObjectGeometry(cup_world, np.array([-0.04, -0.04, 0.0]), np.array([0.04, 0.04, 0.09]))
    oor = unpack_phi(extract_relation(table, cup))
    np.testing.assert_allclose(oor.base_scale, [1.0, 0.75 / 1.2, 0.8 / 1.2])
    np.testing.assert_allclose(oor.target_scale, [0.08 / 1.2, 0.09 / 1.2, 0.08 / 1.2])
    # cup centre 0.045 m above the top, table centre at 0.375 m; front (OOR z) is Blender -Y
    np.testing.assert_allclose(oor.translation, [0.1 / 1.2, (0.795 - 0.375) / 1.2, 0.0])
    np.testing.assert_allclose(oor.rotation, np.eye(3), atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(objects(), objects())
def test_object_phi_object_round_trip(base, target):
    phi = extract_relation(base, target)
    placed = place_target(base, target, phi)
    assert_relative_close(placed, target.world_matrix)
    assert_relative_close(corners(target, placed), corners(target))


@settings(max_examples=100, deadline=None)
@given(objects(), objects(), rotations(), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_placed_target_has_the_requested_relation(base, target, rotation, translation):
    phi = extract_relation(base, target).copy()
    phi[:6] = np.concatenate([rotation[:, 0], rotation[:, 1]])
    phi[6:9] = translation
    placed = ObjectGeometry(place_target(base, target, phi), target.bbox_min, target.bbox_max,
                            target.up, target.front)
    assert_relative_close(extract_relation(base, placed), phi)
    # Keeping the real size keeps the object's shape: mirror and shear stay with it.
    assert object_frame(placed).mirrored == object_frame(target).mirrored
    np.testing.assert_allclose(object_frame(placed).intrinsic, object_frame(target).intrinsic,
                               atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(objects(), objects(), st.lists(st.floats(0.05, 3.0), min_size=3, max_size=3))
def test_scale_policies(base, target, sampled_size):
    phi = extract_relation(base, target).copy()
    phi[9:12] = sampled_size
    base_unit = object_frame(base).pose.longest_edge
    current = object_frame(target).pose.size
    keep = target_pose(base, target, phi, ScalePolicy.KEEP)
    assert_relative_close(keep.size, current)
    aniso = target_pose(base, target, phi, ScalePolicy.ANISOTROPIC)
    assert_relative_close(aniso.size, base_unit * np.array(sampled_size))
    aspect = target_pose(base, target, phi, ScalePolicy.ASPECT)
    ratio = aspect.size / current
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)  # proportions kept
    placed = place_target(base, target, phi, ScalePolicy.ASPECT)
    placed_size = object_frame(ObjectGeometry(placed, target.bbox_min, target.bbox_max,
                                              target.up, target.front)).pose.size
    assert_relative_close(placed_size, aspect.size)


def test_eq16_aspect_preserving_size():
    current = np.array([2.0, 1.0, 1.0])
    sampled = np.array([1.0, 0.75, 0.25])
    # BBOX = (1, .5, .5); mean(s / BBOX) = mean(1, 1.5, .5) = 1
    np.testing.assert_allclose(aspect_preserving_size(sampled, current), [1.0, 0.5, 0.5])


def flat_plane(world=None):
    return ObjectGeometry(np.eye(4) if world is None else world,
                          np.array([-1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0]))


def test_zero_thickness_plane_has_zero_height_and_round_trips():
    base = ObjectGeometry(np.eye(4), -np.ones(3), np.ones(3))
    plane = flat_plane(trs([0.3, 0.2, 2.0], np.eye(3), [1.0, 2.0, 3.0]))
    phi = extract_relation(base, plane)
    oor = unpack_phi(phi)
    assert np.all(np.isfinite(phi))
    assert oor.target_scale[1] == 0.0  # up (OOR y) is the flat axis
    np.testing.assert_allclose(place_target(base, plane, phi), plane.world_matrix, atol=1e-12)
    bigger = phi.copy()
    bigger[9:12] = [2.0, 0.5, 2.0]
    placed = place_target(base, plane, bigger, ScalePolicy.ANISOTROPIC)
    assert np.all(np.isfinite(placed))


@pytest.mark.parametrize("size", [1e-6, 1e4])
def test_tiny_and_huge_objects(size):
    base = ObjectGeometry(trs([size, 0, 0], np.eye(3), [1, 1, 1]), -np.full(3, size / 2),
                          np.full(3, size / 2))
    target = ObjectGeometry(trs([0, size, 3 * size], np.eye(3), [1, 2, 1]),
                            -np.full(3, size / 4), np.full(3, size / 4))
    phi = extract_relation(base, target)
    assert np.all(np.isfinite(phi))
    assert_relative_close(place_target(base, target, phi) / size, target.world_matrix / size)


def test_identical_base_and_target():
    obj = ObjectGeometry(trs([1, 2, 3], np.eye(3), [1, 2, 3]), -np.ones(3), np.ones(3))
    oor = unpack_phi(extract_relation(obj, obj))
    np.testing.assert_allclose(oor.rotation, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(oor.translation, 0.0, atol=1e-12)
    np.testing.assert_allclose(oor.target_scale, oor.base_scale)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (ObjectGeometry(np.eye(4), np.zeros(3), np.zeros(3)), "zero size"),
        (ObjectGeometry(trs([0, 0, 0], np.eye(3), [1, 0, 1]), -np.ones(3), np.ones(3)),
         "zero scale"),
        (ObjectGeometry(np.full((4, 4), np.nan), -np.ones(3), np.ones(3)), "NaN"),
        (ObjectGeometry(np.eye(4), np.ones(3), -np.ones(3)), "below its minimum"),
    ],
)
def test_degenerate_objects_raise_clear_errors(geometry, message):
    with pytest.raises(GeometryError, match=message):
        object_frame(geometry)


def test_placement_with_negative_target_scale_is_refused():
    base = ObjectGeometry(np.eye(4), -np.ones(3), np.ones(3))
    phi = extract_relation(base, base).copy()
    phi[9] = -0.5
    with pytest.raises(GeometryError, match="negative"):
        place_target(base, base, phi, ScalePolicy.ANISOTROPIC)


def test_world_matrix_for_own_pose_is_identity_operation():
    geometry = ObjectGeometry(trs([1, 2, 3], np.eye(3), [-1, 2, 0.5]), np.array([0, 0, 0]),
                              np.array([1, 2, 3]), "POS_Y", "POS_X")
    frame = object_frame(geometry)
    np.testing.assert_allclose(world_matrix_for_pose(frame, frame.pose), geometry.world_matrix,
                               atol=1e-12)
