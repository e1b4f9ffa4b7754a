"""One pose for an object that several relations place ("a glass on the table" and "a glass
next to the plate"): the one the model finds most likely for all of them.

Joint sampling pulls the poses an object gets through its parents together (the inconsistency
guidance), but not always all the way. Averaging what is left puts the glass halfway between
where the table put it and where the plate put it, beside neither. Instead each candidate
takes, per object with several parents, the pose of one of its parent paths (or their mean),
whichever gives the lowest summed model energy over the object's incoming relations, and those
relations are rewritten to agree with it, so the result is one consistent layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..geometry.box_pose import BoxPose, compose, relative_phi
from ..geometry.oor_vector import SCALES
from .scene_graph import poses_through_paths, validate_scene_graph
from .scene_graph_torch import project_to_so3

EnergyFn = Callable[[np.ndarray], np.ndarray]  # (E, K, 15) phi -> (E, K) energies


def mean_pose(poses: Sequence[BoxPose]) -> BoxPose:
    """The mean box of an object's poses through its parent paths, rotation on SO(3)."""
    rotation = project_to_so3(torch.from_numpy(
        np.mean([p.rotation for p in poses], axis=0))).numpy()
    return BoxPose(rotation, np.mean([p.center for p in poses], axis=0),
                   np.mean([p.size for p in poses], axis=0))


def agree_on_likeliest_paths(keys: Sequence[tuple[str, str]], phi: np.ndarray,
                             energy: EnergyFn, fixed: np.ndarray | None = None) -> np.ndarray:
    """(E, K, 15) phi in which every object with several parents is placed, per candidate, by
    the likeliest of its parent paths (or their mean), its incoming relations rewritten to
    match. `fixed` (E,) marks relations that must not change: an object one of them places keeps
    that pose."""
    keys = list(keys)
    _root, order = validate_scene_graph(keys)
    incoming = {node: [e for e, (_p, c) in enumerate(keys) if c == node] for node in order}
    fixed = np.zeros(len(keys), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    phi = np.array(phi, dtype=np.float64, copy=True)
    for node in order:
        rows = incoming[node]
        if len(rows) < 2:
            continue
        # Shared by every option below (the parents come earlier in the order, so agree).
        placed = _where_placed(keys, phi, node, rows)
        sources = [e for e in rows if fixed[e]] or [*rows, None]  # None: the paths' mean
        options = [_placed_by(phi, rows, placed, source) for source in sources]
        totals = np.stack([energy(option)[rows].sum(0) for option in options])  # (S, K)
        best = np.argmin(totals, axis=0)
        for k, choice in enumerate(best):
            phi[:, k] = options[choice][:, k]
    return phi


def follow_leading_relations(keys: Sequence[tuple[str, str]], phi: np.ndarray,
                             leading: Sequence[int]) -> np.ndarray:
    """(E, K, 15) phi in which every object that a `leading` relation places sits where that
    relation puts it, its other incoming relations rewritten to match (speakers laid out at
    either side of the monitor: their relations to the desk follow, rather than pulling them
    halfway back to where the desk's relations had put them)."""
    keys = list(keys)
    _root, order = validate_scene_graph(keys)
    lead = {keys[e][1]: e for e in leading}
    phi = np.array(phi, dtype=np.float64, copy=True)
    for node in order:
        rows = [e for e, (_p, c) in enumerate(keys) if c == node]
        if node not in lead or len(rows) < 2:
            continue
        phi = _placed_by(phi, rows, _where_placed(keys, phi, node, rows), lead[node])
    return phi


def _where_placed(keys, phi: np.ndarray, node: str, rows: list[int]) -> list:
    """Per candidate: the node's parents' poses by incoming relation (`rows`) and the mean of
    the node's poses through its parent paths, in the root's frame."""
    placed = []
    for k in range(phi.shape[1]):
        paths = poses_through_paths({key: phi[e, k] for e, key in enumerate(keys)})
        placed.append(({e: mean_pose([p.pose for p in paths[keys[e][0]]]) for e in rows},
                       mean_pose([p.pose for p in paths[node]])))
    return placed


def _placed_by(phi: np.ndarray, rows: list[int], placed: list, source: int | None):
    """phi with a node's incoming relations `rows` rewritten so that it sits where relation
    `source` put it (None: the mean of its parent paths); `placed` holds, per candidate, its
    parents' poses by relation and that mean."""
    option = phi.copy()
    for k, (parents, mean) in enumerate(placed):
        pose = mean if source is None else compose(parents[source], phi[source, k])
        for e in rows:
            if e != source:
                option[e, k] = relative_phi(parents[e], pose)
                option[e, k, SCALES] = phi[e, k, SCALES]  # the known sizes stay exact
    return option
