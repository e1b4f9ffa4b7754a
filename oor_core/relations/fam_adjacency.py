"""Adjacency and orientation relations: both objects stand on the same floor (the base's bottom).

Gaps scale with the smaller footprint (a salt shaker next to a pepper mill is centimetres away,
a sofa next to a cabinet decimetres), so predicates stay scale-free.
"""

from __future__ import annotations

import numpy as np

from .fam_common import (
    DEG,
    TOL,
    Family,
    az_bins,
    contact_tol,
    no_mode,
    sample_yaw,
    unpack,
    upright,
    wrap,
    yaw_of,
)
from .frames import aabb_half, azimuth_dir, box_overlap_depth, rot_y

# (axis, sign) of the side the target stands on: x right, z front.
SIDES = {"left_of": [(0, -1.0)], "right_of": [(0, 1.0)], "in_front_of": [(2, 1.0)],
         "behind": [(2, -1.0)], "next_to": [(0, -1.0), (0, 1.0)]}


def _scale(he, hb):
    """Gap unit: the smaller of the two footprints."""
    return np.minimum(2 * np.max(hb[:, [0, 2]], -1), 2 * np.max(he[:, [0, 2]], -1))


def _floor_ok(t, he, hb, s_t):
    return np.abs(t[:, 1] - he[:, 1] + hb[:, 1]) <= contact_tol(s_t)


def _side_pose(sides):
    def pose(rng, s_b, s_t, base_len, base, target):
        n = len(s_b)
        rot = rot_y(sample_yaw(rng, n, target.yaw))
        he, hb = aabb_half(rot, s_t), s_b / 2
        pick = rng.integers(0, len(sides), n)
        axis = np.array([sides[k][0] for k in pick])
        sign = np.array([sides[k][1] for k in pick])
        other = 2 - axis
        rows = np.arange(n)
        gap = rng.uniform(0.02, 0.6, n) * _scale(he, hb)
        t = np.zeros((n, 3))
        t[rows, axis] = sign * (hb[rows, axis] + he[rows, axis] + gap)
        t[rows, other] = rng.uniform(-1, 1, n) * np.abs(hb[rows, other] - he[rows, other])
        t[:, 1] = -hb[:, 1] + he[:, 1]
        return rot, t, np.ones(n, dtype=bool)

    return pose


def _lateral_overlap(t, he, hb, axis):
    lo = np.maximum(t[:, axis] - he[:, axis], -hb[:, axis])
    hi = np.minimum(t[:, axis] + he[:, axis], hb[:, axis])
    return hi - lo >= np.minimum(he[:, axis], hb[:, axis]) - TOL


def _side_accept(sides):
    def accept(phi, base, target):
        rot, t, s_t, _s_b, he, hb = unpack(phi)
        m = _scale(he, hb)
        ok_any = np.zeros(len(t), dtype=bool)
        for axis, sign in sides:
            gap = sign * t[:, axis] - he[:, axis] - hb[:, axis]
            ok_any |= (gap >= -TOL) & (gap <= 0.8 * m + TOL) & _lateral_overlap(t, he, hb, 2 - axis)
        return upright(rot, 10) & _floor_ok(t, he, hb, s_t) & ok_any

    return accept


def _mode_side(phi, base, target):
    return (unpack(phi)[1][:, 0] > 0).astype(np.int64)


def _ray_place(d, he, hb, gap):
    """Centre on the ray d (horizontal unit) whose AABB clears the base's AABB by `gap`."""
    with np.errstate(divide="ignore"):
        lx = np.where(np.abs(d[:, 0]) > 1e-9, (hb[:, 0] + he[:, 0]) / np.abs(d[:, 0]), np.inf)
        lz = np.where(np.abs(d[:, 2]) > 1e-9, (hb[:, 2] + he[:, 2]) / np.abs(d[:, 2]), np.inf)
    return d * (np.minimum(lx, lz) + gap)[:, None]


def _aabb_gap(t, he, hb):
    return np.maximum(np.abs(t[:, 0]) - he[:, 0] - hb[:, 0], np.abs(t[:, 2]) - he[:, 2] - hb[:, 2])


def _pose_near(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(sample_yaw(rng, n, target.yaw if target.yaw != "front" else "any"))
    he, hb = aabb_half(rot, s_t), s_b / 2
    d = azimuth_dir(rng.uniform(0, 2 * np.pi, n))
    t = _ray_place(d, he, hb, rng.uniform(0.05, 0.8, n) * _scale(he, hb))
    t[:, 1] = -hb[:, 1] + he[:, 1]
    return rot, t, np.ones(n, dtype=bool)


def _accept_near(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    gap = _aabb_gap(t, he, hb)
    return (upright(rot, 10) & _floor_ok(t, he, hb, s_t) & (gap >= -TOL)
            & (gap <= 0.9 * _scale(he, hb) + TOL))


def _mode_azimuth(phi, base, target):
    return az_bins(unpack(phi)[1], 8)


def _facing_error(rot, t):
    """Angle between the target's front and the direction from the target to the base centre."""
    to_base = np.arctan2(-t[:, 0], -t[:, 2])
    return np.abs(wrap(yaw_of(rot) - to_base))


def _pose_around(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    if base.shape == "round":
        az = rng.uniform(0, 2 * np.pi, n)
    else:  # pick a side with probability proportional to its length
        w = np.stack([s_b[:, 0], s_b[:, 2], s_b[:, 0], s_b[:, 2]], -1)
        u = rng.uniform(0, 1, n)[:, None] * w.sum(-1, keepdims=True)
        side = np.minimum(np.sum(np.cumsum(w, -1) < u, -1), 3)
        az = side * (np.pi / 2)
    yaw = az + np.pi + rng.normal(0, 5 * DEG, n)
    rot = rot_y(yaw)
    he = aabb_half(rot, s_t)
    gap = rng.uniform(0.0, 0.25, n) * s_t[:, 2]
    if base.shape == "round":
        t = _ray_place(azimuth_dir(az), he, hb, gap)
    else:
        normal = np.round(azimuth_dir(az))
        tangent = np.stack([normal[:, 2], np.zeros(n), -normal[:, 0]], -1)
        n_half = np.sum(np.abs(normal) * (hb + he), -1)
        t_half = np.sum(np.abs(tangent) * np.maximum(hb - he, 0), -1)
        t = normal * (n_half + gap)[:, None]
        t += tangent * (rng.uniform(-0.85, 0.85, n) * t_half)[:, None]
    t[:, 1] = -hb[:, 1] + he[:, 1]
    return rot, t, np.ones(n, dtype=bool)


def _square_to_side_error(rot, t, hb):
    """Angle between the target's front and the inward normal of the base side it stands at,
    where it stands along that side (inf elsewhere): a seat at a long table faces the edge in
    front of it, not the table's centre."""
    on_x = np.abs(t[:, 0]) - hb[:, 0] > np.abs(t[:, 2]) - hb[:, 2]
    inward = np.where(on_x, np.arctan2(-np.sign(t[:, 0]), 0.0), np.arctan2(0.0, -np.sign(t[:, 2])))
    along = np.where(on_x, np.abs(t[:, 2]) <= hb[:, 2], np.abs(t[:, 0]) <= hb[:, 0])
    return np.where(along, np.abs(wrap(yaw_of(rot) - inward)), np.inf)


def _accept_around(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    gap = _aabb_gap(t, he, hb)
    clear = box_overlap_depth(rot, t, s_t, hb) <= TOL
    facing = np.minimum(_facing_error(rot, t), _square_to_side_error(rot, t, hb))
    return (upright(rot, 10) & _floor_ok(t, he, hb, s_t) & clear
            & (gap <= 0.5 * np.max(s_t, -1) + 0.05) & (facing <= 30 * DEG))


def _pose_facing(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    az = rng.uniform(-50, 50, n) * DEG
    rot = rot_y(az + np.pi + rng.normal(0, 4 * DEG, n))
    he = aabb_half(rot, s_t)
    span = np.maximum(s_b[:, 0], s_t[:, 0])
    t = _ray_place(azimuth_dir(az), he, hb, rng.uniform(0.5, 2.5, n) * span)
    t[:, 1] = -hb[:, 1] + he[:, 1]
    ok = t[:, 2] - he[:, 2] >= hb[:, 2]
    return rot, t, ok


def _accept_facing(phi, base, target):
    rot, t, s_t, s_b, he, hb = unpack(phi)
    span = np.maximum(s_b[:, 0], s_t[:, 0])
    az = np.arctan2(t[:, 0], t[:, 2])
    return (upright(rot, 10) & _floor_ok(t, he, hb, s_t)
            & (t[:, 2] - he[:, 2] >= hb[:, 2] - TOL) & (np.abs(az) <= 60 * DEG)
            & (_aabb_gap(t, he, hb) <= 3.5 * span) & (_facing_error(rot, t) <= 20 * DEG))


def _mode_facing(phi, base, target):
    t = unpack(phi)[1]
    az = np.arctan2(t[:, 0], t[:, 2])
    return np.digitize(az, [-15 * DEG, 15 * DEG]).astype(np.int64)


def _pose_back_to_back(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    rot = rot_y(np.pi + rng.normal(0, 3 * DEG, n))
    he = aabb_half(rot, s_t)
    gap = rng.uniform(0.0, 0.06, n) * _scale(he, hb)
    t = np.stack([rng.uniform(-0.1, 0.1, n) * np.maximum(hb[:, 0], he[:, 0]),
                  -hb[:, 1] + he[:, 1], -(hb[:, 2] + he[:, 2] + gap)], -1)
    return rot, t, np.ones(n, dtype=bool)


def _accept_back_to_back(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    gap = -t[:, 2] - he[:, 2] - hb[:, 2]
    return (upright(rot, 10) & _floor_ok(t, he, hb, s_t) & (rot[:, 2, 2] <= -np.cos(15 * DEG))
            & (gap >= -TOL) & (gap <= 0.12 * _scale(he, hb) + TOL)
            & (np.abs(t[:, 0]) <= 0.25 * np.maximum(hb[:, 0], he[:, 0]) + TOL))


def _pose_aligned(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    rot = rot_y(rng.normal(0, 1.5 * DEG, n))
    he = aabb_half(rot, s_t)
    sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    gap = rng.uniform(0.0, 0.1, n) * _scale(he, hb)
    t = np.stack([sign * (hb[:, 0] + he[:, 0] + gap), -hb[:, 1] + he[:, 1], hb[:, 2] - he[:, 2]],
                 -1)
    return rot, t, np.ones(n, dtype=bool)


def _accept_aligned(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    gap = np.abs(t[:, 0]) - he[:, 0] - hb[:, 0]
    return (upright(rot, 10) & _floor_ok(t, he, hb, s_t) & (np.abs(yaw_of(rot)) <= 5 * DEG)
            & (np.abs(t[:, 2] + he[:, 2] - hb[:, 2]) <= 0.015 + TOL)
            & (gap >= -TOL) & (gap <= 0.2 * _scale(he, hb) + TOL))


FAMILIES = [
    Family("next_to", "adjacency", _side_pose(SIDES["next_to"]), _side_accept(SIDES["next_to"]),
           _mode_side, True, "target beside the base on its left or right, same floor"),
    *[
        Family(name, "adjacency", _side_pose(SIDES[name]), _side_accept(SIDES[name]), no_mode,
               True, f"target {name.replace('_', ' ')} the base (base frame), same floor")
        for name in ("left_of", "right_of", "in_front_of", "behind")
    ],
    Family("near", "adjacency", _pose_near, _accept_near, _mode_azimuth, True,
           "target close to the base at any azimuth, same floor"),
    Family("around", "adjacency", _pose_around, _accept_around, _mode_azimuth, True,
           "target (a seat) at any side of the base, facing its centre"),
    Family("facing", "orientation", _pose_facing, _accept_facing, _mode_facing, True,
           "target stands in front of the base at a distance and faces it"),
    Family("back_to_back", "orientation", _pose_back_to_back, _accept_back_to_back, no_mode, True,
           "target behind the base, turned away, backs nearly touching"),
    Family("aligned_with", "orientation", _pose_aligned, _accept_aligned, _mode_side, True,
           "target side by side with the base, same heading, fronts flush"),
]
