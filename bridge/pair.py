# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply Relation as one pipeline shared by the operators and the batch script.

    request  = build_request(base, target, prompt)           main thread (reads bpy)
    phi, nfe = sample_phi(model, request, seed, count, ...)  any thread (torch only)
    set      = rank_candidates(request, phi, ...)            main thread (BVH on meshes)
    apply_candidate(target, set, index)                      main thread (writes bpy)
"""

from __future__ import annotations

import bpy
import numpy as np

from ..oor_core.errors import SamplingError
from .candidates import CACHE, CandidateSet, build_candidate_set, candidate_key
from .frames import remember_axes
from .meshes import WorldMesh
from .objects import unchanged_on_error, write_world_matrix
from .request import RelationRequest, RequestError

PREVIOUS_MATRIX_KEY = "oor_previous_matrix"  # custom property: the pose before the last apply


def sample_phi(model, request: RelationRequest, seed: int, count: int, keep_size: bool):
    """(phi (K, 15) in model rank order, number of function evaluations). Torch only."""
    known = request.known_scales if keep_size else None
    try:
        candidates = model.sample(request.prompt, request.base.category,
                                  request.target.category, known_scales=known,
                                  num_candidates=count, seed=seed)
    except SamplingError as error:
        raise RequestError(f"The model failed on '{request.prompt}' ({error}); nothing was "
                           "changed") from None
    phi = np.asarray(candidates.phi, dtype=np.float64)
    if not np.all(np.isfinite(phi)):
        raise RequestError(f"The model returned NaN or infinite values for '{request.prompt}'; "
                           "nothing was changed")
    return phi, int(candidates.nfe)


def meshes_for(base, target, depsgraph):
    return (WorldMesh.from_object(base, depsgraph), WorldMesh.from_object(target, depsgraph))


def rank_candidates(request: RelationRequest, phi, base, target, depsgraph, seed: int,
                    keep_size: bool, nfe: int = 0) -> CandidateSet:
    base_mesh, target_mesh = meshes_for(base, target, depsgraph)
    candidates = build_candidate_set(request, phi, base_mesh, target_mesh, seed, keep_size, nfe)
    CACHE.put(candidates)
    return candidates


def candidates_for(model_getter, request: RelationRequest, base, target, depsgraph, seed: int,
                   count: int, keep_size: bool) -> tuple[CandidateSet, bool]:
    """Cached candidates when this exact problem was sampled before, else sample now.

    Returns (candidates, from_cache). `model_getter()` is only called on a cache miss.
    """
    cached = CACHE.get(candidate_key(request, seed, count, keep_size))
    if cached is not None:
        return cached, True
    phi, nfe = sample_phi(model_getter(), request, seed, count, keep_size)
    return rank_candidates(request, phi, base, target, depsgraph, seed, keep_size, nfe), False


def apply_candidate(target, candidates: CandidateSet, index: int) -> str:
    """Move the target to candidate `index` (wrapped); returns a one-line summary."""
    index %= len(candidates)
    with unchanged_on_error([target], (PREVIOUS_MATRIX_KEY,)):
        target[PREVIOUS_MATRIX_KEY] = [float(v) for v in candidates.previous_matrix.flatten()]
        write_world_matrix(target, candidates.matrices[index])
    for name, axes in candidates.axes.items():  # applied: first detections become records
        remember_axes(bpy.data.objects.get(name), axes)
    state = "collides with the base" if candidates.colliding[index] else "clean"
    if candidates.supported[index] and not candidates.colliding[index]:
        state = "resting on the base"
    return f"candidate {index + 1}/{len(candidates)} ({state})"


def restore_previous(target) -> bool:
    """Back to the pose before the last apply; False when there is none."""
    stored = target.get(PREVIOUS_MATRIX_KEY)
    if stored is None or len(stored) != 16:
        return False
    with unchanged_on_error([target], (PREVIOUS_MATRIX_KEY,)):
        write_world_matrix(target, np.array(stored, dtype=np.float64).reshape(4, 4))
        del target[PREVIOUS_MATRIX_KEY]
    return True
