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

from .mesh_checks import WorldMesh, interpenetration, is_supported, rank_penalty
from .oor_core.placement import ScalePolicy, place_target
from .relation_request import RelationRequest

CONTACT_TOLERANCE = 0.002  # 2 mm: closer than this counts as touching, deeper as colliding


@dataclass
class CandidateSet:
    key: tuple  # (request key, seed, count, keep_size)
    target_name: str
    previous_matrix: np.ndarray  # the target's world matrix before the apply
    phi: np.ndarray  # (K, 15), best first
    matrices: np.ndarray  # (K, 4, 4) target world matrices, best first
    colliding: np.ndarray  # (K,) bool
    supported: np.ndarray  # (K,) bool
    penalties: np.ndarray  # (K,)
    nfe: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.phi)


def candidate_key(request: RelationRequest, seed: int, count: int, keep_size: bool) -> tuple:
    return (request.key, int(seed), int(count), bool(keep_size))


def build_candidate_set(request: RelationRequest, phi: np.ndarray, base_mesh: WorldMesh,
                        target_mesh: WorldMesh, seed: int, keep_size: bool, nfe: int = 0
                        ) -> CandidateSet:
    """World matrices for every sampled phi, ranked by mesh penalty then model order."""
    policy = ScalePolicy.KEEP if keep_size else ScalePolicy.ASPECT
    matrices = np.stack([place_target(request.base.geometry, request.target.geometry, p, policy)
                         for p in phi])
    colliding, supported, penalties = [], [], []
    for matrix in matrices:
        moved = target_mesh.moved(matrix)
        colliding.append(interpenetration(moved, base_mesh, tolerance=CONTACT_TOLERANCE).colliding)
        supported.append(is_supported(moved, base_mesh))
        penalties.append(rank_penalty(moved, base_mesh, tolerance=CONTACT_TOLERANCE))
    penalties = np.asarray(penalties, dtype=np.float64)
    order = np.lexsort((np.arange(len(phi)), penalties))  # stable: model order breaks ties
    return CandidateSet(
        key=candidate_key(request, seed, len(phi), keep_size),
        target_name=request.target.name,
        previous_matrix=np.asarray(request.target.geometry.world_matrix),
        phi=phi[order], matrices=matrices[order],
        colliding=np.asarray(colliding)[order], supported=np.asarray(supported)[order],
        penalties=penalties[order], nfe=nfe,
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
