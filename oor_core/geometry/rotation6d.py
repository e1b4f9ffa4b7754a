"""6-D rotation representation (Zhou et al. 2019): the first two *columns* of R.

pytorch3d's matrix_to_rotation_6d uses rows instead; mixing the two silently inverts rotations
(DESIGN.md section 6), so everything in this project goes through these two functions.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def matrix_to_r6(rotation: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 6) = [first column, second column]."""
    rotation = np.asarray(rotation, dtype=np.float64)
    return np.concatenate([rotation[..., :, 0], rotation[..., :, 1]], axis=-1)


def r6_to_matrix(r6: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3, 3) proper rotation by Gram-Schmidt of the two columns.

    Raises ValueError when the two vectors are (near) zero or parallel: no rotation is defined,
    and a silent NaN would end up in a user's scene.
    """
    r6 = np.asarray(r6, dtype=np.float64)
    a1, a2 = r6[..., 0:3], r6[..., 3:6]
    n1 = np.linalg.norm(a1, axis=-1, keepdims=True)
    if not np.all(np.isfinite(r6)) or np.any(n1 < _EPS):
        raise ValueError("6-D rotation has a zero or non-finite first column")
    b1 = a1 / n1
    a2_orth = a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1
    # a second pass ("twice is enough"): nearly parallel columns cancel to a remainder that one
    # projection leaves 1e-9 off orthogonal
    a2_orth = a2_orth - np.sum(b1 * a2_orth, axis=-1, keepdims=True) * b1
    n2 = np.linalg.norm(a2_orth, axis=-1, keepdims=True)
    if np.any(n2 < _EPS * np.maximum(1.0, np.linalg.norm(a2, axis=-1, keepdims=True))):
        raise ValueError("6-D rotation has parallel or zero columns")
    b2 = a2_orth / n2
    b3 = np.cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-1)
