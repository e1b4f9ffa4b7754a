"""Euler angles fitted in float64 reproduce the rotation, also at and near gimbal lock."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from oor_core.geometry.euler_fit import euler_matrix, fit_euler

ORDERS = ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"]
angle = st.floats(-math.pi, math.pi, allow_nan=False)
near_lock = st.sampled_from([math.pi / 2, -math.pi / 2]).flatmap(
    lambda lock: st.floats(-1e-3, 1e-3).map(lambda d: lock + d))


@given(a=angle, b=angle | near_lock, c=angle, order=st.sampled_from(ORDERS),
       start=st.tuples(angle, angle, angle))
def test_the_fit_reproduces_the_rotation_from_anywhere_nearby(a, b, c, order, start):
    middle = "XYZ".index(order[1])  # the angle whose +-90 degrees locks the other two
    angles = [a, c, a]
    angles[middle] = b
    rotation = euler_matrix(angles, order)
    start = np.array(angles) + 0.05 * np.array(start) / math.pi
    fitted = fit_euler(rotation, order, start)
    assert np.abs(euler_matrix(fitted, order) - rotation).max() < 1e-9
    assert np.abs(euler_matrix(fitted.astype(np.float32), order) - rotation).max() < 1e-6


def test_the_forward_map_is_a_rotation_about_each_axis_in_order():
    quarter = math.pi / 2
    x_then_z = euler_matrix([quarter, 0.0, quarter], "XYZ")  # X first, then Z
    np.testing.assert_allclose(x_then_z @ [0, 1, 0], [0, 0, 1], atol=1e-12)  # y -> z (X)
    np.testing.assert_allclose(x_then_z @ [1, 0, 0], [0, 1, 0], atol=1e-12)  # x -> y (Z)
    assert np.isclose(np.linalg.det(euler_matrix([0.3, -1.2, 2.0], "ZXY")), 1.0)
