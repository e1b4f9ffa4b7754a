"""Functional relations with tools and furniture: hit, write, draw, plug in, lean against."""

from __future__ import annotations

import numpy as np

from .fam_common import DEG, TOL, Family, az_bins, contact_tol, no_mode, stand_axis, unpack
from .frames import (
    aabb_half,
    align,
    azimuth_dir,
    box_overlap_depth,
    corners,
    local_point,
    point_box_distance,
    rot_x,
    rot_y,
    rot_z,
    to_phi,
)

UP = np.array([0.0, 1.0, 0.0])
EZ = np.array([0.0, 0.0, 1.0])


# ---- hitting: the striker's sweet spot touches the ball from any side (a nail from above)
def _from_top(base) -> bool:
    return base.kind in ("nail", "drum")


def _striker_radius(s_t):
    return 0.5 * np.min(s_t[:, :2], -1)


def _pose_hit(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    r_t = _striker_radius(s_t)
    if _from_top(base):
        yaw = rng.uniform(0, 2 * np.pi, n)
        spread = 0.3 if base.kind == "drum" else 0.0  # a drum head anywhere, a nail on its head
        at = np.stack([rng.uniform(-spread, spread, n) * s_b[:, 0], hb[:, 1] + r_t,
                       rng.uniform(-spread, spread, n) * s_b[:, 2]], -1)
    else:
        az = rng.uniform(0, 2 * np.pi, n)
        side = np.where(rng.uniform(size=n) < 0.5, -1, 1)
        yaw = az + side * np.pi / 2 + rng.normal(0, 8 * DEG, n)
        at = azimuth_dir(az) * (np.min(hb, -1) + r_t)[:, None]
    rot = rot_y(yaw) @ rot_x(rng.normal(0, 8 * DEG, n)) @ rot_z(rng.uniform(0, 2 * np.pi, n))
    t = at - np.einsum("nij,nj->ni", rot, np.array(target.part("strike")) * s_t)
    # a swing drawn too steep or with the body over the ball is not a hit: keep what the
    # predicate accepts, so that the data and its check agree
    return rot, t, _accept_hit(to_phi(rot, t, s_t, s_b), base, target)


def _accept_hit(phi, base, target):
    rot, t, s_t, _s_b, _he, hb = unpack(phi)
    r_t = _striker_radius(s_t)
    spot = local_point(rot, t, s_t, target.part("strike"))
    if base.shape == "round" and not _from_top(base):
        dist = np.linalg.norm(spot, axis=-1) - np.min(hb, -1)
    else:
        dist = point_box_distance(spot, hb)
    ok = ((np.abs(rot[:, 1, 2]) <= np.sin(25 * DEG)) & (dist >= -0.3 * r_t - TOL)
          & (dist <= 1.5 * r_t + TOL))
    if _from_top(base):
        return ok & (spot[:, 1] >= hb[:, 1] - TOL)
    # from the side: struck at the ball's height, the striker's body off to the side of it
    return (ok & (np.abs(spot[:, 1]) <= hb[:, 1] + r_t)
            & (np.hypot(t[:, 0], t[:, 2]) >= np.max(hb[:, [0, 2]], -1)))


def _mode_hit(phi, base, target):
    rot, t, s_t, *_ = unpack(phi)
    return az_bins(local_point(rot, t, s_t, target.part("strike")), 8)


# ---- writing / drawing: the tip touches the surface, the pen leans back from it
def _pen_rot(rng, n, normal, tilt):
    """Pen whose back end leans `tilt` away from `normal` in a random direction, tip (+z) in."""
    helper = np.where(np.abs(normal[:, 1:2]) > 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
    e1 = np.cross(normal, helper)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(normal, e1)
    a = rng.uniform(0, 2 * np.pi, n)[:, None]
    side = np.cos(a) * e1 + np.sin(a) * e2
    back = np.cos(tilt)[:, None] * normal + np.sin(tilt)[:, None] * side
    return align(np.broadcast_to(EZ, back.shape), -back) @ rot_z(rng.uniform(0, 2 * np.pi, n))


def _pose_write(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    rot = _pen_rot(rng, n, np.broadcast_to(UP, (n, 3)), rng.uniform(20, 50, n) * DEG)
    at = np.stack([rng.uniform(-0.4, 0.4, n) * s_b[:, 0], hb[:, 1],
                   rng.uniform(-0.4, 0.4, n) * s_b[:, 2]], -1)
    t = at - np.einsum("nij,nj->ni", rot, np.array(target.part("tip")) * s_t)
    t[:, 1] += hb[:, 1] - corners(rot, t, s_t)[:, :, 1].min(-1)  # lowest corner on the paper
    return rot, t, np.ones(n, dtype=bool)


def _accept_write(phi, base, target):
    rot, t, s_t, _s_b, _he, hb = unpack(phi)
    tip = local_point(rot, t, s_t, target.part("tip"))
    lean = np.arccos(np.clip(-rot[:, 1, 2], -1, 1))
    low = corners(rot, t, s_t)[:, :, 1].min(-1)
    return ((lean >= 10 * DEG) & (lean <= 65 * DEG)
            & (np.abs(tip[:, 0]) <= hb[:, 0] + TOL) & (np.abs(tip[:, 2]) <= hb[:, 2] + TOL)
            & (tip[:, 1] - hb[:, 1] >= -TOL)
            & (tip[:, 1] - hb[:, 1] <= 0.5 * np.max(s_t[:, :2], -1) + contact_tol(s_t))
            & (low >= hb[:, 1] - contact_tol(s_t)))


def _mode_write(phi, base, target):
    return az_bins(-unpack(phi)[0][:, :, 2], 4)


def _pose_draw(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    rot = _pen_rot(rng, n, np.broadcast_to(EZ, (n, 3)), rng.uniform(10, 45, n) * DEG)
    at = np.stack([rng.uniform(-0.4, 0.4, n) * s_b[:, 0], rng.uniform(-0.4, 0.4, n) * s_b[:, 1],
                   hb[:, 2]], -1)
    t = at - np.einsum("nij,nj->ni", rot, np.array(target.part("tip")) * s_t)
    t[:, 2] += hb[:, 2] - corners(rot, t, s_t)[:, :, 2].min(-1)
    return rot, t, np.ones(n, dtype=bool)


def _accept_draw(phi, base, target):
    rot, t, s_t, _s_b, _he, hb = unpack(phi)
    tip = local_point(rot, t, s_t, target.part("tip"))
    low = corners(rot, t, s_t)[:, :, 2].min(-1)
    return ((rot[:, 2, 2] <= -np.cos(50 * DEG))
            & (np.abs(tip[:, 0]) <= hb[:, 0] + TOL) & (np.abs(tip[:, 1]) <= hb[:, 1] + TOL)
            & (tip[:, 2] - hb[:, 2] >= -TOL)
            & (tip[:, 2] - hb[:, 2] <= 0.5 * np.max(s_t[:, :2], -1) + contact_tol(s_t))
            & (low >= hb[:, 2] - contact_tol(s_t)))


# ---- plugging in: the plug's back end sits in the socket face, body sticking straight out
_PORT_NORMAL = {"front": np.array([0.0, 0, 1]), "top": np.array([0.0, 1, 0]),
                "right": np.array([1.0, 0, 0])}
_PORT_ROT = {"front": np.eye(3), "top": rot_x(-np.pi / 2), "right": rot_y(np.pi / 2)}


def _port(base):
    face = base.part("port")[0]
    return face, _PORT_NORMAL[face]


def _pose_plug(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    face, normal = _port(base)
    rot = _PORT_ROT[face] @ rot_z(rng.integers(0, 4, n) * np.pi / 2 + rng.normal(0, 2 * DEG, n))
    at = rng.uniform(-0.35, 0.35, (n, 3)) * s_b
    axis = int(np.argmax(normal))
    at[:, axis] = hb[:, axis] - rng.uniform(0, 0.35, n) * s_t[:, 2]
    t = at - np.einsum("nij,nj->ni", rot, np.array(target.part("plug")) * s_t)
    he = aabb_half(rot, s_t)
    tangential = [i for i in range(3) if i != axis]
    ok = np.all(he[:, tangential] <= 0.9 * hb[:, tangential], -1)
    return rot, t, ok


def _accept_plug(phi, base, target):
    rot, t, s_t, _s_b, _he, hb = unpack(phi)
    _face, normal = _port(base)
    axis = int(np.argmax(normal))
    end = local_point(rot, t, s_t, target.part("plug"))
    depth = hb[:, axis] - end[:, axis]
    tangential = [i for i in range(3) if i != axis]
    return ((np.einsum("ni,i->n", rot[:, :, 2], normal) >= np.cos(12 * DEG))
            & np.all(np.abs(end[:, tangential]) <= hb[:, tangential] + TOL, -1)
            & (depth >= -TOL) & (depth <= 0.45 * s_t[:, 2] + TOL))


# ---- leaning against: standing on the floor, tilted 5-25 deg, top touching the base
_FACES = np.array([[0.0, 0, 1], [1.0, 0, 0], [0.0, 0, -1], [-1.0, 0, 0]])


def _stand_rot(target):
    axis = stand_axis(target)
    return {0: rot_z(np.pi / 2), 1: np.eye(3), 2: rot_x(-np.pi / 2)}[axis]


def _pose_lean(rng, s_b, s_t, base_len, base, target):
    n = len(s_b)
    hb = s_b / 2
    face = rng.integers(0, 4, n) if "table" in base.tags else np.zeros(n, dtype=np.int64)
    nrm = _FACES[face]
    stand = _stand_rot(target)
    # turn the thinnest horizontal axis of the stood-up target onto the face normal
    stood = np.abs(stand) @ s_t.T  # (3, n) extents along world axes when upright
    thin_is_x = stood[0] < stood[2]
    yaw = np.arctan2(nrm[:, 0], nrm[:, 2]) - np.where(thin_is_x, np.pi / 2, 0.0)
    yaw += rng.integers(0, 2, n) * np.pi
    upright_rot = rot_y(yaw) @ stand
    tilt = rng.uniform(5, 25, n) * DEG
    lean_up = np.cos(tilt)[:, None] * UP - np.sin(tilt)[:, None] * nrm
    rot = align(np.broadcast_to(UP, (n, 3)), lean_up) @ upright_rot
    he = aabb_half(rot, s_t)
    tangent = np.stack([nrm[:, 2], np.zeros(n), -nrm[:, 0]], -1)
    h_n = np.sum(np.abs(nrm) * hb, -1)
    h_tan = np.sum(np.abs(tangent) * hb, -1)
    he_tan = np.sum(np.abs(tangent) * he, -1)
    t0 = tangent * (rng.uniform(-0.8, 0.8, n) * np.maximum(h_tan - he_tan, 0))[:, None]
    t0[:, 1] = -hb[:, 1] + he[:, 1]
    # (a) a corner below the base's top touches the face plane
    rel = corners(rot, np.zeros((n, 3)), s_t)
    below = rel[:, :, 1] + t0[:, None, 1] <= hb[:, None, 1]
    reach = -np.einsum("nmi,ni->nm", rel, nrm)  # how far each corner sticks out towards the base
    t_a = np.where(np.any(below, -1), h_n + np.max(np.where(below, reach, -np.inf), -1), -np.inf)
    # (b) the base's top edge touches the target's face turned towards the base
    t_b = _edge_contact(rot, t0, s_t, nrm, h_n, hb)
    dist = np.maximum(t_a, t_b)
    t = t0 + nrm * dist[:, None]
    ok = np.isfinite(dist) & (box_overlap_depth(rot, t, s_t, hb) <= 1e-6)
    return rot, np.where(np.isfinite(t), t, 0.0), ok


def _edge_contact(rot, t0, s_t, nrm, h_n, hb):
    """Offset along the normal at which the base's top edge meets the target's near face."""
    n = len(t0)
    normals = np.concatenate([rot, -rot], axis=2)  # (n, 3, 6) face normals in world
    j = np.argmin(np.einsum("nik,ni->nk", normals, nrm), -1)  # face most opposed to the normal
    m = normals[np.arange(n), :, j]
    half = np.concatenate([s_t, s_t], -1)[np.arange(n), j] / 2
    edge = nrm * h_n[:, None] + t0 * (1 - np.abs(nrm))  # same tangential position as the target
    edge[:, 1] = hb[:, 1]
    denom = np.einsum("ni,ni->n", m, nrm)
    # m . (edge - t0 - dist * nrm) = half  ->  solve for dist
    dist = (np.einsum("ni,ni->n", m, edge - t0) - half) / np.where(denom < -1e-9, denom, -1)
    t = t0 + nrm * dist[:, None]
    local = np.einsum("nji,nj->ni", rot, edge - t) / s_t  # edge point in the unit cube
    on_face = np.all(np.abs(local) <= 0.5 + 1e-6, -1)
    return np.where(on_face & (denom < -1e-9), dist, -np.inf)


def _accept_lean(phi, base, target):
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    n = len(t)
    gaps = np.abs(t[:, [0, 2]]) - he[:, [0, 2]] - hb[:, [0, 2]]
    side_x = gaps[:, 0] > gaps[:, 1]
    nrm = np.where(side_x[:, None], [[1.0, 0, 0]], [[0, 0, 1.0]]) * np.sign(
        np.where(side_x, t[:, 0], t[:, 2]))[:, None]
    up_axis = rot[:, :, stand_axis(target)]
    up_axis = up_axis * np.sign(up_axis[:, 1:2] + 1e-12)
    tilt = np.arccos(np.clip(up_axis[:, 1], -1, 1))
    towards = -np.einsum("ni,ni->n", up_axis, nrm) >= np.sin(tilt) * np.cos(35 * DEG) - 1e-9
    c = corners(rot, t, s_t)
    floor_ok = np.abs(c[:, :, 1].min(-1) + hb[:, 1]) <= contact_tol(s_t)
    corner_d = np.min(point_box_distance(c.reshape(-1, 3), np.repeat(hb, 8, 0)).reshape(n, 8), -1)
    tangent = 1 - np.abs(nrm)
    edge = nrm * np.sum(np.abs(nrm) * hb, -1, keepdims=True) + np.clip(t * tangent, -hb, hb)
    edge[:, 1] = hb[:, 1]
    edge_local = np.einsum("nji,nj->ni", rot, edge - t)
    edge_d = point_box_distance(edge_local, s_t / 2)
    touching = np.minimum(corner_d, edge_d) <= TOL
    return ((tilt >= 3 * DEG) & (tilt <= 35 * DEG) & towards & floor_ok & touching
            & (box_overlap_depth(rot, t, s_t, hb) <= TOL))


def _mode_lean_face(phi, base, target):
    t = unpack(phi)[1]
    return az_bins(t, 4)


FAMILIES = [
    Family("hitting", "functional", _pose_hit, _accept_hit, _mode_hit, False,
           "striker level, its sweet spot touching the ball from any side (a nail from above)"),
    Family("writing_on", "functional", _pose_write, _accept_write, _mode_write, True,
           "pen tip on the base's top surface, pen leaning 20-50 deg in any direction"),
    Family("drawing_on", "functional", _pose_draw, _accept_draw, no_mode, True,
           "pen tip on the front face of an upright board, pen pointing into it"),
    Family("plugging_into", "functional", _pose_plug, _accept_plug, no_mode, False,
           "plug inserted into the base's socket face, body sticking straight out"),
    Family("leaning_against", "functional", _pose_lean, _accept_lean, _mode_lean_face, True,
           "target on the floor tilted 5-25 deg towards the base, top resting on it"),
]
