"""Differentiable (torch) mirror of `box_pose.compose` and `scene_graph.poses_through_paths`.

Every function works on batched tensors with any leading dimensions (one per candidate in the
multi-object sampler), so the collision and inconsistency losses of the joint sampler
(paper Eq. 10, App. B) can be differentiated with respect to each edge's OOR vector phi.

Conventions are exactly those of the numpy code (DESIGN.md sec. 2): phi = [r6 (first two
*columns* of R), t, s_T->B, s_B]; composing phi onto a base box gives the target box
    R = R_base R_phi,  c = c_base + u R_base t,  size = u s_T->B,   u = longest edge of the base.
The root's own box is centred, axis-aligned, with size = mean s_B of the edges leaving it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from ..geometry.oor_vector import BASE_SCALE, R6, TARGET_SCALE, TRANSLATION
from .scene_graph import SceneGraphError, validate_scene_graph

_EPS = 1e-9


@dataclass(frozen=True)
class TorchBox:
    """A batch of boxes: rotation (..., 3, 3), center (..., 3), size (..., 3)."""

    rotation: torch.Tensor
    center: torch.Tensor
    size: torch.Tensor


@dataclass(frozen=True)
class TorchPathPose:
    path: tuple[str, ...]
    pose: TorchBox


def r6_to_matrix_torch(r6: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt of the two columns (rotation6d.r6_to_matrix)."""
    a1, a2 = r6[..., 0:3], r6[..., 3:6]
    b1 = a1 / torch.linalg.norm(a1, dim=-1, keepdim=True).clamp_min(_EPS)
    a2o = a2 - (b1 * a2).sum(-1, keepdim=True) * b1
    b2 = a2o / torch.linalg.norm(a2o, dim=-1, keepdim=True).clamp_min(_EPS)
    b3 = torch.linalg.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def matrix_to_r6_torch(rotation: torch.Tensor) -> torch.Tensor:
    return torch.cat([rotation[..., :, 0], rotation[..., :, 1]], dim=-1)


def root_box(root_base_scale: torch.Tensor) -> TorchBox:
    """The root's box in its own instance canonical space (scene_graph.root_pose)."""
    size = root_base_scale
    lead = size.shape[:-1]
    eye = torch.eye(3, dtype=size.dtype).expand(*lead, 3, 3)
    return TorchBox(eye, torch.zeros_like(size), size)


def compose_torch(base: TorchBox, phi: torch.Tensor) -> TorchBox:
    """Target box placed by phi relative to `base`, in the space `base` lives in."""
    unit = base.size.amax(dim=-1, keepdim=True)
    rot = r6_to_matrix_torch(phi[..., R6])
    rotation = base.rotation @ rot
    center = base.center + unit * (base.rotation @ phi[..., TRANSLATION].unsqueeze(-1)).squeeze(-1)
    return TorchBox(rotation, center, unit * phi[..., TARGET_SCALE])


def poses_through_paths_torch(edges: Mapping[tuple[str, str], torch.Tensor],
                              max_paths: int = 64) -> dict[str, list[TorchPathPose]]:
    """Every node's box in the root's frame, once per parent path (torch, batched)."""
    root, order = validate_scene_graph(edges.keys())
    root_scales = [phi[..., BASE_SCALE] for (p, _), phi in edges.items() if p == root]
    poses: dict[str, list[TorchPathPose]] = {
        root: [TorchPathPose((root,), root_box(torch.stack(root_scales).mean(0)))]}
    for node in order[1:]:
        found = []
        for (parent, child), phi in edges.items():
            if child != node:
                continue
            for parent_path in poses[parent]:
                found.append(TorchPathPose((*parent_path.path, node),
                                           compose_torch(parent_path.pose, phi)))
        if len(found) > max_paths:
            raise SceneGraphError(f"'{node}' is reached through more than {max_paths} paths")
        poses[node] = found
    return poses


def aabb_half_extent(box: TorchBox) -> torch.Tensor:
    """Half extents (..., 3) of the axis-aligned box around an oriented box."""
    return (box.rotation.abs() @ (0.5 * box.size).unsqueeze(-1)).squeeze(-1)


def project_to_so3(matrix: torch.Tensor) -> torch.Tensor:
    """Nearest proper rotation (..., 3, 3) to a (mean) matrix, by SVD."""
    u, _, vh = torch.linalg.svd(matrix)
    det = torch.linalg.det(u @ vh)
    d = torch.ones_like(matrix[..., 0])
    d[..., 2] = torch.sign(det)
    return u @ torch.diag_embed(d) @ vh
