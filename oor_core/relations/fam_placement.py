"""Containment, below and vertical relations (in, inside, under, hanging/mounted, on walls)."""

from __future__ import annotations

import numpy as np

from .fam_common import (
    DEG,
    TOL,
    Family,
    contact_tol,
    no_mode,
    opening,
    sample_yaw,
    stand_axis,
    uniform_between,
    unpack,
    upright,
    yaw_of,
)
from .frames import aabb_half, align, azimuth_dir, corners, rot_x, rot_y, rot_z

UP = np.array([0.0, 1.0, 0.0])


def _pose_in(rng, s_b, s_t, base_len, base, target):
    """Upright on the inner floor if it fits; long things lean from the floor against the rim."""
    n = len(s_b)
    wx, wz, rim, floor = opening(base, s_b)
    depth = rim - floor
    axis = stand_axis(target)
    length = s_t[:, axis]
    lean = (target.shape in ("long", "tall")) & (length > 1.1 * depth)
    lean = np.broadcast_to(lean, (n,))
    # upright branch
    rot_u = rot_y(sample_yaw(rng, n, "any"))
    he = aabb_half(rot_u, s_t)
    t_u = np.stack([uniform_between(rng, -(wx - he[:, 0]), wx - he[:, 0]), floor + he[:, 1],
                    uniform_between(rng, -(wz - he[:, 2]), wz - he[:, 2])], -1)
    ok_u = (he[:, 0] <= wx) & (he[:, 2] <= wz)
    # leaning branch: bottom end near one side, shaft crossing the rim near the other
    w = np.minimum(wx, wz)
    az = rng.uniform(0, 2 * np.pi, n)
    u = azimuth_dir(az)
    a = rng.uniform(0.2, 0.7, n) * w
    theta = np.arctan2(0.8 * w + a, depth)
    v = np.cos(theta)[:, None] * UP + np.sin(theta)[:, None] * u
    local = np.eye(3)[axis]
    flip = np.where(rng.uniform(size=n) < 0.5, 1.0, -1.0)[:, None]
    rot_l = align(np.broadcast_to(local, v.shape), flip * v) @ _roll(rng, n, axis)
    t_l = -a[:, None] * u + v * (length / 2)[:, None]
    t_l[:, 1] += floor
    low = corners(rot_l, t_l, s_t)[:, :, 1].min(-1)
    t_l[:, 1] += floor - low
    rot = np.where(lean[:, None, None], rot_l, rot_u)
    t = np.where(lean[:, None], t_l, t_u)
    ok = np.where(lean, theta < 60 * DEG, ok_u) & _inside_below_rim(rot, t, s_t, s_b, base, 1e-6)
    return rot, t, ok


def _roll(rng, n, axis):
    """Random turn about the local axis `axis` (so a leaning pen shows any side)."""
    ang = rng.uniform(0, 2 * np.pi, n)
    if axis == 2:
        return rot_z(ang)
    if axis == 1:
        return rot_y(ang)
    return rot_x(ang)


def _inside_below_rim(rot, t, s_t, s_b, base, tol):
    """Every box corner below the rim lies within the opening and above the inner floor."""
    wx, wz, rim, floor = opening(base, s_b)
    c = corners(rot, t, s_t)
    tol = np.broadcast_to(tol, (len(t),))[:, None]
    below = c[:, :, 1] < rim[:, None]
    inside = (np.abs(c[:, :, 0]) <= wx[:, None] + tol) & (np.abs(c[:, :, 2]) <= wz[:, None] + tol)
    return np.all(~below | inside, -1) & np.all(c[:, :, 1] >= floor[:, None] - tol - 1e-9, -1)


def _accept_in(phi, base, target):
    rot, t, s_t, s_b, _he, _hb = unpack(phi)
    wx, wz, _rim, floor = opening(base, s_b)
    low = corners(rot, t, s_t)[:, :, 1].min(-1)
    tol = TOL + 0.5 * np.min(s_t, -1)
    return (
        _inside_below_rim(rot, t, s_t, s_b, base, tol)
        & (low <= floor + contact_tol(s_t))
        & (np.abs(t[:, 0]) <= wx + TOL) & (np.abs(t[:, 2]) <= wz + TOL)
    )


def _inner(base, s_b):
    wall = base.part("wall")[0]
    return s_b / 2 - wall * s_b, -s_b[:, 1] / 2 + wall * s_b[:, 1]


def _pose_inside(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(sample_yaw(rng, n, target.yaw))
    he = aabb_half(rot, s_t)
    inner, floor = _inner(base, s_b)
    room = inner - he
    ok = (room[:, 0] >= 0) & (room[:, 2] >= 0) & (2 * he[:, 1] <= 2 * inner[:, 1])
    t = np.stack([uniform_between(rng, -room[:, 0], room[:, 0]), floor + he[:, 1],
                  uniform_between(rng, -room[:, 2], room[:, 2])], -1)
    return rot, t, ok


def _accept_inside(phi, base, target):
    rot, t, s_t, s_b, he, _hb = unpack(phi)
    inner, floor = _inner(base, s_b)
    c = corners(rot, t, s_t)
    within = np.all(np.abs(c) <= inner[:, None, :] + TOL, axis=(1, 2))
    return upright(rot, 10) & within & (np.abs(t[:, 1] - he[:, 1] - floor) <= contact_tol(s_t))


def _underside(base, s_b):
    return s_b[:, 1] / 2 - base.part("underside")[0] * s_b[:, 1]


def fits_under(base, s_b, he) -> np.ndarray:
    """(N,) bool: does a box of half extents `he` fit in the room under the base's underside,
    with a margin (what the library puts "under" a table)?"""
    hb = s_b / 2
    room = 0.9 * hb - he
    return (2 * he[:, 1] <= 0.95 * (_underside(base, s_b) + hb[:, 1])) & (room[:, 0] >= 0) \
        & (room[:, 2] >= 0)


def _pose_under(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(sample_yaw(rng, n, target.yaw))
    he, hb = aabb_half(rot, s_t), s_b / 2
    room = 0.9 * hb - he
    ok = fits_under(base, s_b, he)
    t = np.stack([uniform_between(rng, -room[:, 0], room[:, 0]), -hb[:, 1] + he[:, 1],
                  uniform_between(rng, -room[:, 2], room[:, 2])], -1)
    return rot, t, ok


def _accept_under(phi, base, target):
    rot, t, s_t, s_b, he, hb = unpack(phi)
    under = _underside(base, s_b)
    return (
        upright(rot, 10)
        & (np.abs(t[:, 1] - he[:, 1] + hb[:, 1]) <= contact_tol(s_t))
        & (t[:, 1] + he[:, 1] <= under + TOL)
        & (np.abs(t[:, 0]) + he[:, 0] <= hb[:, 0] + TOL)
        & (np.abs(t[:, 2]) + he[:, 2] <= hb[:, 2] + TOL)
    )


def _mode_quadrant(phi, base, target):
    t = unpack(phi)[1]
    return ((t[:, 0] > 0).astype(np.int64) + 2 * (t[:, 2] > 0)).astype(np.int64)


def _pose_hanging_above(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(rng.uniform(0, 2 * np.pi, n))
    he, hb = aabb_half(rot, s_t), s_b / 2
    gap = rng.uniform(0.3, 0.9, n) / base_len
    t = np.stack([rng.uniform(-0.15, 0.15, n) * s_b[:, 0], hb[:, 1] + gap + he[:, 1],
                  rng.uniform(-0.15, 0.15, n) * s_b[:, 2]], -1)
    return rot, t, np.ones(n, dtype=bool)


def _accept_hanging_above(phi, base, target):
    rot, t, _s_t, s_b, he, hb = unpack(phi)
    gap = t[:, 1] - he[:, 1] - hb[:, 1]
    return (upright(rot, 10) & (gap >= 0.05) & (gap <= 2.0)
            & (np.abs(t[:, 0]) <= 0.3 * s_b[:, 0]) & (np.abs(t[:, 2]) <= 0.3 * s_b[:, 2]))


def _pose_mounted_on(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(rng.normal(0, 1 * DEG, n))
    he, hb = aabb_half(rot, s_t), s_b / 2
    lo, hi = target.part("mount")
    y = -hb[:, 1] + rng.uniform(lo, hi, n) / base_len
    ok = (y + he[:, 1] <= hb[:, 1]) & (y - he[:, 1] >= -hb[:, 1]) & (he[:, 0] <= hb[:, 0])
    x = rng.uniform(-0.9, 0.9, n) * np.maximum(hb[:, 0] - he[:, 0], 0)
    return rot, np.stack([x, y, hb[:, 2] + he[:, 2]], -1), ok


def _accept_mounted_on(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    return (upright(rot, 5) & (np.abs(yaw_of(rot)) <= 5 * DEG)
            & (np.abs(t[:, 2] - he[:, 2] - hb[:, 2]) <= contact_tol(s_t))
            & (np.abs(t[:, 0]) + he[:, 0] <= hb[:, 0] + TOL)
            & (t[:, 1] + he[:, 1] <= hb[:, 1] + TOL) & (t[:, 1] - he[:, 1] >= -hb[:, 1] - TOL))


def _pose_mounted_above(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(rng.normal(0, 1 * DEG, n))
    he, hb = aabb_half(rot, s_t), s_b / 2
    gap = rng.uniform(0.12, 0.6, n) / base_len
    t = np.stack([rng.uniform(-0.2, 0.2, n) * hb[:, 0], hb[:, 1] + gap + he[:, 1],
                  -hb[:, 2] + he[:, 2]], -1)
    return rot, t, np.ones(n, dtype=bool)


def _accept_mounted_above(phi, base, target):
    rot, t, _s_t, _s_b, he, hb = unpack(phi)
    gap = t[:, 1] - he[:, 1] - hb[:, 1]
    return (upright(rot, 5) & (np.abs(yaw_of(rot)) <= 5 * DEG)
            & (np.abs(t[:, 2] - he[:, 2] + hb[:, 2]) <= 0.02)
            & (gap >= 0.02) & (gap <= 1.5)
            & (np.abs(t[:, 0]) <= 0.6 * np.maximum(hb[:, 0], he[:, 0])))


def _pose_hanging_on(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    yaw = rng.integers(0, 2, n) * np.pi + rng.normal(0, 6 * DEG, n)
    rot = rot_y(yaw) @ rot_x(rng.normal(0, 3 * DEG, n))
    hang = np.array(target.part("hang"))
    p = np.stack([rng.uniform(-0.4, 0.4, n) * s_b[:, 0],
                  s_b[:, 1] / 2 - rng.uniform(0, 0.3, n) * s_b[:, 1],
                  rng.uniform(-0.3, 0.3, n) * s_b[:, 2]], -1)
    t = p - np.einsum("nij,nj->ni", rot, hang * s_t)
    return rot, t, np.ones(n, dtype=bool)


def _accept_hanging_on(phi, base, target):
    rot, t, s_t, s_b, _he, hb = unpack(phi)
    hang = np.array(target.part("hang"))
    p = np.einsum("nij,nj->ni", rot, hang * s_t) + t
    return (upright(rot, 10)
            & (np.abs(p[:, 0]) <= hb[:, 0] + TOL) & (np.abs(p[:, 2]) <= hb[:, 2] + 0.02)
            & (p[:, 1] <= hb[:, 1] + TOL) & (p[:, 1] >= hb[:, 1] - 0.4 * s_b[:, 1] - TOL))


FAMILIES = [
    Family("in", "containment", _pose_in, _accept_in, no_mode, False,
           "target inside an open container, resting on its inner floor (may lean on the rim)"),
    Family("inside", "containment", _pose_inside, _accept_inside, _mode_quadrant, False,
           "target fully enclosed in a closed container, on its inner floor"),
    Family("under", "below", _pose_under, _accept_under, _mode_quadrant, True,
           "target on the floor beneath the base's top, within its footprint"),
    Family("hanging_above", "vertical", _pose_hanging_above, _accept_hanging_above, no_mode, True,
           "target hangs above the centre of the base, clear of it"),
    Family("mounted_on", "vertical", _pose_mounted_on, _accept_mounted_on, no_mode, True,
           "target's back on the base's (a wall's) front face at its usual height"),
    Family("mounted_above", "vertical", _pose_mounted_above, _accept_mounted_above, no_mode, True,
           "target on the wall behind the base, above its top"),
    Family("hanging_on", "vertical", _pose_hanging_on, _accept_hanging_on, no_mode, False,
           "target hangs from the top bar of the base (rack, hook)"),
]
