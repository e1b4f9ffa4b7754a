"""Score-based scene editing (paper Sec. 4.3, Eqs. 11-13): Refine, Change Context, Add Object.

Refine projects the current arrangement phi0 towards a high-likelihood region of the relation's
learned distribution by gradient descent on ||phi - phi0||^2 - lam log p(phi) (Eq. 11):

    phi <- phi - eta [ (phi - phi0) - lam score_phi(phi, sigma_eps) + w_C grad C + w_I grad I ]

POSE ONLY (6-D rotation + translation; the sizes are the real objects' and stay fixed), the
rotation re-orthonormalised (Gram-Schmidt) after every step. The model's score lives in its
normalised space z = normalise(phi); with fixed sizes the pose part of that map is affine with
diagonal Jacobian J = d phi / d z (std for r6, std * half extent for the translation), so
score_phi = score_z / J. Collision and inconsistency (multi_object.SceneLosses) join for scenes
with several relations; `fixed_nodes` never move (every relation into them is frozen).

Change Context = the same descent with a new prompt. When the new context's mode is far from the
current pose (a teapot beside a cup -> pouring into it), descent from phi0 alone may stop short;
`change_context` therefore samples the new relation with the real sizes, takes the candidate
closest to the current pose, and refines from there (anchored at that candidate). Add Object =
`add_objects`: multi_object.sample_scene over the new relations only, with the rest of the scene as
fixed obstacles (and existing relations, when given, held fixed). See docs/MULTI_OBJECT.md for
the measured choice of eta, lam and sigma_eps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..geometry.oor_vector import PHI_DIM, R6, SCALES, TRANSLATION
from ..geometry.rotation6d import matrix_to_r6, r6_to_matrix
from ..model.score_network import ConditionedScore, make_scale_cond
from .multi_object import (
    SceneEdge,
    SceneLosses,
    SceneResult,
    normaliser_jacobian,
    sample_scene,
)
from .scene_graph_torch import matrix_to_r6_torch, r6_to_matrix_torch

# Measured (docs/MULTI_OBJECT.md, reports/multi_object.json "refine"): the paper's eta = lam =
# 0.01 are kept, but the score is read at sigma = 0.05 (normalised units) instead of sigma(eps):
# at sigma(eps) = 0.005 the network's score is unreliable away from the data and refine fixed
# far fewer relations; larger eta (0.1, 0.5) overshoot and fixed fewer too.
PAPER_ETA = 0.01
PAPER_LAM = 0.01
DEFAULT_ETA = PAPER_ETA
DEFAULT_LAM = PAPER_LAM
DEFAULT_SIGMA = 0.05  # noise level of the score used by refine (normalised units)
DEFAULT_STEPS = 50
MAX_TRANSLATION_STEP = 0.05  # base units per step (keeps an animation smooth)
MAX_ROTATION_STEP = 0.1  # r6 units per step (about 6 degrees)


@dataclass
class RefineResult:
    """phi: (base, target) -> (15,) refined; trajectory: one such dict per step (step 0 = input);
    moved: (base, target) -> {'translation': base units, 'rotation_deg': degrees}."""

    phi: dict[tuple[str, str], np.ndarray]
    trajectory: list[dict[tuple[str, str], np.ndarray]]
    moved: dict[tuple[str, str], dict[str, float]]
    losses: dict[str, float] = field(default_factory=dict)
    info: dict = field(default_factory=dict)


def rotation_angle_deg(r6_a, r6_b) -> np.ndarray:
    """Geodesic angle (degrees) between the rotations of two (..., 6) vectors."""
    ra, rb = r6_to_matrix(np.asarray(r6_a)), r6_to_matrix(np.asarray(r6_b))
    rel = np.einsum("...ji,...jk->...ik", ra, rb)
    cos = np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1.0, 1.0)
    return np.degrees(np.arccos(cos))


def pose_change(phi_a, phi_b) -> dict[str, float]:
    return {"translation": float(np.linalg.norm(np.asarray(phi_b)[TRANSLATION]
                                                - np.asarray(phi_a)[TRANSLATION])),
            "rotation_deg": float(rotation_angle_deg(np.asarray(phi_a)[R6],
                                                     np.asarray(phi_b)[R6]))}


class _EdgeScore:
    """score_phi(phi) (E, 15) of every edge at one noise level, with the sizes held."""

    def __init__(self, model, edges: Sequence[SceneEdge], phi0: torch.Tensor, sigma: float):
        self.model = model
        self.space = model.normalizer
        feats = model.text_features([e.prompt for e in edges], [e.base_name for e in edges],
                                    [e.target_name for e in edges])
        z0 = self.space.normalize(phi0.float())
        learned = getattr(model, "known_scale_mode", "learned") == "learned"
        mask = torch.full((len(edges),), learned, dtype=torch.bool)
        self.score = ConditionedScore(model.net, feats, make_scale_cond(z0[:, SCALES], mask))
        self.sigma = torch.full((len(edges),), float(sigma))
        self.calls = 0

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        with torch.no_grad():
            z = self.space.normalize(phi.float())
            score_z = self.score(z, self.sigma).double()
        return score_z / normaliser_jacobian(self.space, phi.double())


def refine(model, edges: Sequence[SceneEdge], current_phi: Mapping, steps: int = DEFAULT_STEPS,
           eta: float = DEFAULT_ETA, lam: float = DEFAULT_LAM, t_eps: float | None = None,
           collision_weight: float = 1.0, inconsistency_weight: float = 1.0,
           fixed_nodes: Sequence[str] = (), extra_collision_boxes=None,
           sigma: float | None = None, clip: bool = True) -> RefineResult:
    """Eq. 13 descent of every relation's pose (sizes fixed); see the module docstring.

    current_phi: (base, target) -> (15,) for every edge. t_eps: diffusion time of the score
    (default: the time of `sigma`, DEFAULT_SIGMA; the paper's is the SDE's eps). fixed_nodes:
    objects that must not move. Returns the refined phi, the per-step trajectory and the moves.
    """
    edges = list(edges)
    keys = [e.key for e in edges]
    missing = [k for k in keys if k not in current_phi]
    if missing:
        raise ValueError(f"no current pose for the relations {missing}")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    sde = model.sde
    if sigma is None:
        sigma = DEFAULT_SIGMA if t_eps is None else float(sde.sigma(t_eps))
    phi0 = torch.from_numpy(np.stack([np.asarray(current_phi[k], np.float64) for k in keys]))
    phi0[:, R6] = torch.from_numpy(matrix_to_r6(r6_to_matrix(phi0[:, R6].numpy())))
    frozen = torch.tensor([k[1] in set(fixed_nodes) for k in keys])
    free = (~frozen).double()[:, None]
    score = _EdgeScore(model, edges, phi0, sigma)
    losses = SceneLosses(keys, extra_collision_boxes) if (len(keys) > 1 or
                                                          extra_collision_boxes is not None) \
        else None
    phi = phi0.clone()
    trajectory = [_as_dict(keys, phi)]
    for _ in range(int(steps)):
        grad = (phi - phi0) - lam * score(phi)
        if losses is not None:
            with torch.enable_grad():
                p = phi.clone().requires_grad_(True)
                c, i = losses(p[:, None, :])
                total = collision_weight * c.sum() + inconsistency_weight * i.sum()
                if total.requires_grad:
                    grad = grad + torch.autograd.grad(total, p)[0]
        step = -eta * grad
        step[:, SCALES] = 0.0
        if clip:
            step[:, TRANSLATION] = _clip_norm(step[:, TRANSLATION], MAX_TRANSLATION_STEP)
            step[:, R6] = _clip_norm(step[:, R6], MAX_ROTATION_STEP)
        phi = phi + free * step
        phi[:, R6] = matrix_to_r6_torch(r6_to_matrix_torch(phi[:, R6]))
        trajectory.append(_as_dict(keys, phi))
    final = _as_dict(keys, phi)
    moved = {k: pose_change(phi0[i].numpy(), final[k]) for i, k in enumerate(keys)}
    out_losses = {}
    if losses is not None:
        with torch.no_grad():
            c, i = losses(phi[:, None, :])
        out_losses = {"collision": float(c[0]), "inconsistency": float(i[0])}
    return RefineResult(final, trajectory, moved, out_losses,
                        {"sigma": float(sigma), "eta": eta, "lam": lam, "steps": int(steps)})


def _clip_norm(v: torch.Tensor, limit: float) -> torch.Tensor:
    norm = v.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return v * torch.clamp(limit / norm, max=1.0)


def _as_dict(keys, phi: torch.Tensor) -> dict:
    arr = phi.detach().numpy().copy()
    return {k: arr[i] for i, k in enumerate(keys)}


def pose_distance(phi_a, phi_b, rotation_weight: float = 0.5) -> np.ndarray:
    """Translation distance (base units) + rotation_weight * angle (radians), batched."""
    a, b = np.asarray(phi_a), np.asarray(phi_b)
    dt = np.linalg.norm(a[..., TRANSLATION] - b[..., TRANSLATION], axis=-1)
    return dt + rotation_weight * np.radians(rotation_angle_deg(a[..., R6], b[..., R6]))


def change_context(model, edge: SceneEdge, current_phi, new_prompt: str,
                   num_candidates: int = 16, seed: int = 0, refine_steps: int = DEFAULT_STEPS,
                   pick: str = "closest", **refine_options) -> RefineResult:
    """Switch one relation to a new context: sample it with the new prompt and the real sizes,
    take the candidate closest to the current pose (pick='closest'; 'best' = best ranked), refine
    it with the new prompt. The trajectory starts at the current pose and moves in a straight
    line (translation; rotation by slerp of the 6-D vector) to the chosen candidate before the
    refinement steps, so it can be animated like a Refine."""
    current = np.asarray(current_phi, np.float64).reshape(PHI_DIM)
    new_edge = SceneEdge(edge.base, edge.target, new_prompt, edge.base_name, edge.target_name,
                         current[SCALES].copy())
    cands = sample_scene(model, [new_edge], num_candidates=num_candidates, seed=seed,
                         guidance=False)
    phis = cands.phi[edge.key]
    dist = pose_distance(phis, current)
    k = int(np.argmin(dist)) if pick == "closest" else 0
    start = phis[k].copy()
    start[SCALES] = current[SCALES]
    res = refine(model, [new_edge], {edge.key: start}, steps=refine_steps, **refine_options)
    approach = _interpolate(current, start, 10)
    res.trajectory = [{edge.key: p} for p in approach] + res.trajectory[1:]
    res.moved = {edge.key: pose_change(current, res.phi[edge.key])}
    res.info.update({"candidate": k, "candidate_distance": float(dist[k]),
                     "nfe": cands.nfe})
    return res


def _interpolate(a: np.ndarray, b: np.ndarray, n: int) -> list[np.ndarray]:
    """n poses from a to b (exclusive of b): translation linear, rotation by matrix slerp."""
    ra, rb = r6_to_matrix(a[R6]), r6_to_matrix(b[R6])
    rel = ra.T @ rb
    angle = np.arccos(np.clip((np.trace(rel) - 1) / 2, -1, 1))
    axis = np.array([rel[2, 1] - rel[1, 2], rel[0, 2] - rel[2, 0], rel[1, 0] - rel[0, 1]])
    sin = np.linalg.norm(axis)
    out = []
    for s in np.linspace(0.0, 1.0, n, endpoint=False):
        p = a.copy()
        p[TRANSLATION] = (1 - s) * a[TRANSLATION] + s * b[TRANSLATION]
        if sin > 1e-9:
            kx = axis / sin
            kk = np.array([[0, -kx[2], kx[1]], [kx[2], 0, -kx[0]], [-kx[1], kx[0], 0]])
            th = s * angle
            rot = ra @ (np.eye(3) + np.sin(th) * kk + (1 - np.cos(th)) * kk @ kk)
        else:
            rot = ra
        p[R6] = matrix_to_r6(rot)
        out.append(p)
    return out


def add_objects(model, new_edges: Sequence[SceneEdge], obstacles=None,
                existing_phi: Mapping | None = None, **sample_options) -> SceneResult:
    """Add Object: sample only the new relations; the existing objects stay exactly where they
    are (as obstacles in the new relations' root frame and, for existing relations that must be
    part of the graph, as fixed rows via existing_phi)."""
    return sample_scene(model, new_edges, extra_collision_boxes=obstacles,
                        fixed_phi=existing_phi, **sample_options)


__all__ = [
    "DEFAULT_ETA",
    "DEFAULT_LAM",
    "DEFAULT_SIGMA",
    "PAPER_ETA",
    "PAPER_LAM",
    "RefineResult",
    "add_objects",
    "change_context",
    "pose_change",
    "pose_distance",
    "refine",
    "rotation_angle_deg",
]
