"""Batched rigid-frame helpers in the base's instance canonical space (x right, y up, z front).

Everything is (n, ...) numpy, base units (1 = base's longest edge). The base box is centred at
the origin with half extents s_B / 2; a target is an oriented box (R, t, s_T->B).
"""

from __future__ import annotations

import numpy as np

from ..geometry.oor_vector import pack_phi, unpack_phi

UP = np.array([0.0, 1.0, 0.0])
UNIT_CORNERS = np.array(
    [[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)], dtype=np.float64
)


def rot_x(a) -> np.ndarray:
    """Rotation about x; positive angles tip the front (+z) down and the top (+y) forward."""
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    rows = [np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
            np.stack([z, s, c], -1)]
    return np.stack(rows, -2)


def rot_y(a) -> np.ndarray:
    """Rotation about the up axis (yaw); a = azimuth the local front (+z) turns towards +x."""
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    rows = [np.stack([c, z, s], -1), np.stack([z, o, z], -1),
            np.stack([-s, z, c], -1)]
    return np.stack(rows, -2)


def rot_z(a) -> np.ndarray:
    """Rotation about z (roll); positive angles turn +x towards +y."""
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    rows = [np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
            np.stack([z, z, o], -1)]
    return np.stack(rows, -2)


def align(src, dst) -> np.ndarray:
    """(n,3,3) rotations taking unit vector(s) src to unit vectors dst (Rodrigues, safe at +-1)."""
    src = np.broadcast_to(np.asarray(src, dtype=np.float64), np.shape(dst))
    dst = np.asarray(dst, dtype=np.float64)
    v = np.cross(src, dst)
    c = np.sum(src * dst, -1)
    vx = np.zeros((*dst.shape[:-1], 3, 3))
    vx[..., 0, 1], vx[..., 0, 2], vx[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    vx = vx - np.swapaxes(vx, -1, -2)
    k = 1.0 / np.maximum(1.0 + c, 1e-9)
    rot = np.eye(3) + vx + vx @ vx * k[..., None, None]
    # Antiparallel: any half-turn about an axis orthogonal to src.
    anti = c < -1 + 1e-9
    if np.any(anti):
        s = src[anti]
        helper = np.where(np.abs(s[:, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        axis = np.cross(s, helper)
        axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
        rot[anti] = 2 * axis[:, :, None] * axis[:, None, :] - np.eye(3)
    return rot


def azimuth_dir(a) -> np.ndarray:
    """Horizontal unit vector at azimuth a (0 = front +z, pi/2 = right +x)."""
    a = np.asarray(a, dtype=np.float64)
    return np.stack([np.sin(a), np.zeros_like(a), np.cos(a)], -1)


def azimuth_of(v) -> np.ndarray:
    """Azimuth of the horizontal part of v, in [0, 2 pi)."""
    v = np.asarray(v, dtype=np.float64)
    return np.mod(np.arctan2(v[..., 0], v[..., 2]), 2 * np.pi)


def aabb_half(rot, s_t) -> np.ndarray:
    """Half extents along the base axes of boxes s_t rotated by rot (one box or a batch)."""
    return np.einsum("...ij,...j->...i", np.abs(rot), np.asarray(s_t) / 2)


def corners(rot, t, s_t) -> np.ndarray:
    """(n, 8, 3) box corners in the base frame."""
    return np.einsum("nij,nmj->nmi", rot, UNIT_CORNERS[None] * s_t[:, None, :]) + t[:, None, :]


def local_point(rot, t, s_t, unit_point) -> np.ndarray:
    """(n,3) image of a target unit-cube point (broadcast (3,) or (n,3))."""
    p = np.broadcast_to(np.asarray(unit_point, dtype=np.float64), t.shape) * s_t
    return np.einsum("nij,nj->ni", rot, p) + t


def tilt_angle(rot, axis=1) -> np.ndarray:
    """Angle (rad) between the target's local axis (default up) and the base's up."""
    return np.arccos(np.clip(rot[:, 1, axis], -1.0, 1.0))


def box_overlap_depth(rot, t, s_t, half_b, centre_b=None) -> np.ndarray:
    """Penetration depth of target OBB into the AABB (half_b around centre_b); <= 0: apart.

    Separating-axis test over the 15 axes; the depth is the smallest overlap along any axis,
    so a positive value is how far the boxes interpenetrate.
    """
    n = t.shape[0]
    half_b = np.broadcast_to(np.asarray(half_b, dtype=np.float64), (n, 3))
    c = t if centre_b is None else t - np.broadcast_to(centre_b, (n, 3))
    ha = s_t / 2
    ax_b = np.broadcast_to(np.eye(3), (n, 3, 3))
    ax_t = np.swapaxes(rot, 1, 2)  # rows = target axes in base frame
    axes = [ax_b[:, i] for i in range(3)] + [ax_t[:, i] for i in range(3)]
    for i in range(3):
        for j in range(3):
            axes.append(np.cross(ax_b[:, i], ax_t[:, j]))
    depth = np.full(n, np.inf)
    for a in axes:
        norm = np.linalg.norm(a, axis=-1)
        ok = norm > 1e-6
        a = a / np.maximum(norm, 1e-12)[:, None]
        rb = np.sum(np.abs(a) * half_b, -1)
        rt = np.sum(np.abs(np.einsum("nij,nj->ni", ax_t, a)) * ha, -1)
        d = rb + rt - np.abs(np.sum(c * a, -1))
        depth = np.where(ok, np.minimum(depth, d), depth)
    return depth


def point_box_distance(p, half_b) -> np.ndarray:
    """Signed distance from points (n,3) to an origin-centred box (negative inside)."""
    q = np.abs(p) - half_b
    outside = np.linalg.norm(np.maximum(q, 0.0), axis=-1)
    inside = np.minimum(np.max(q, axis=-1), 0.0)
    return outside + inside


def parts(phi):
    """(R, t, s_T, s_B) float64 from (n,15) phi."""
    o = unpack_phi(np.atleast_2d(phi))
    return o.rotation, o.translation, o.target_scale, o.base_scale


def to_phi(rot, t, s_t, s_b) -> np.ndarray:
    return pack_phi(rot, t, s_t, s_b)
