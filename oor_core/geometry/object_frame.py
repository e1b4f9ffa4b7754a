"""An object's canonical frame from what Blender knows of it, and the way back.

Input is plain numpy (world matrix, local bounding box, up/front axis), so the same code runs on
real Blender objects and on synthetic matrices in tests.

The world matrix maps the object's local box to a parallelepiped. We split that map into
  G = M C^T diag(d) = R diag(e) K
with R a proper rotation (closest to G, by polar decomposition), e the tightest box along R's
axes, and K the object's *intrinsic* part: a mirror (negative scale) or a shear inherited from a
rotated, non-uniformly scaled parent. K stays with the object when it is moved, which makes
object -> frame -> object exact, and keeps a mirrored object mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .axes import DEFAULT_FRONT, DEFAULT_UP, local_to_canonical_rotation
from .box_pose import BoxPose, GeometryError

_FLAT = 1e-9  # an edge this much shorter than the longest one is a flat (zero-thickness) axis
_SINGULAR = 1e-12  # relative singular value below which the world matrix collapses space


@dataclass(frozen=True)
class ObjectGeometry:
    world_matrix: np.ndarray  # (4, 4) local -> world, parents included
    bbox_min: np.ndarray  # (3,) local bounding box (evaluated object: modifiers applied)
    bbox_max: np.ndarray  # (3,)
    up: str = DEFAULT_UP
    front: str = DEFAULT_FRONT


@dataclass(frozen=True)
class ObjectFrame:
    pose: BoxPose  # canonical box in world space (metres)
    intrinsic: np.ndarray  # (3, 3) K: mirror/shear carried by the object
    frame_size: np.ndarray  # (3,) e used in G = R diag(e) K (flat axes get a stand-in length)
    canonical_from_local: np.ndarray  # (3, 3) C
    local_center: np.ndarray  # (3,)
    local_size: np.ndarray  # (3,) d along canonical axes, flat axes replaced by 1

    @property
    def mirrored(self) -> bool:
        return bool(np.linalg.det(self.intrinsic) < 0.0)


def _as_matrix(value, shape, what) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise GeometryError(f"{what} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise GeometryError(f"{what} contains NaN or infinite values")
    return array


def object_frame(geometry: ObjectGeometry) -> ObjectFrame:
    world = _as_matrix(geometry.world_matrix, (4, 4), "world matrix")
    lo = _as_matrix(geometry.bbox_min, (3,), "bounding box minimum")
    hi = _as_matrix(geometry.bbox_max, (3,), "bounding box maximum")
    if np.any(hi < lo):
        raise GeometryError("bounding box maximum is below its minimum")
    canonical_from_local = local_to_canonical_rotation(geometry.up, geometry.front)

    true_size = np.abs(canonical_from_local @ (hi - lo))
    longest = float(np.max(true_size))
    if longest <= 0.0:
        raise GeometryError("the object has zero size (its bounding box is a point)")
    flat = true_size <= _FLAT * longest
    local_size = np.where(flat, 1.0, true_size)

    linear = world[:3, :3]
    spanned = linear @ canonical_from_local.T @ np.diag(local_size)
    u, singular, vt = np.linalg.svd(spanned)
    if singular[-1] <= _SINGULAR * singular[0]:
        raise GeometryError("the object's transform has zero scale on some axis")
    rotation = u @ vt
    if np.linalg.det(rotation) < 0.0:
        # Mirrored object: keep the reflection in K, across the canonical left-right axis.
        rotation = rotation @ np.diag([-1.0, 1.0, 1.0])
    in_frame = rotation.T @ spanned
    frame_size = np.sum(np.abs(in_frame), axis=1)
    intrinsic = in_frame / frame_size[:, None]
    true_in_frame = in_frame * np.where(flat, 0.0, 1.0)[None, :]
    size = np.sum(np.abs(true_in_frame), axis=1)

    local_center = 0.5 * (lo + hi)
    center = linear @ local_center + world[:3, 3]
    return ObjectFrame(
        pose=BoxPose(rotation=rotation, center=center, size=size),
        intrinsic=intrinsic,
        frame_size=frame_size,
        canonical_from_local=canonical_from_local,
        local_center=local_center,
        local_size=local_size,
    )


def world_matrix_for_pose(frame: ObjectFrame, pose: BoxPose) -> np.ndarray:
    """World matrix that puts this object's canonical box at `pose` (sizes along flat axes kept)."""
    current = frame.pose.size
    ratio = np.divide(pose.size, current, out=np.ones(3), where=current > 0.0)
    frame_size = frame.frame_size * ratio
    spanned = pose.rotation @ np.diag(frame_size) @ frame.intrinsic
    linear = spanned @ np.diag(1.0 / frame.local_size) @ frame.canonical_from_local
    world = np.eye(4)
    world[:3, :3] = linear
    world[:3, 3] = pose.center - linear @ frame.local_center
    if not np.all(np.isfinite(world)):
        raise GeometryError("the placement produced a non-finite world matrix")
    return world
