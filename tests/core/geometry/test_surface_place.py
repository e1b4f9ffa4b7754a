"""A resting sample moved to a place on its base's top keeps its height and its turn."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oor_core.geometry.oor_vector import pack_phi, unpack_phi
from oor_core.geometry.surface_place import EDGE, INSET, place_on_top
from oor_core.relations.frames import rot_y

sides = st.sampled_from([-1, 0, 1, EDGE])


@given(yaw=st.floats(0, 6.28), x=st.floats(-0.5, 0.5), z=st.floats(-0.3, 0.3),
       depth=st.floats(0.3, 1.0), target=st.floats(0.02, 0.2), x_side=sides, z_side=sides)
def test_the_footprint_moves_inside_the_top(yaw, x, z, depth, target, x_side, z_side):
    rotation = rot_y(np.array([yaw]))[0]
    s_b = np.array([1.0, 0.6, depth])
    s_t = np.array([target, 0.1, target / 2])
    phi = pack_phi(rotation, [x, 0.35, z], s_t, s_b)
    moved = unpack_phi(place_on_top(phi, x_side, z_side))
    np.testing.assert_allclose(moved.rotation, rotation, atol=1e-12)
    assert moved.translation[1] == pytest.approx(0.35)  # the sampled height
    half_t = np.abs(moved.rotation) @ (s_t / 2)
    room = np.maximum(s_b / 2 - half_t - INSET, 0)
    for axis, side, before in ((0, x_side, x), (2, z_side, z)):
        at = moved.translation[axis]
        assert abs(at) <= room[axis] + 1e-12  # inside the top, INSET in from the edge
        if side == 0:
            assert at == 0
        elif side == EDGE:
            assert at == pytest.approx(room[axis] if before >= 0 else -room[axis], abs=1e-12)
        else:
            assert at == pytest.approx(side * room[axis], abs=1e-12)


def test_a_sample_beside_the_base_is_left_where_it_is():
    beside = pack_phi(np.eye(3), [0.7, 0.0, 0.1], [0.1, 0.2, 0.1], [1.0, 0.6, 0.5])
    np.testing.assert_array_equal(place_on_top(beside, 0, 0), beside)
