"""What every relation family shares: the Family record, tolerances, and small pose/test helpers.

A family is a pair of vectorised functions over the base frame (base units, 1 = base's longest
edge):
    pose(rng, s_b, s_t, base_len_m, base, target) -> (R (n,3,3), t (n,3), ok (n,) bool)
        draws poses for given scales; ok=False rows are rejected by the sampler (rejection
        sampling keeps every family's geometry simple);
    accept(phi, base, target) -> (n,) bool
        the plausibility predicate; it reads only phi (scales included) and category parts,
        so it also judges model outputs at user-given (known) scales.
    mode(phi, base, target) -> (n,) int
        the discrete mode a sample belongs to (e.g. azimuth bin), for coverage metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .categories import Category
from .frames import aabb_half, azimuth_of, parts, rot_y

DEG = np.pi / 180.0
TOL = 0.012  # general placement tolerance in base units (1.2 cm on a 1 m base)


@dataclass(frozen=True)
class Family:
    name: str
    group: str  # support | adjacency | orientation | containment | below | vertical | functional
    pose: Callable
    accept: Callable
    mode: Callable
    contact_free: bool  # True: the target box must not interpenetrate the base's solid box
    summary: str


def contact_tol(s_t) -> np.ndarray:
    """Tolerance for 'touching': TOL, tightened for thin targets so a coin cannot float."""
    return np.minimum(TOL, 0.25 * np.min(s_t, axis=-1) + 0.003)


def sample_yaw(rng: np.random.Generator, n: int, rule: str) -> np.ndarray:
    """Resting yaw of a target: any | front (faces the viewer) | axis (multiples of 90 deg)."""
    if rule == "any":
        return rng.uniform(0.0, 2 * np.pi, n)
    if rule == "axis":
        return rng.integers(0, 4, n) * (np.pi / 2) + rng.normal(0.0, 3 * DEG, n)
    return rng.normal(0.0, 8 * DEG, n)


def uniform_between(rng, lo, hi) -> np.ndarray:
    return lo + rng.uniform(0.0, 1.0, np.shape(lo)) * (hi - lo)


def upright(rot, max_deg: float) -> np.ndarray:
    return rot[:, 1, 1] >= np.cos(max_deg * DEG)


def yaw_of(rot) -> np.ndarray:
    """Yaw (rad, in (-pi, pi]) of the target's front axis."""
    return np.arctan2(rot[:, 0, 2], rot[:, 2, 2])


def wrap(a) -> np.ndarray:
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def unpack(phi):
    """(R, t, s_t, s_b, half extents of target AABB, base half extents)."""
    rot, t, s_t, s_b = parts(phi)
    return rot, t, s_t, s_b, aabb_half(rot, s_t), s_b / 2


def support_region(base: Category, s_b):
    """Support height and footprint (x0, x1, z0, z1) in base units."""
    y, x0, x1, z0, z1 = base.part("support")
    return y * s_b[:, 1], x0 * s_b[:, 0], x1 * s_b[:, 0], z0 * s_b[:, 2], z1 * s_b[:, 2]


def opening(base: Category, s_b):
    """Open container: (half width x, half depth z, rim y, inner floor y) in base units."""
    ox, oz, depth = base.part("opening")
    rim = s_b[:, 1] / 2
    return ox * s_b[:, 0], oz * s_b[:, 2], rim, rim - depth * s_b[:, 1]


def footprint_size(s) -> np.ndarray:
    return np.max(s[:, [0, 2]], axis=-1)


def az_bins(v, k: int) -> np.ndarray:
    """Azimuth bin (0..k-1) of horizontal vectors, bin 0 centred on the front (+z)."""
    return (np.floor((azimuth_of(v) + np.pi / k) / (2 * np.pi / k)) % k).astype(np.int64)


def no_mode(phi, base, target) -> np.ndarray:
    return np.zeros(len(np.atleast_2d(phi)), dtype=np.int64)


def stand_axis(cat: Category) -> int:
    """Local axis that points up when a long object is stood on end (leaning, 'in' a holder)."""
    if "stand" in cat.parts:
        return int(cat.parts["stand"][0])
    mean = [(lo + hi) / 2 for lo, hi in cat.size]
    return int(np.argmax(mean))


def yaw_rot(rng, n, rule):
    return rot_y(sample_yaw(rng, n, rule))
