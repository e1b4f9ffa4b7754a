"""Hypothesis strategies for random objects: rotations, mirrored and sheared transforms, boxes."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from oor_core.geometry.axes import AXIS_VECTORS

AXIS_PAIRS = [
    (up, front)
    for up, front in itertools.permutations(AXIS_VECTORS, 2)
    if abs(np.dot(AXIS_VECTORS[up], AXIS_VECTORS[front])) < 0.5
]

unit_floats = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)


@st.composite
def rotations(draw) -> np.ndarray:
    """Uniform-ish random rotation from a random non-degenerate quaternion."""
    q = np.array([draw(unit_floats) for _ in range(4)])
    if np.linalg.norm(q) < 0.1:
        q = np.array([1.0, 0.0, 0.0, 0.0])
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


@st.composite
def scales(draw, allow_negative=True) -> np.ndarray:
    magnitude = np.array([draw(st.floats(0.05, 20.0)) for _ in range(3)])
    if allow_negative:
        signs = np.array([draw(st.sampled_from([-1.0, 1.0])) for _ in range(3)])
        return magnitude * signs
    return magnitude


def trs(translation, rotation, scale) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, :3] = rotation @ np.diag(scale)
    matrix[:3, 3] = translation
    return matrix


@st.composite
def world_matrices(draw, with_parent=True) -> np.ndarray:
    """Object world matrix, optionally under a rotated, non-uniformly scaled parent (shear)."""
    translation = np.array([draw(st.floats(-50.0, 50.0)) for _ in range(3)])
    local = trs(translation, draw(rotations()), draw(scales()))
    if with_parent and draw(st.booleans()):
        parent_t = np.array([draw(st.floats(-50.0, 50.0)) for _ in range(3)])
        parent = trs(parent_t, draw(rotations()), draw(scales()))
        return parent @ local
    return local


@st.composite
def boxes(draw):
    """Local bounding box, its centre possibly far from the object's origin."""
    center = np.array([draw(st.floats(-30.0, 30.0)) for _ in range(3)])
    size = np.array([draw(st.floats(0.01, 10.0)) for _ in range(3)])
    return center - size / 2, center + size / 2


@st.composite
def objects(draw, with_parent=True):
    from oor_core.geometry.object_frame import ObjectGeometry

    lo, hi = draw(boxes())
    up, front = draw(st.sampled_from(AXIS_PAIRS))
    return ObjectGeometry(draw(world_matrices(with_parent)), lo, hi, up, front)
