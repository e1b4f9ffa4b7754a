"""The 15-D OOR vector phi = [r6 (6), t (3), s_T->B (3), s_B (3)] (DESIGN.md section 2).

phi maps a point x_hat of the target's scale-normalised space (unit cube) into the base's
instance canonical space (origin at the base's box centre, unit = the base's longest edge):
    x = R (s_T->B * x_hat) + t,    s_B = BBOX(base) (largest component 1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .rotation6d import matrix_to_r6, r6_to_matrix

PHI_DIM = 15
R6 = slice(0, 6)
TRANSLATION = slice(6, 9)
TARGET_SCALE = slice(9, 12)
BASE_SCALE = slice(12, 15)
POSE = slice(0, 9)
SCALES = slice(9, 15)


class OOR(NamedTuple):
    """Unpacked OOR sample; every field may carry leading batch dimensions."""

    rotation: np.ndarray  # (..., 3, 3)
    translation: np.ndarray  # (..., 3)
    target_scale: np.ndarray  # (..., 3) s_T->B
    base_scale: np.ndarray  # (..., 3) s_B


def pack_phi(rotation, translation, target_scale, base_scale) -> np.ndarray:
    """Build (..., 15) phi vectors from their parts."""
    translation = np.asarray(translation, dtype=np.float64)
    return np.concatenate(
        [
            matrix_to_r6(rotation),
            translation,
            np.broadcast_to(np.asarray(target_scale, dtype=np.float64), translation.shape),
            np.broadcast_to(np.asarray(base_scale, dtype=np.float64), translation.shape),
        ],
        axis=-1,
    )


def unpack_phi(phi) -> OOR:
    """Split (..., 15) phi vectors; the rotation is re-orthonormalised by Gram-Schmidt."""
    phi = np.asarray(phi, dtype=np.float64)
    if phi.shape[-1] != PHI_DIM:
        raise ValueError(f"OOR vector must have {PHI_DIM} components, got shape {phi.shape}")
    return OOR(
        r6_to_matrix(phi[..., R6]),
        phi[..., TRANSLATION],
        phi[..., TARGET_SCALE],
        phi[..., BASE_SCALE],
    )


def target_points_in_base(phi, unit_points) -> np.ndarray:
    """Eq. 2: map (M, 3) points of the target's unit cube into the base's canonical space."""
    oor = unpack_phi(phi)
    scaled = np.asarray(unit_points, dtype=np.float64) * oor.target_scale[..., None, :]
    return np.einsum("...ij,...mj->...mi", oor.rotation, scaled) + oor.translation[..., None, :]
