"""Support relations: the target rests on the base's support surface."""

from __future__ import annotations

import numpy as np

from .fam_common import (
    DEG,
    TOL,
    Family,
    contact_tol,
    no_mode,
    sample_yaw,
    stand_axis,
    support_region,
    uniform_between,
    unpack,
    upright,
)
from .frames import aabb_half, rot_x, rot_y, rot_z


def _pose_on(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(sample_yaw(rng, n, target.yaw))
    he = aabb_half(rot, s_t)
    y, x0, x1, z0, z1 = support_region(base, s_b)
    lo_x, hi_x = x0 + he[:, 0], x1 - he[:, 0]
    lo_z, hi_z = z0 + he[:, 2], z1 - he[:, 2]
    ok = (hi_x >= lo_x) & (hi_z >= lo_z)
    t = np.stack([uniform_between(rng, lo_x, hi_x), y + he[:, 1], uniform_between(rng, lo_z, hi_z)],
                 -1)
    return rot, t, ok


def _accept_on(phi, base, target):
    rot, t, s_t, s_b, he, _hb = unpack(phi)
    y, x0, x1, z0, z1 = support_region(base, s_b)
    bottom = t[:, 1] - he[:, 1]
    return (
        upright(rot, 8)
        & (np.abs(bottom - y) <= contact_tol(s_t))
        & (t[:, 0] - he[:, 0] >= x0 - TOL) & (t[:, 0] + he[:, 0] <= x1 + TOL)
        & (t[:, 2] - he[:, 2] >= z0 - TOL) & (t[:, 2] + he[:, 2] <= z1 + TOL)
    )


def _mode_on(phi, base, target):
    _, t, _, s_b, _, _ = unpack(phi)
    _, x0, x1, z0, z1 = support_region(base, s_b)
    return ((t[:, 0] > (x0 + x1) / 2).astype(np.int64) + 2 * (t[:, 2] > (z0 + z1) / 2)).astype(
        np.int64)


def _aligned_yaw(rng, n, base, target):
    if target.shape == "round":
        return rng.uniform(0, 2 * np.pi, n)
    return rng.integers(0, 2, n) * np.pi + rng.normal(0, 3 * DEG, n)


def _pose_stacked(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(_aligned_yaw(rng, n, base, target))
    he = aabb_half(rot, s_t)
    y, x0, x1, z0, z1 = support_region(base, s_b)
    cx = (x0 + x1) / 2 + rng.uniform(-0.08, 0.08, n) * s_b[:, 0]
    cz = (z0 + z1) / 2 + rng.uniform(-0.08, 0.08, n) * s_b[:, 2]
    # A stack: footprints of similar size (0.5x..1.5x the base's).
    ratio = np.maximum(he[:, 0] / (s_b[:, 0] / 2), he[:, 2] / (s_b[:, 2] / 2))
    ok = (ratio > 0.45) & (ratio < 1.6)
    return rot, np.stack([cx, y + he[:, 1], cz], -1), ok


def _accept_stacked(phi, base, target):
    rot, t, s_t, s_b, he, _hb = unpack(phi)
    y, x0, x1, z0, z1 = support_region(base, s_b)
    return (
        upright(rot, 8)
        & (np.abs(t[:, 1] - he[:, 1] - y) <= contact_tol(s_t))
        & (np.abs(t[:, 0] - (x0 + x1) / 2) <= 0.12 * s_b[:, 0] + TOL)
        & (np.abs(t[:, 2] - (z0 + z1) / 2) <= 0.12 * s_b[:, 2] + TOL)
    )


def _pose_covering(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(_aligned_yaw(rng, n, base, target))
    he = aabb_half(rot, s_t)
    hb = s_b / 2
    slack = he - hb
    ok = (slack[:, 0] >= 0) & (slack[:, 2] >= 0)
    off = rng.uniform(-0.8, 0.8, (n, 3)) * np.maximum(slack, 0)
    t = np.stack([off[:, 0], hb[:, 1] + he[:, 1], off[:, 2]], -1)
    return rot, t, ok


def _accept_covering(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    return (
        upright(rot, 8)
        & (np.abs(t[:, 1] - he[:, 1] - hb[:, 1]) <= contact_tol(s_t))
        & (t[:, 0] - he[:, 0] <= -hb[:, 0] + TOL) & (t[:, 0] + he[:, 0] >= hb[:, 0] - TOL)
        & (t[:, 2] - he[:, 2] <= -hb[:, 2] + TOL) & (t[:, 2] + he[:, 2] >= hb[:, 2] - TOL)
    )


def lying_rotation(target):
    """Canonical -> lying flat with the long axis horizontal (identity if already lying)."""
    axis = stand_axis(target)
    if axis == 1:
        return rot_x(np.pi / 2)  # stand axis y -> z
    return np.eye(3)


def _long_axis_local(target) -> np.ndarray:
    axis = stand_axis(target)
    return np.eye(3)[2 if axis == 1 else axis]


def _pose_across(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    lie = lying_rotation(target)
    roll = rot_z(rng.integers(0, 2, n) * np.pi) if target.shape != "long" else np.eye(3)
    rot = rot_y(rng.uniform(0, 2 * np.pi, n)) @ lie @ roll
    he = aabb_half(rot, s_t)
    hb = s_b / 2
    d = np.einsum("nij,j->ni", rot, _long_axis_local(target))
    half_len = np.abs(s_t @ _long_axis_local(target)) / 2
    ext = np.abs(d[:, 0]) * hb[:, 0] + np.abs(d[:, 2]) * hb[:, 2]
    spare = half_len - ext
    along = rng.uniform(-0.5, 0.5, n) * np.clip(spare, 0, 0.5 * ext)
    perp = np.stack([-d[:, 2], np.zeros(n), d[:, 0]], -1)
    width = np.abs(perp[:, 0]) * hb[:, 0] + np.abs(perp[:, 2]) * hb[:, 2]
    side = rng.uniform(-0.25, 0.25, n) * width
    t = d * along[:, None] + perp * side[:, None]
    t[:, 1] = hb[:, 1] + he[:, 1]
    ok = spare > 0.02 * ext + np.abs(along)
    return rot, t, ok


def _accept_across(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    a = _long_axis_local(target)
    d = np.einsum("nij,j->ni", rot, a)
    half_len = np.abs(s_t @ a) / 2
    ends_outside = np.ones(len(t), dtype=bool)
    for sign in (-1.0, 1.0):
        e = t + sign * d * half_len[:, None]
        ends_outside &= np.maximum(np.abs(e[:, 0]) - hb[:, 0], np.abs(e[:, 2]) - hb[:, 2]) >= -TOL
    return (
        (np.abs(d[:, 1]) <= np.sin(8 * DEG))
        & (np.abs(t[:, 1] - he[:, 1] - hb[:, 1]) <= contact_tol(s_t))
        & (np.abs(t[:, 0]) <= hb[:, 0]) & (np.abs(t[:, 2]) <= hb[:, 2])
        & ends_outside
    )


def _mode_across(phi, base, target):
    rot = unpack(phi)[0]
    d = np.einsum("nij,j->ni", rot, _long_axis_local(target))
    ang = np.mod(np.arctan2(d[:, 0], d[:, 2]), np.pi)
    return np.minimum((ang / (np.pi / 4)).astype(np.int64), 3)


FAMILIES = [
    Family("on", "support", _pose_on, _accept_on, _mode_on, True,
           "target rests upright anywhere on the base's support surface"),
    Family("stacked_on", "support", _pose_stacked, _accept_stacked, no_mode, True,
           "target of similar footprint stacked centred on top of the base"),
    Family("covering", "support", _pose_covering, _accept_covering, no_mode, True,
           "target (lid, cloth) sits on the base's top and covers its whole footprint"),
    Family("lying_across", "support", _pose_across, _accept_across, _mode_across, True,
           "long target lies horizontally across the base's top, both ends beyond the rim"),
]
