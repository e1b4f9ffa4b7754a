# SPDX-License-Identifier: GPL-3.0-or-later
"""Sampled candidates -> world matrices, mesh-aware ranking, and the per-session cache.

The model ranks its samples by likelihood; meshes know more (a teapot spout through a cup wall,
a cup floating 5 mm above the table). Candidates are re-ranked by that mesh penalty first and
the model's own ranking second. Each set is computed from the target as it was *before* the
apply, so the redo panel and Next/Previous Candidate re-apply without running the model again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from mathutils import Matrix, Vector

from ..oor_core.geometry.object_frame import ObjectGeometry, object_frame
from ..oor_core.geometry.placement import ScalePolicy, extract_relation, place_target
from ..oor_core.language.relation_check import relation_check
from ..oor_core.language.working_parts import part_the_prompt_needs
from ..oor_core.relations.categories import DEFAULT_PARTS
from ..oor_core.relations.category_table import library_category
from ..oor_core.relations.fam_common import stand_axis
from .meshes import WorldMesh, interpenetration, is_supported, rank_penalty, support_gap
from .request import RelationRequest

CONTACT_TOLERANCE = 0.002  # 2 mm: closer than this counts as touching, deeper as colliding
# The model places a resting object to within centimetres; meshes know the exact surface. An
# upright target whose bottom is this close to the base surface below (share of its height, at
# least 1 cm) is settled onto it; so is one the model rested on the base's box top, or placed
# inside the box, while the real surface under it lies lower inside the box (a tray's floor, a
# bin's bottom, a shelf board). Tilted targets (pouring, leaning) are left as sampled.
SETTLE_RANGE = 0.25
SETTLE_MIN_M = 0.01
UPRIGHT_DEG = 10.0


def _upright(geometry: ObjectGeometry, matrix: np.ndarray) -> bool:
    placed = ObjectGeometry(matrix, geometry.bbox_min, geometry.bbox_max, geometry.up,
                            geometry.front)
    up = object_frame(placed).pose.rotation[:, 1]  # canonical y (up) in world space
    return bool(up[2] >= np.cos(np.radians(UPRIGHT_DEG)))


def settle_on_base(target: ObjectGeometry, matrix: np.ndarray, target_mesh: WorldMesh,
                   base_mesh: WorldMesh) -> np.ndarray:
    """The target's candidate `matrix` moved along world up onto the base surface below, when
    it is meant to rest there (upright, and near that surface or on or in the base's box);
    unchanged otherwise."""
    if not _upright(target, matrix):
        return matrix
    moved = target_mesh.moved(matrix)
    gap = support_gap(moved, base_mesh)
    if gap is None:
        return matrix
    height = float(moved.bounds[1][2] - moved.bounds[0][2])
    reach = max(SETTLE_MIN_M, SETTLE_RANGE * height)
    bottom = float(moved.bounds[0][2])
    base_bottom, base_top = float(base_mesh.bounds[0][2]), float(base_mesh.bounds[1][2])
    # On the base's box top or inside its box, over a surface of the base lower down.
    in_the_base = bottom - base_top <= reach and 0.0 < gap <= bottom - base_bottom
    if abs(gap) > reach and not in_the_base:
        return matrix
    settled = matrix.copy()
    settled[2, 3] -= gap
    return settled


LEAN_REACH_M = 0.5  # how far a leaning target is slid towards its base to find it
LEAN_SEARCH_STEPS = 12  # halvings of that reach: contact found to 0.1 mm


def lean_into_contact(target: ObjectGeometry, matrix: np.ndarray, target_mesh: WorldMesh,
                      base_mesh: WorldMesh, axis: int) -> np.ndarray:
    """The candidate `matrix` of a target leaning towards its base (its canonical `axis`, the
    one it stands on end along, tilted from world up) slid horizontally the way its top leans
    until its mesh touches the base's: the model's lean touches the base's box, and a real
    armchair's seat front is set back from its armrests. Its lowest point is first set on the
    floor the base stands on when it is near it (the lean's floor contact is checked to a
    couple of centimetres). Unchanged when it stands upright; not slid when it touches already
    or nothing of the base lies within LEAN_REACH_M that way."""
    placed = ObjectGeometry(matrix, target.bbox_min, target.bbox_max, target.up, target.front)
    along = object_frame(placed).pose.rotation[:, axis]
    along = along * np.sign(along[2] + 1e-12)
    way = np.array([along[0], along[1], 0.0])
    if np.linalg.norm(way) < np.sin(np.radians(2.0)):
        return matrix
    way /= np.linalg.norm(way)
    matrix = matrix.copy()  # standing on the floor the base stands on, not a centimetre in it
    low, high = target_mesh.moved(matrix).bounds
    height, drop = float(high[2] - low[2]), float(low[2] - base_mesh.bounds[0][2])
    if abs(drop) <= max(SETTLE_MIN_M, SETTLE_RANGE * height):
        matrix[2, 3] -= drop

    def hits(distance: float) -> bool:
        moved = matrix.copy()
        moved[:3, 3] += way * distance
        return interpenetration(target_mesh.moved(moved), base_mesh,
                                tolerance=CONTACT_TOLERANCE).colliding

    if hits(0.0) or not hits(LEAN_REACH_M):
        return matrix  # set on the floor only
    free, blocked = 0.0, LEAN_REACH_M
    for _ in range(LEAN_SEARCH_STEPS):
        middle = (free + blocked) / 2
        free, blocked = (free, middle) if hits(middle) else (middle, blocked)
    slid = matrix.copy()
    slid[:3, 3] += way * free
    return slid


def lean_axis(prompt: str, base_category: str, target_category: str) -> int | None:
    """The target's stand axis when the prompt's words ask it to lean against the base (and
    its category tells that axis), else None."""
    check = relation_check(prompt, base_category, target_category)
    if check is None or check.family != "leaning_against" or check.target.name == "object":
        return None
    return stand_axis(check.target)


@dataclass
class CandidateSet:
    key: tuple  # (request key, seed, count, keep_size)
    target_name: str
    previous_matrix: np.ndarray  # the target's world matrix before the apply
    phi: np.ndarray  # (K, 15) as sampled, best first
    applied_phi: np.ndarray  # (K, 15) of the world matrices (after settling onto the base)
    matrices: np.ndarray  # (K, 4, 4) target world matrices, best first
    colliding: np.ndarray  # (K,) bool
    supported: np.ndarray  # (K,) bool
    penalties: np.ndarray  # (K,)
    nfe: int = 0
    notes: list[str] = field(default_factory=list)
    axes: dict = field(default_factory=dict)  # object name -> the ObjectAxes the request used

    def __len__(self) -> int:
        return len(self.phi)


def candidate_key(request: RelationRequest, seed: int, count: int, keep_size: bool) -> tuple:
    return (request.key, int(seed), int(count), bool(keep_size))


# A pour needs the spout a few centimetres above the receiver's rim; the model places it higher
# (7-15 cm, measured: tools/eval_pours.py) and tips bottles like teapots (50-60 degrees). A
# bottle or carton is first tipped past horizontal about its mouth; then a tilted pourer whose
# spout is over the base and higher than POUR_HIGHEST is lowered to the first of POUR_HEIGHTS
# that does not collide.
POUR_HIGHEST = 0.06
POUR_HEIGHTS = (0.03, 0.045, 0.06)


def _spout_point(request: RelationRequest, matrix: np.ndarray) -> np.ndarray:
    geometry = request.target.geometry
    pose = object_frame(ObjectGeometry(matrix, geometry.bbox_min, geometry.bbox_max, geometry.up,
                                       geometry.front)).pose
    category = library_category(request.target.category)
    spout = category.part("spout") if category is not None else DEFAULT_PARTS["spout"]
    return pose.center + pose.rotation @ (np.asarray(spout, dtype=np.float64) * pose.size)


MOUTH_TILT_DEG = 110.0  # a bottle or carton pours from its top only tipped past horizontal
# A spout point this high in the unit box, and no further out than MOUTH_OFF_CENTRE, is a mouth
# on top (bottle, carton); a jug's spout (0, .45, .5) sits at the front rim instead.
TOP_MOUTH, MOUTH_OFF_CENTRE = 0.45, 0.35


def _tilted_past_horizontal(request: RelationRequest, matrix: np.ndarray) -> np.ndarray:
    """A pourer that pours from its top (a bottle, a carton) turned about its mouth until it is
    tipped MOUTH_TILT_DEG from upright, towards the side it already leans to."""
    category = library_category(request.target.category)
    spout = category.part("spout") if category is not None else DEFAULT_PARTS["spout"]
    geometry = request.target.geometry
    up = object_frame(ObjectGeometry(matrix, geometry.bbox_min, geometry.bbox_max, geometry.up,
                                     geometry.front)).pose.rotation[:, 1]
    axis = np.cross([0.0, 0.0, 1.0], up)
    on_top = spout[1] >= TOP_MOUTH and max(abs(spout[0]), abs(spout[2])) <= MOUTH_OFF_CENTRE
    if not on_top or np.linalg.norm(axis) < 1e-6:
        return matrix
    tilt = float(np.degrees(np.arccos(np.clip(up[2], -1.0, 1.0))))
    if tilt >= MOUTH_TILT_DEG:
        return matrix
    turn = np.eye(4)
    turn[:3, :3] = Matrix.Rotation(np.radians(MOUTH_TILT_DEG - tilt), 3,
                                   Vector(axis / np.linalg.norm(axis))).to_3x3()
    mouth = _spout_point(request, matrix)
    to_mouth, back = np.eye(4), np.eye(4)
    to_mouth[:3, 3], back[:3, 3] = -mouth, mouth
    return back @ turn @ to_mouth @ matrix


def lower_pour(request: RelationRequest, matrix: np.ndarray, target_mesh: WorldMesh,
               base_mesh: WorldMesh) -> np.ndarray:
    """For a pour (the prompt pours, the pourer is tilted): the spout brought down to a few
    centimetres above the base's top when it is over the base and higher; unchanged when that
    would make the pourer collide with the base, or when it is no pour."""
    if part_the_prompt_needs(request.prompt) != "spout" or _upright(request.target.geometry,
                                                                     matrix):
        return matrix
    matrix = _tilted_past_horizontal(request, matrix)
    spout = _spout_point(request, matrix)
    lo, hi = base_mesh.bounds
    if np.any(spout[:2] < lo[:2]) or np.any(spout[:2] > hi[:2]):
        return matrix  # not over the base: lowering would not make it pour
    above = float(spout[2] - hi[2])
    if above <= POUR_HIGHEST:
        return matrix
    for height in POUR_HEIGHTS:
        lowered = matrix.copy()
        lowered[2, 3] -= above - height
        if not interpenetration(target_mesh.moved(lowered), base_mesh,
                                tolerance=CONTACT_TOLERANCE).colliding:
            return lowered
    return matrix


def build_candidate_set(request: RelationRequest, phi: np.ndarray, base_mesh: WorldMesh,
                        target_mesh: WorldMesh, seed: int, keep_size: bool, nfe: int = 0
                        ) -> CandidateSet:
    """World matrices for every sampled phi, ranked: without collisions first, then keeping the
    relation the prompt's words state, then by mesh penalty, then in the model's order."""
    policy = ScalePolicy.KEEP if keep_size else ScalePolicy.ASPECT
    target = request.target.geometry
    matrices = np.stack([
        lower_pour(request, settle_on_base(target, place_target(request.base.geometry, target,
                                                                p, policy),
                                           target_mesh, base_mesh), target_mesh, base_mesh)
        for p in phi])
    lean = lean_axis(request.prompt, request.base.category, request.target.category)
    if lean is not None:  # "a guitar leaning against the armchair": against its mesh
        matrices = np.stack([lean_into_contact(target, m, target_mesh, base_mesh, lean)
                             for m in matrices])
    colliding, supported, penalties = [], [], []
    for matrix in matrices:
        moved = target_mesh.moved(matrix)
        colliding.append(interpenetration(moved, base_mesh, tolerance=CONTACT_TOLERANCE).colliding)
        supported.append(is_supported(moved, base_mesh))
        penalties.append(rank_penalty(moved, base_mesh, tolerance=CONTACT_TOLERANCE))
    penalties = np.asarray(penalties, dtype=np.float64)
    geometry = request.target.geometry
    applied = np.stack([extract_relation(request.base.geometry, ObjectGeometry(
        m, geometry.bbox_min, geometry.bbox_max, geometry.up, geometry.front)) for m in matrices])
    # Clean before colliding, then those that keep what the prompt's words state
    # (language/relation_check.py), then by mesh penalty; the model's order breaks ties.
    check = relation_check(request.prompt, request.base.category, request.target.category)
    kept = check.passes(phi) if check is not None else np.ones(len(phi), dtype=bool)
    order = np.lexsort((np.arange(len(phi)), penalties, ~kept, np.asarray(colliding)))
    return CandidateSet(
        key=candidate_key(request, seed, len(phi), keep_size),
        target_name=request.target.name,
        previous_matrix=np.asarray(request.target.geometry.world_matrix),
        phi=phi[order], applied_phi=applied[order], matrices=matrices[order],
        colliding=np.asarray(colliding)[order], supported=np.asarray(supported)[order],
        penalties=penalties[order], nfe=nfe,
        axes={request.base.name: request.base.axes, request.target.name: request.target.axes},
    )


class CandidateCache:
    """The latest candidate set per target object, for redo and Next/Previous Candidate."""

    def __init__(self):
        self._by_target: dict[str, CandidateSet] = {}

    def get(self, key: tuple) -> CandidateSet | None:
        for candidates in self._by_target.values():
            if candidates.key == key:
                return candidates
        return None

    def latest(self, target_name: str) -> CandidateSet | None:
        return self._by_target.get(target_name)

    def put(self, candidates: CandidateSet) -> None:
        self._by_target[candidates.target_name] = candidates

    def clear(self) -> None:
        self._by_target.clear()


CACHE = CandidateCache()
