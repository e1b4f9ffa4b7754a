"""The six signed local axes by name, and the right-handed frame two of them make."""

from __future__ import annotations

import numpy as np

from ..geometry.axes import AXIS_VECTORS

AXES = tuple(AXIS_VECTORS)  # POS_X, NEG_X, POS_Y, NEG_Y, POS_Z, NEG_Z


def vector(axis: str) -> np.ndarray:
    return np.array(AXIS_VECTORS[axis])


def index_and_sign(axis: str) -> tuple[int, float]:
    v = vector(axis)
    index = int(np.argmax(np.abs(v)))
    return index, float(v[index])


def opposite(axis: str) -> str:
    return axis.replace("POS_", "TMP_").replace("NEG_", "POS_").replace("TMP_", "NEG_")


def perpendicular(axis: str) -> tuple[str, ...]:
    index, _ = index_and_sign(axis)
    return tuple(a for a in AXES if index_and_sign(a)[0] != index)


def axis_of(direction: np.ndarray) -> str:
    """The signed axis closest to a direction."""
    index = int(np.argmax(np.abs(direction)))
    return ("POS_" if direction[index] >= 0 else "NEG_") + "XYZ"[index]


def right_of(up: str, front: str) -> str:
    """Canonical x (right) = up x front, as in geometry.axes."""
    return axis_of(np.cross(vector(up), vector(front)))
