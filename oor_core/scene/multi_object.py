"""Joint sampling of a multi-object scene from pairwise OOR relations (paper Eq. 10, App. B).

A scene is a connected DAG of relations base -> target with one root (the global base). All edges
are integrated through ONE reverse ODE: the rows of the sampler are edges x candidates, each row
conditioned on its own (prompt, base category, target category) and known scales. Two losses
couple the rows, evaluated differentiably (torch) on the *denoised* estimate phi_hat of every
row, composed along the graph into the root's instance canonical space:

- collision C: squared penetration depth (the smallest per-axis overlap) of the axis-aligned
  boxes of every NON-adjacent pair of nodes (pairs without an edge), plus every placed node
  against fixed obstacles (`extra_collision_boxes`, e.g. the rest of the user's scene);
- inconsistency I: the mean of the paper's three parts: (1) variance of the root's s_B across
  its edges, (2) variance of a node's pose (centre, rotation matrix) and size across its parent
  paths, (3) variance over the three axes of log(size in the root frame / s_B of the edge) for
  every edge whose base is not the root (the ratio must be the same on every axis).

Guidance goes through the sampler's Denoiser hook, which moves the denoised estimate:
D_z <- D_z - sigma^2 J^T g (J = d phi / d z of the model's normaliser). We want a plain gradient
step on phi_hat, Delta phi = -w(t) grad(C, I), so the hook returns g = w(t) grad / (sigma^2 J^2)
(diagonal J): the sigma^2 of the hook and the normaliser's spread cancel and w(t) is a step size
in phi units. w(t) keeps the paper's schedule SHAPE, lambda1 = min(100/t, 1e4) and
lambda2 = min(100/t^2, 1e5) for t <= guidance_start_t, divided by its maximum (so it ramps up
towards the data end) and multiplied by `collision_weight` / `inconsistency_weight`; for
C = depth^2 a step of 0.5 removes the overlap exactly, hence the default weights (see
docs/MULTI_OBJECT.md for the measurement). The per-call step is clipped (`_MAX_STEP`) so a
degenerate early estimate cannot throw an object across the room.

Candidates are ranked by collision + inconsistency penalties plus the model's own energy
(ranking.candidate_energy, averaged over the scene's edges).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..geometry.box_pose import BoxPose
from ..geometry.oor_vector import BASE_SCALE, PHI_DIM, R6, SCALES, TARGET_SCALE, TRANSLATION
from ..geometry.placement import solid_scales
from ..geometry.rotation6d import matrix_to_r6, r6_to_matrix
from ..model.inference import at_place
from ..model.ranking import candidate_energy
from ..model.samplers import SAMPLER_NAMES, Denoiser, SamplingError, run_sampler
from ..model.score_network import ConditionedScore, make_scale_cond
from .path_choice import agree_on_likeliest_paths, mean_pose
from .scene_graph import SceneGraphError, poses_through_paths, validate_scene_graph
from .scene_graph_torch import (
    aabb_half_extent,
    poses_through_paths_torch,
)

LAMBDA1_MAX = 1e4  # paper Sec. 4.2: lambda1 = min(100 / t, 1e4)
LAMBDA2_MAX = 1e5  # lambda2 = min(100 / t^2, 1e5)
DEFAULT_COLLISION_WEIGHT = 0.5  # step size at full schedule strength (measured, see docs)
DEFAULT_INCONSISTENCY_WEIGHT = 0.5
RANK_PENALTY = 1e3  # ranking: energy + RANK_PENALTY * (C + I)
# Choosing the path that places an object with several parents: a relation that breaks what its
# prompt's words state costs more than any energy difference (model/ranking.py energies < 1e4).
BROKEN_RELATION_ENERGY = 1e6
DEFAULT_STOP_T = 0.0  # no guidance below this time: the last steps let the model restore contact
COLLISION_STEP_CAP = 0.5  # a step of 0.5 on depth^2 removes a single overlap exactly
INCONSISTENCY_STEP_CAP = 1.0
DEFAULT_COLLISION_AXES = "horizontal"
_MAX_STEP = 0.25  # largest guidance move of one row per evaluation (phi units)
_SCALE_FLOOR = 1e-3


@dataclass
class SceneEdge:
    """One relation of the scene: `target` placed relative to `base` as `prompt` says."""

    base: str
    target: str
    prompt: str
    base_name: str  # category names fed to the model (B, T)
    target_name: str
    known_scales: np.ndarray | None = None  # (6,) [s_T->B, s_B]; None = sample the sizes

    @property
    def key(self) -> tuple[str, str]:
        return (self.base, self.target)


@dataclass
class SceneResult:
    """K candidate arrangements, best first.

    phi: (base, target) -> (K, 15); poses: node -> K consensus BoxPoses in the root's instance
    canonical space (mean over parent paths, rotation projected to SO(3)); losses: per-candidate
    'collision', 'inconsistency', 'energy', 'rank', 'broken_relations' arrays (K,); order: the
    sampled candidates' indices in ranked order.
    """

    phi: dict[tuple[str, str], np.ndarray]
    poses: dict[str, list[BoxPose]]
    losses: dict[str, np.ndarray]
    nfe: int
    order: np.ndarray
    root: str = ""
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.order)


# ------------------------------------------------------------------------------ losses
def _boxes_as_aabb(boxes) -> tuple[torch.Tensor, torch.Tensor]:
    """Obstacles: a list of BoxPose or an (M, 2, 3) [min, max] array -> (centres, halves)."""
    if boxes is None:
        return torch.zeros(0, 3, dtype=torch.float64), torch.zeros(0, 3, dtype=torch.float64)
    if isinstance(boxes, np.ndarray) or (len(boxes) and not isinstance(boxes[0], BoxPose)):
        arr = np.asarray(boxes, dtype=np.float64).reshape(-1, 2, 3)
        lo, hi = arr[:, 0], arr[:, 1]
        return torch.from_numpy((lo + hi) / 2), torch.from_numpy(np.abs(hi - lo) / 2)
    centres = [b.center for b in boxes]
    halves = [np.abs(np.asarray(b.rotation)) @ (np.asarray(b.size) / 2) for b in boxes]
    if not centres:
        return torch.zeros(0, 3, dtype=torch.float64), torch.zeros(0, 3, dtype=torch.float64)
    return (torch.from_numpy(np.asarray(centres, np.float64)),
            torch.from_numpy(np.asarray(halves, np.float64)))


def penetration_depth(ca, ha, cb, hb, axes: str = "all") -> torch.Tensor:
    """Smallest per-axis overlap of two AABBs (centre, half extent); 0 when they are apart.

    axes='horizontal': the same test (zero unless the boxes overlap on all three axes), but the
    depth is measured along the root's x and z only, so the loss pushes objects apart sideways
    instead of lifting one onto the other (y is up in the root's canonical frame).
    """
    lo = torch.maximum(ca - ha, cb - hb)
    hi = torch.minimum(ca + ha, cb + hb)
    overlap = torch.relu(hi - lo)
    if axes == "all":
        return overlap.amin(dim=-1)
    if axes != "horizontal":
        raise ValueError(f"collision axes must be 'all' or 'horizontal', got {axes!r}")
    touching_y = (overlap[..., 1] > 0).to(overlap.dtype)
    return torch.minimum(overlap[..., 0], overlap[..., 2]) * touching_y


class SceneLosses:
    """Collision and inconsistency losses of one scene graph, for (E, K, 15) phi tensors."""

    def __init__(self, keys: Sequence[tuple[str, str]], extra_boxes=None,
                 axes: str = "auto"):
        self.keys = [tuple(k) for k in keys]
        self.root, self.order = validate_scene_graph(self.keys)
        adjacent = {frozenset(k) for k in self.keys}
        self.pairs = [(a, b) for a, b in itertools.combinations(self.order, 2)
                      if frozenset((a, b)) not in adjacent]
        self.parents = {n: [p for p, c in self.keys if c == n] for n in self.order}
        self.extra_c, self.extra_h = _boxes_as_aabb(extra_boxes)
        if axes not in ("all", "horizontal", "auto"):
            raise ValueError(f"collision axes must be 'all', 'horizontal' or 'auto', got {axes!r}")
        self.axes = axes
        ancestors: dict[str, set[str]] = {n: set() for n in self.order}
        for n in self.order:  # topological order: parents are complete before their children
            for p in self.parents[n]:
                ancestors[n] |= ancestors[p] | {p}
        # 'auto': an object under its own (indirect) base is pushed out along the shallowest axis
        # (usually up, out of the surface it sinks into); unrelated objects are pushed sideways
        self.pair_axes = [("all" if axes == "all" or (axes == "auto" and (
            a in ancestors[b] or b in ancestors[a])) else "horizontal") for a, b in self.pairs]
        self.extra_axes = "all" if axes == "all" else "horizontal"

    def node_boxes(self, phi: torch.Tensor):
        """Path poses and consensus AABBs (centre, half extent) of every node."""
        edges = {k: phi[i] for i, k in enumerate(self.keys)}
        paths = poses_through_paths_torch(edges)
        boxes = {}
        for node, found in paths.items():
            centre = torch.stack([p.pose.center for p in found]).mean(0)
            half = torch.stack([aabb_half_extent(p.pose) for p in found]).mean(0)
            boxes[node] = (centre, half)
        return paths, boxes

    def base_units(self, phi: torch.Tensor) -> torch.Tensor:
        """(E, K) longest edge of every relation's base in root units (no gradient)."""
        with torch.no_grad():
            paths, _ = self.node_boxes(phi)
            return torch.stack([torch.stack([p.pose.size for p in paths[b]]).mean(0).amax(-1)
                                for b, _ in self.keys])

    def __call__(self, phi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """phi (E, K, 15) -> (collision (K,), inconsistency (K,))."""
        paths, boxes = self.node_boxes(phi)
        k = phi.shape[1]
        collision = phi.new_zeros(k)
        for (a, b), axes in zip(self.pairs, self.pair_axes, strict=True):
            collision = collision + penetration_depth(*boxes[a], *boxes[b], axes) ** 2
        if len(self.extra_c):
            ec, eh = self.extra_c.to(phi.dtype), self.extra_h.to(phi.dtype)
            for node in self.order[1:]:
                c, h = boxes[node]
                depth = penetration_depth(c[:, None], h[:, None], ec[None], eh[None],
                                          self.extra_axes)
                collision = collision + (depth ** 2).sum(-1)
        return collision, self.inconsistency(phi, paths)

    def inconsistency(self, phi: torch.Tensor, paths=None) -> torch.Tensor:
        if paths is None:
            paths = self.node_boxes(phi)[0]
        k = phi.shape[1]
        idx = {key: i for i, key in enumerate(self.keys)}
        # (1) the root's size as each of its edges sees it
        root_sb = torch.stack([phi[idx[key]][..., BASE_SCALE] for key in self.keys
                               if key[0] == self.root])
        part1 = root_sb.var(0, unbiased=False).mean(-1) if len(root_sb) > 1 else phi.new_zeros(k)
        # (2) pose and size of a node across its parent paths
        terms = []
        for node in self.order[1:]:
            found = paths[node]
            if len(found) < 2:
                continue
            c = torch.stack([p.pose.center for p in found])
            r = torch.stack([p.pose.rotation.flatten(-2) for p in found])
            s = torch.stack([p.pose.size for p in found])
            terms.append(sum(x.var(0, unbiased=False).sum(-1) for x in (c, r, s)))
        part2 = torch.stack(terms).mean(0) if terms else phi.new_zeros(k)
        # (3) per-axis ratio between a non-root parent's size in the root frame and s_B
        ratios = []
        for key in self.keys:
            parent = key[0]
            if parent == self.root:
                continue
            size = torch.stack([p.pose.size for p in paths[parent]]).mean(0)
            s_b = phi[idx[key]][..., BASE_SCALE]
            log_ratio = torch.log(size.clamp_min(_SCALE_FLOOR)) - torch.log(
                s_b.clamp_min(_SCALE_FLOOR))
            ratios.append(log_ratio.var(-1, unbiased=False))
        part3 = torch.stack(ratios).mean(0) if ratios else phi.new_zeros(k)
        return (part1 + part2 + part3) / 3.0


def paper_lambdas(t: float) -> tuple[float, float]:
    """The paper's guidance weights (Sec. 4.2) at diffusion time t."""
    t = max(float(t), 1e-12)
    return min(100.0 / t, LAMBDA1_MAX), min(100.0 / (t * t), LAMBDA2_MAX)


def normaliser_jacobian(normalizer, phi: torch.Tensor) -> torch.Tensor:
    """Diagonal of d phi / d z of PhiSpace at phi (R, 15) (cross terms through sizes ignored)."""
    std = normalizer.std.to(phi.dtype)
    s_t = phi[..., TARGET_SCALE].clamp_min(normalizer.scale_floor)
    s_b = phi[..., BASE_SCALE].clamp_min(normalizer.scale_floor)
    d = torch.clamp((s_t + s_b) * 0.5, min=normalizer.d_floor)
    ones = torch.ones_like(phi[..., R6])
    return std * torch.cat([ones, d, s_t, s_b], dim=-1)


class SceneGuidance:
    """The Denoiser guidance hook: weighted gradient of C and I on the denoised estimate."""

    def __init__(self, losses: SceneLosses, num_edges: int, num_candidates: int, sde,
                 normalizer, collision_weight: float, inconsistency_weight: float,
                 start_t: float = 0.5, free_rows: torch.Tensor | None = None,
                 stop_t: float = 0.0, inner_steps: int = 3):
        self.losses = losses
        self.e, self.k = num_edges, num_candidates
        self.sde = sde
        self.normalizer = normalizer
        self.wc, self.wi = float(collision_weight), float(inconsistency_weight)
        self.start_t = float(start_t)
        self.stop_t = float(stop_t)
        self.inner_steps = int(inner_steps)
        self.free_rows = free_rows  # (R,) bool: rows guidance may move (fixed edges: False)
        self.calls = 0

    def weights(self, t: float) -> tuple[float, float]:
        if t > self.start_t or t < self.stop_t:
            return 0.0, 0.0
        lam1, lam2 = paper_lambdas(t)
        ref1, ref2 = paper_lambdas(self.start_t)
        return (min(self.wc * lam1 / ref1, COLLISION_STEP_CAP),
                min(self.wi * lam2 / ref2, INCONSISTENCY_STEP_CAP))

    def step(self, phi_rows: torch.Tensor, t: float) -> torch.Tensor:
        """Delta phi (R, 15) the guidance asks for at phi_rows (before the clip)."""
        w1, w2 = self.weights(t)
        if w1 == 0.0 and w2 == 0.0:
            return torch.zeros_like(phi_rows)
        start = phi_rows.detach().double()
        phi = start.clone()
        free = None if self.free_rows is None else self.free_rows[:, None].to(phi.dtype)
        for _ in range(self.inner_steps):
            with torch.enable_grad():
                p = phi.clone().requires_grad_(True)
                c, i = self.losses(p.view(self.e, self.k, PHI_DIM))
                total = w1 * c.sum() + w2 * i.sum()
                if not total.requires_grad:
                    break
                (grad,) = torch.autograd.grad(total, p)
            step = -grad
            # Gauss-Newton on the translation: a child's centre moves by unit * t in the root
            # frame, so a step in t is divided by unit^2 (unit = its base's longest edge)
            unit = self.losses.base_units(p.detach().view(self.e, self.k, PHI_DIM)).reshape(-1)
            step[:, TRANSLATION] = step[:, TRANSLATION] / (unit * unit).clamp_min(1e-4)[:, None]
            norm = step.norm(dim=-1, keepdim=True)
            step = step * torch.clamp(_MAX_STEP / norm.clamp_min(1e-12), max=1.0)
            if free is not None:
                step = step * free
            phi = phi + step
        return (phi - start).to(phi_rows.dtype)

    def __call__(self, phi_hat: torch.Tensor, t: float) -> torch.Tensor:
        self.calls += 1
        step = self.step(phi_hat, t)
        if not torch.any(step != 0):
            return torch.zeros_like(phi_hat)
        sigma = float(self.sde.sigma(t))
        jac = normaliser_jacobian(self.normalizer, phi_hat.detach().double())
        return (-step.double() / (sigma * sigma * jac * jac)).to(phi_hat.dtype)


# ------------------------------------------------------------------------------ sampling
def _check_edges(edges: Sequence[SceneEdge]) -> list[tuple[str, str]]:
    keys = [e.key for e in edges]
    validate_scene_graph(keys)  # raises SceneGraphError with a readable message
    for e in edges:
        if e.known_scales is not None:
            s = np.asarray(e.known_scales, dtype=np.float64)
            if s.shape != (6,) or not np.all(np.isfinite(s)) or np.any(s <= 0):
                raise ValueError(f"known scales of '{e.base}' -> '{e.target}' must be 6 "
                                 f"positive numbers, got {e.known_scales!r}")
    return keys


def _known_array(edges: Sequence[SceneEdge]) -> np.ndarray:
    return np.stack([np.full(6, np.nan) if e.known_scales is None
                     else np.asarray(e.known_scales, np.float64) for e in edges])


class SceneRows:
    """Sampler rows of a scene: (edge, candidate) pairs, edge-major (row = e * K + k)."""

    def __init__(self, model, edges: Sequence[SceneEdge], num_candidates: int,
                 generator: torch.Generator, fixed_phi: Mapping | None = None,
                 known_scale_mode: str | None = None):
        self.model = model
        self.edges = list(edges)
        self.keys = [e.key for e in self.edges]
        self.e, self.k = len(self.edges), int(num_candidates)
        self.mode = known_scale_mode or getattr(model, "known_scale_mode", "learned")
        if self.mode not in ("learned", "inpaint"):
            raise ValueError(f"unknown known_scale_mode {self.mode!r}")
        fixed_phi = dict(fixed_phi or {})
        unknown = set(fixed_phi) - set(self.keys)
        if unknown:
            raise SceneGraphError(f"fixed relations that are not in the scene: {sorted(unknown)}")
        rows = self.e * self.k
        sde, space = model.sde, model.normalizer
        self.x_init = sde.prior_sample((rows, PHI_DIM), generator=generator)
        known = _known_array(self.edges)
        self.fixed = np.array([k in fixed_phi for k in self.keys])
        for i, key in enumerate(self.keys):  # fixed rows: their sizes are known too
            if self.fixed[i]:
                known[i] = np.asarray(fixed_phi[key], np.float64)[SCALES]
        self.known = known
        has = np.isfinite(known).all(axis=1)
        full = np.zeros((self.e, PHI_DIM))
        full[:, SCALES] = np.where(has[:, None], known, 1.0)
        for i, key in enumerate(self.keys):
            if self.fixed[i]:
                full[i] = np.asarray(fixed_phi[key], np.float64)
        values = space.normalize(torch.from_numpy(full).float()).repeat_interleave(self.k, 0)
        has_rows = torch.from_numpy(has).repeat_interleave(self.k)
        fixed_rows = torch.from_numpy(self.fixed).repeat_interleave(self.k)
        mask = torch.zeros(rows, PHI_DIM, dtype=torch.bool)
        mask[:, SCALES] = has_rows[:, None]
        mask[fixed_rows] = True
        self.fixed_rows = fixed_rows
        learned = self.mode == "learned"
        self.text_feat = model.text_features([e.prompt for e in self.edges],
                                             [e.base_name for e in self.edges],
                                             [e.target_name for e in self.edges])
        feats = self.text_feat.repeat_interleave(self.k, dim=0)
        self.scale_cond = make_scale_cond(values[:, SCALES], has_rows & learned)
        noise = None
        if not learned:
            noise = self.x_init / sde.sigma_max
            noise[fixed_rows] = 0.0
        self.score = ConditionedScore(model.net, feats, self.scale_cond)
        self.known_kw = dict(known_values=values, known_mask=mask, known_noise=noise)
        self.has_rows = has_rows

    def finish(self, x: torch.Tensor, fixed_phi: Mapping | None) -> np.ndarray:
        """Normalised rows -> (E, K, 15) phi with exact known sizes and proper rotations."""
        phi = self.model.normalizer.denormalize(x.double()).numpy().reshape(self.e, self.k,
                                                                             PHI_DIM)
        if not np.isfinite(phi).all():
            raise SamplingError("model produced NaN/inf OOR samples")
        has = np.isfinite(self.known).all(axis=1)
        phi[has, :, SCALES] = self.known[has][:, None, :]
        phi[..., SCALES] = np.maximum(phi[..., SCALES], _SCALE_FLOOR)
        try:
            phi[..., R6] = matrix_to_r6(r6_to_matrix(phi[..., R6]))
        except ValueError as exc:
            raise SamplingError(f"model produced a degenerate rotation: {exc}") from exc
        for i, key in enumerate(self.keys):
            if self.fixed[i]:
                phi[i] = np.asarray(fixed_phi[key], np.float64)
        return phi


def consensus_poses(keys: Sequence[tuple[str, str]], phi: np.ndarray) -> dict[str, list[BoxPose]]:
    """node -> K BoxPoses in the root frame: mean over parent paths, rotation on SO(3)."""
    out: dict[str, list[BoxPose]] = {}
    for k in range(phi.shape[1]):
        paths = poses_through_paths({key: phi[i, k] for i, key in enumerate(keys)})
        for node, found in paths.items():
            pose = found[0].pose if len(found) == 1 else mean_pose([p.pose for p in found])
            out.setdefault(node, []).append(pose)
    return out


def scene_losses_numpy(keys, phi: np.ndarray, extra_collision_boxes=None) -> dict[str, np.ndarray]:
    """Per-candidate 'collision' and 'inconsistency' of (E, K, 15) phi (no gradient)."""
    losses = SceneLosses(keys, extra_collision_boxes)
    with torch.no_grad():
        c, i = losses(torch.from_numpy(np.asarray(phi, np.float64)))
    return {"collision": c.numpy(), "inconsistency": i.numpy()}


def sample_scene(model, edges: Sequence[SceneEdge], num_candidates: int = 8, seed: int = 0,
                 guidance: bool = True,
                 collision_weight: float = DEFAULT_COLLISION_WEIGHT,
                 inconsistency_weight: float = DEFAULT_INCONSISTENCY_WEIGHT,
                 guidance_start_t: float = 0.5, guidance_stop_t: float = DEFAULT_STOP_T,
                 sampler: str = "default",
                 extra_collision_boxes=None, fixed_phi: Mapping | None = None,
                 steps: int | None = None, rank: bool = True,
                 known_scale_mode: str | None = None,
                 collision_axes: str = DEFAULT_COLLISION_AXES,
                 check_relations: bool = True) -> SceneResult:
    """Sample `num_candidates` joint arrangements of a scene DAG, ranked best first.

    edges: the relations (one root; see scene_graph.validate_scene_graph). guidance: apply the
    collision / inconsistency guidance (False = naive independent pairwise sampling with the same
    noise). extra_collision_boxes: fixed obstacles in the root frame (BoxPose list or (M, 2, 3)
    [min, max]) that placed objects must not overlap. fixed_phi: (base, target) -> (15,) for
    relations that already exist and must not change (Add Object; objects no relation places,
    held where they are). check_relations: an "on"
    standing past its base's edge or beside it is moved onto the base, an object with several
    parents takes a path that keeps what the prompts' words state, and candidates that keep them
    rank first (language/relation_check.py, through model.fit_to_words and
    model.relation_keeps). Deterministic for a seed.
    """
    t0 = time.perf_counter()
    if sampler not in SAMPLER_NAMES:
        raise ValueError(f"unknown sampler {sampler!r}; choose from {SAMPLER_NAMES}")
    if num_candidates < 1:
        raise ValueError("num_candidates must be at least 1")
    keys = _check_edges(edges)
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        rows = SceneRows(model, edges, num_candidates, gen, fixed_phi, known_scale_mode)
        losses = SceneLosses(keys, extra_collision_boxes, collision_axes)
        hook = None
        if guidance and (losses.pairs or len(losses.extra_c) or len(keys) > 1):
            hook = SceneGuidance(losses, rows.e, rows.k, model.sde, model.normalizer,
                                 collision_weight, inconsistency_weight, guidance_start_t,
                                 free_rows=~rows.fixed_rows, stop_t=guidance_stop_t)
        den = Denoiser(rows.score, model.sde, guidance=hook, normalizer=model.normalizer,
                       **rows.known_kw)
        t1 = time.perf_counter()
        x = run_sampler(sampler, den, rows.x_init, model.sde, steps)
        t2 = time.perf_counter()
        nfe = den.nfe
        phi = rows.finish(x, fixed_phi)
        for i, edge in enumerate(edges):  # "a saucer in the middle of the table"
            if edge.key not in (fixed_phi or {}):
                phi[i] = at_place(edge.prompt, phi[i])
        fit = getattr(model, "fit_to_words", None)
        free = [i for i in range(len(edges)) if not rows.fixed[i]]
        if fit is not None and check_relations and free:  # an "on" past the edge: onto the top
            moved = phi[free]
            fit([edges[i].prompt for i in free], [edges[i].base_name for i in free],
                [edges[i].target_name for i in free], moved)
            phi[free] = moved
        den.guidance = None
        den.known_noise = None

        def row_energy(phi_rows: np.ndarray) -> np.ndarray:
            """(E, K) model energy of each relation row of (E, K, 15) phi."""
            x_final = model.normalizer.normalize(torch.from_numpy(
                phi_rows.reshape(-1, PHI_DIM)).float())
            den.known_values = x_final
            if rows.mode == "inpaint":  # rank with the learned-condition view of the model
                den.score_fn = ConditionedScore(model.net, rows.score.text_feat, make_scale_cond(
                    x_final[:, SCALES], rows.has_rows))
            return candidate_energy(den, x_final, generator=gen).double().numpy().reshape(
                rows.e, rows.k)

        def broken(phi_rows: np.ndarray) -> np.ndarray:
            """(E, K) bool: relations (not fixed ones) that break what their words state."""
            keeps = getattr(model, "relation_keeps", None)
            if keeps is None or not check_relations:
                return np.zeros(phi_rows.shape[:2], dtype=bool)
            kept = keeps([e.prompt for e in edges], [e.base_name for e in edges],
                         [e.target_name for e in edges], phi_rows)
            return ~kept & ~rows.fixed[:, None]

        def choice_energy(phi_rows: np.ndarray) -> np.ndarray:
            return row_energy(phi_rows) + BROKEN_RELATION_ENERGY * broken(phi_rows)

        phi = agree_on_likeliest_paths(keys, phi, choice_energy, rows.fixed)
        scene = scene_losses_numpy(keys, phi, extra_collision_boxes)
        energy = np.zeros(num_candidates)
        if rank and num_candidates > 1:
            e_rows = row_energy(phi)
            energy = e_rows[~rows.fixed].mean(0) if (~rows.fixed).any() \
                else np.zeros(num_candidates)
        score = energy + RANK_PENALTY * (scene["collision"] + scene["inconsistency"])
        broken_count = broken(phi).sum(0)
        # Candidates whose relations keep what their words state first, then by score.
        order = np.lexsort((score, broken_count)) if rank else np.arange(num_candidates)
    phi = phi[:, order]
    t3 = time.perf_counter()
    result = SceneResult(
        phi={key: phi[i] for i, key in enumerate(keys)},
        poses=consensus_poses(keys, phi),
        losses={"collision": scene["collision"][order],
                "inconsistency": scene["inconsistency"][order],
                "energy": energy[order], "rank": score[order],
                "broken_relations": broken_count[order]},
        nfe=nfe, order=order, root=losses.root)
    t4 = time.perf_counter()
    result.seconds = t4 - t0
    result.timings = {"prepare": t1 - t0, "sample": t2 - t1, "rank": t3 - t2, "poses": t4 - t3}
    return result


def edge_known_scales(base: BoxPose, target: BoxPose) -> np.ndarray:
    """(6,) [s_T->B, s_B] of two boxes (metres or any common unit)."""
    unit = base.longest_edge
    return solid_scales(np.concatenate([np.asarray(target.size) / unit,
                                        np.asarray(base.size) / unit]))


__all__ = [
    "DEFAULT_COLLISION_WEIGHT",
    "DEFAULT_INCONSISTENCY_WEIGHT",
    "SceneEdge",
    "SceneGuidance",
    "SceneLosses",
    "SceneResult",
    "consensus_poses",
    "edge_known_scales",
    "paper_lambdas",
    "penetration_depth",
    "sample_scene",
    "scene_losses_numpy",
]
