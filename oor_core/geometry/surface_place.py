"""A sample resting on its reference, moved to a place on the reference's top: the middle, or a
corner a little in from both edges (language/surface_places.py reads the place from a prompt).

Per base axis (x right, z front) a side is -1 or +1 (that edge), 0 (the middle) or EDGE (the
edge the sample is already nearer). The height and the turn stay as sampled; the target's
footprint (its box turned as sampled) is kept inside the top, `INSET` in from an edge, or as far
in as it fits. Samples that do not rest on the top are left where they are.
"""

from __future__ import annotations

import numpy as np

from .oor_vector import unpack_phi

EDGE = "edge"
INSET = 0.03  # in base units (the base's longest edge): 3.6 cm on a 1.2 m table
RESTING_TOLERANCE = 0.05  # a sample whose bottom is this close to the top (base units) rests


def _side_position(side, current: np.ndarray, room: np.ndarray) -> np.ndarray:
    if side == 0:
        return np.zeros_like(current)
    if side == EDGE:
        return np.where(current < 0, -1.0, 1.0) * room
    return float(side) * room


def place_on_top(phi, x_side, z_side, inset: float = INSET) -> np.ndarray:
    """phi (..., 15) with each sample that rests on its base's top moved to the place there;
    a sample elsewhere (beside the base, on the floor) is left as it is: moved sideways it
    would go into the base."""
    phi = np.array(phi, dtype=np.float64)
    oor = unpack_phi(phi)
    half_t = np.einsum("...ij,...j->...i", np.abs(oor.rotation), oor.target_scale / 2)
    half_b = oor.base_scale / 2
    bottom = oor.translation[..., 1] - half_t[..., 1]
    resting = bottom >= half_b[..., 1] - RESTING_TOLERANCE
    room = np.maximum(half_b - half_t - inset, 0.0)  # how far from the middle it may go
    for axis, side in ((0, x_side), (2, z_side)):
        placed = _side_position(side, phi[..., 6 + axis], room[..., axis])
        phi[..., 6 + axis] = np.where(resting, placed, phi[..., 6 + axis])
    return phi
