"""Object axis conventions: which local axis is up and which is front.

OOR canonical axes are x right, y up, z front (paper Sec. 3.1). Blender objects default to
+Z up and -Y front, so OOR (x, y, z) = Blender local (X, Z, -Y); imported assets often differ,
hence a per-object override.
"""

from __future__ import annotations

import numpy as np

AXIS_VECTORS = {
    "POS_X": (1.0, 0.0, 0.0),
    "NEG_X": (-1.0, 0.0, 0.0),
    "POS_Y": (0.0, 1.0, 0.0),
    "NEG_Y": (0.0, -1.0, 0.0),
    "POS_Z": (0.0, 0.0, 1.0),
    "NEG_Z": (0.0, 0.0, -1.0),
}
AXIS_LABELS = {
    "POS_X": "+X", "NEG_X": "-X", "POS_Y": "+Y", "NEG_Y": "-Y", "POS_Z": "+Z", "NEG_Z": "-Z",
}
DEFAULT_UP = "POS_Z"
DEFAULT_FRONT = "NEG_Y"


class AxisError(ValueError):
    """The up/front axis pair does not define a frame."""


def local_to_canonical_rotation(up: str = DEFAULT_UP, front: str = DEFAULT_FRONT) -> np.ndarray:
    """3x3 proper rotation C with canonical = C @ local (rows: right, up, front in local axes)."""
    try:
        up_vec = np.array(AXIS_VECTORS[up])
        front_vec = np.array(AXIS_VECTORS[front])
    except KeyError as missing:
        raise AxisError(f"unknown axis {missing}; use one of {sorted(AXIS_VECTORS)}") from None
    if abs(float(up_vec @ front_vec)) > 0.5:
        raise AxisError(
            f"up axis {AXIS_LABELS[up]} and front axis {AXIS_LABELS[front]} must be perpendicular"
        )
    right_vec = np.cross(up_vec, front_vec)  # x = y cross z keeps the frame right-handed
    return np.stack([right_vec, up_vec, front_vec])
