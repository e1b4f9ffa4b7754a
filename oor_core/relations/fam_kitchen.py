"""Functional relations with tilt around food and vessels: pour, cut, slice, sprinkle, stir,
scoop."""

from __future__ import annotations

import numpy as np

from .fam_common import DEG, TOL, Family, az_bins, no_mode, opening, unpack, wrap, yaw_of
from .frames import (
    align,
    azimuth_dir,
    box_overlap_depth,
    corners,
    local_point,
    rot_x,
    rot_y,
    rot_z,
    tilt_angle,
)

UP = np.array([0.0, 1.0, 0.0])
EZ = np.array([0.0, 0.0, 1.0])


def _in_opening(p, wx, wz, tol=TOL):
    return (np.abs(p[:, 0]) <= wx + tol) & (np.abs(p[:, 2]) <= wz + tol)


# ---- pouring: spout over the opening, pourer tilted 30-70 deg towards the base, from any side
def _pose_pour(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    wx, wz, rim, _ = opening(base, s_b)
    az = rng.uniform(0, 2 * np.pi, n)
    rot = rot_y(az + np.pi) @ rot_x(rng.uniform(30, 70, n) * DEG)
    spout_at = np.stack([rng.uniform(-0.4, 0.4, n) * wx,
                         rim + rng.uniform(0.1, 0.8, n) * s_t[:, 1],
                         rng.uniform(-0.4, 0.4, n) * wz], -1)
    t = spout_at - np.einsum("nij,nj->ni", rot, np.array(target.part("spout")) * s_t)
    ok = box_overlap_depth(rot, t, s_t, s_b / 2) <= 0.0
    return rot, t, ok


def _accept_pour(phi, base, target):
    rot, t, s_t, s_b, _he, hb = unpack(phi)
    wx, wz, rim, _ = opening(base, s_b)
    spout = local_point(rot, t, s_t, target.part("spout"))
    height = spout[:, 1] - rim
    tilt = tilt_angle(rot)
    toward = np.abs(wrap(yaw_of(rot) - np.arctan2(-t[:, 0], -t[:, 2])))
    return ((tilt >= 25 * DEG) & (tilt <= 80 * DEG) & _in_opening(spout, wx, wz)
            & (height >= -TOL) & (height <= s_t[:, 1] + 0.05) & (toward <= 50 * DEG)
            & (box_overlap_depth(rot, t, s_t, hb) <= TOL))


def _mode_pour(phi, base, target):
    return az_bins(unpack(phi)[1], 8)


# ---- cutting / slicing: blade plane vertical, edge inside the base below its top
_KNIFE_UPRIGHT = rot_z(np.pi / 2)  # local -x (edge side) -> down


def _knife_rot(yaw, pitch):
    return rot_y(yaw) @ rot_x(pitch) @ _KNIFE_UPRIGHT


def _place_edge(rot, s_t, target, at):
    return at - np.einsum("nij,nj->ni", rot, np.array(target.part("blade")) * s_t)


def _pose_cut(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = _knife_rot(rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 15, n) * DEG)
    at = np.stack([rng.uniform(-0.3, 0.3, n) * s_b[:, 0],
                   s_b[:, 1] * (0.5 - rng.uniform(0.05, 0.6, n)),
                   rng.uniform(-0.3, 0.3, n) * s_b[:, 2]], -1)
    return rot, _place_edge(rot, s_t, target, at), np.ones(n, dtype=bool)


def _blade_checks(phi, target):
    rot, t, s_t, s_b, _he, hb = unpack(phi)
    edge = local_point(rot, t, s_t, target.part("blade"))
    vertical = rot[:, 1, 0] >= np.cos(25 * DEG)  # local +x up, so the edge (-x) points down
    level = np.abs(rot[:, 1, 2]) <= np.sin(30 * DEG)
    return rot, edge, s_b, hb, vertical & level


def _accept_cut(phi, base, target):
    _rot, edge, s_b, hb, ok = _blade_checks(phi, target)
    return (ok & (np.abs(edge[:, 0]) <= 0.32 * s_b[:, 0] + TOL)
            & (np.abs(edge[:, 2]) <= 0.32 * s_b[:, 2] + TOL)
            & (edge[:, 1] <= hb[:, 1] + TOL) & (edge[:, 1] >= hb[:, 1] - 0.7 * s_b[:, 1]))


def _mode_cut(phi, base, target):
    rot = unpack(phi)[0]
    ang = np.mod(np.arctan2(rot[:, 0, 2], rot[:, 2, 2]), np.pi)
    return np.minimum((ang / (np.pi / 4)).astype(np.int64), 3)


def _pose_slice(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = _knife_rot(rng.integers(0, 2, n) * np.pi + rng.normal(0, 5 * DEG, n),
                     rng.uniform(0, 10, n) * DEG)
    side = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    at = np.stack([side * rng.uniform(0.2, 0.42, n) * s_b[:, 0],
                   s_b[:, 1] * (0.5 - rng.uniform(0.1, 0.9, n)),
                   np.clip(rng.normal(0, 0.05, n), -0.2, 0.2) * s_b[:, 2]], -1)
    return rot, _place_edge(rot, s_t, target, at), np.ones(n, dtype=bool)


def _accept_slice(phi, base, target):
    rot, edge, s_b, hb, ok = _blade_checks(phi, target)
    across = np.abs(rot[:, 0, 2]) <= np.sin(20 * DEG)  # knife runs across the base's long x axis
    return (ok & across & (np.abs(edge[:, 0]) >= 0.12 * s_b[:, 0])
            & (np.abs(edge[:, 0]) <= hb[:, 0] + TOL) & (np.abs(edge[:, 2]) <= hb[:, 2] + TOL)
            & (edge[:, 1] <= hb[:, 1] + TOL) & (edge[:, 1] >= -hb[:, 1] - TOL))


def _mode_slice(phi, base, target):
    _, edge, _, _, _ = _blade_checks(phi, target)
    return (edge[:, 0] > 0).astype(np.int64)


# ---- sprinkling: shaker upside down above the dish, its top (opening) pointing down
_TOP = (0.0, 0.5, 0.0)


def _pose_sprinkle(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    rot = rot_y(rng.uniform(0, 2 * np.pi, n)) @ rot_x(rng.uniform(110, 170, n) * DEG)
    hb = s_b / 2
    at = np.stack([rng.uniform(-0.35, 0.35, n) * s_b[:, 0],
                   hb[:, 1] + rng.uniform(0.3, 2.0, n) * s_t[:, 1],
                   rng.uniform(-0.35, 0.35, n) * s_b[:, 2]], -1)
    t = at - np.einsum("nij,nj->ni", rot, np.array(_TOP) * s_t)
    low = corners(rot, t, s_t)[:, :, 1].min(-1)
    t[:, 1] += np.maximum(hb[:, 1] + 0.01 * s_t[:, 1] - low, 0)
    return rot, t, np.ones(n, dtype=bool)


def _accept_sprinkle(phi, base, target):
    rot, t, s_t, _s_b, _he, hb = unpack(phi)
    top = local_point(rot, t, s_t, _TOP)
    low = corners(rot, t, s_t)[:, :, 1].min(-1)
    return ((tilt_angle(rot) >= 95 * DEG) & (np.abs(top[:, 0]) <= hb[:, 0] + TOL)
            & (np.abs(top[:, 2]) <= hb[:, 2] + TOL) & (low >= hb[:, 1] - TOL)
            & (top[:, 1] - hb[:, 1] <= 3 * s_t[:, 1] + 0.1))


# ---- stirring / scooping: a long tool dips its working end (+z) into the container
def _tool_rot(rng, n, tilt):
    """Tool whose handle leans `tilt` from vertical towards a random azimuth, tip (+z) down."""
    handle_dir = (np.cos(tilt)[:, None] * UP
                  + np.sin(tilt)[:, None] * azimuth_dir(rng.uniform(0, 2 * np.pi, n)))
    return align(np.broadcast_to(EZ, handle_dir.shape), -handle_dir) @ rot_z(
        rng.uniform(0, 2 * np.pi, n))


def _tool_geometry(rot, t, s_t, target):
    tip = local_point(rot, t, s_t, target.part("tip"))
    tip_z = target.part("tip")[2]
    handle = local_point(rot, t, s_t, (0.0, 0.0, -tip_z))
    return tip, handle


def _rim_crossing(tip, handle, rim):
    f = np.clip((rim - tip[:, 1]) / np.maximum(handle[:, 1] - tip[:, 1], 1e-9), 0, 1)
    return tip + (handle - tip) * f[:, None]


def _tool_pose(tilt_deg, depth_from, depth_to, spread):
    """depth fractions are measured from the rim down to the inner floor."""

    def pose(rng, s_b, s_t, base_len, base, target):
        n = len(s_b)
        wx, wz, rim, floor = opening(base, s_b)
        rot = _tool_rot(rng, n, rng.uniform(*tilt_deg, n) * DEG)
        tip_at = np.stack([rng.uniform(-spread, spread, n) * wx,
                           rim - rng.uniform(depth_from, depth_to, n) * (rim - floor),
                           rng.uniform(-spread, spread, n) * wz], -1)
        t = tip_at - np.einsum("nij,nj->ni", rot, np.array(target.part("tip")) * s_t)
        tip, handle = _tool_geometry(rot, t, s_t, target)
        cross = _rim_crossing(tip, handle, rim)
        ok = (handle[:, 1] >= rim + 0.02 * s_t[:, 2]) & _in_opening(cross, 0.9 * wx, 0.9 * wz, 0)
        return rot, t, ok

    return pose


def _tool_accept(tilt_deg, depth_from, depth_to):
    def accept(phi, base, target):
        rot, t, s_t, s_b, _he, _hb = unpack(phi)
        wx, wz, rim, floor = opening(base, s_b)
        tip, handle = _tool_geometry(rot, t, s_t, target)
        depth = (rim - tip[:, 1]) / np.maximum(rim - floor, 1e-9)
        lean = np.arccos(np.clip(-rot[:, 1, 2], -1, 1))  # handle direction vs up
        tol_d = TOL / np.maximum(rim - floor, 1e-9)
        return ((lean >= tilt_deg[0] * DEG) & (lean <= tilt_deg[1] * DEG)
                & _in_opening(tip, wx, wz) & (depth >= depth_from - tol_d)
                & (depth <= depth_to + tol_d) & (handle[:, 1] >= rim)
                & _in_opening(_rim_crossing(tip, handle, rim), wx, wz))

    return accept


def _mode_lean(phi, base, target):
    rot = unpack(phi)[0]
    return az_bins(-rot[:, :, 2], 4)


FAMILIES = [
    Family("pouring_into", "functional", _pose_pour, _accept_pour, _mode_pour, False,
           "pourer tilted 30-70 deg from any side, spout above the base's opening"),
    Family("cutting", "functional", _pose_cut, _accept_cut, _mode_cut, False,
           "knife blade vertical, edge sunk into the middle of the base, any direction"),
    Family("slicing", "functional", _pose_slice, _accept_slice, _mode_slice, False,
           "knife across the base's long axis near one end, edge sunk into it"),
    Family("sprinkling_over", "functional", _pose_sprinkle, _accept_sprinkle, no_mode, True,
           "shaker upside down above the base, its top within the base's footprint"),
    Family("stirring", "functional", _tool_pose((8, 30), 0.25, 0.85, 0.45),
           _tool_accept((5, 38), 0.2, 0.9), _mode_lean, False,
           "tool nearly upright, working end deep in the container, handle above the rim"),
    Family("scooping", "functional", _tool_pose((42, 68), 0.05, 0.45, 0.5),
           _tool_accept((38, 75), 0.0, 0.5), _mode_lean, False,
           "tool steeply tilted, working end just below the rim inside the container"),
]
