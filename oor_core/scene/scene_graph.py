"""Scenes as DAGs of pairwise relations: validation and poses through parent paths.

Edges go base (parent) -> target (child). Every node's box can be expressed in the root's
instance canonical space by composing phi along any path from the root; with several parents the
paths disagree, which is what the inconsistency loss of the multi-object sampler measures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..geometry.box_pose import BoxPose, compose
from ..geometry.oor_vector import BASE_SCALE


class SceneGraphError(ValueError):
    """The relations do not form a connected DAG with one root."""


@dataclass(frozen=True)
class PathPose:
    path: tuple[str, ...]  # root ... node
    pose: BoxPose  # the node's box in the root's instance canonical space


def _topological_order(nodes: list[str], edges: list[tuple[str, str]]) -> list[str]:
    children: dict[str, list[str]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for parent, child in edges:
        children[parent].append(child)
        indegree[child] += 1
    ready = [n for n in nodes if indegree[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in children[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(nodes):
        cyclic = sorted(n for n in nodes if indegree[n] > 0)
        raise SceneGraphError(f"the relations form a cycle through: {', '.join(cyclic)}")
    return order


def validate_scene_graph(edges: Iterable[tuple[str, str]]) -> tuple[str, list[str]]:
    """Check a list of (base, target) edges; return (root, nodes in topological order)."""
    edges = list(edges)
    if not edges:
        raise SceneGraphError("there are no relations")
    for parent, child in edges:
        if parent == child:
            raise SceneGraphError(f"'{parent}' cannot be related to itself")
    duplicates = {e for e in edges if edges.count(e) > 1}
    if duplicates:
        pair = sorted(duplicates)[0]
        raise SceneGraphError(f"the relation '{pair[0]}' -> '{pair[1]}' is given twice")
    nodes = list(dict.fromkeys(n for edge in edges for n in edge))
    order = _topological_order(nodes, edges)
    roots = [n for n in nodes if all(child != n for _, child in edges)]
    if len(roots) > 1:
        raise SceneGraphError(
            "the relations must have one root object that stays in place; found "
            f"{len(roots)}: {', '.join(roots)} (relate them, or arrange them separately)"
        )
    return roots[0], order


def reachable(edges: Iterable[tuple[str, str]], start: str) -> list[str]:
    """Every object placed relative to `start`, directly or not; `start` itself not
    included."""
    edges = list(edges)
    found, queue = [], [start]
    while queue:
        current = queue.pop()
        for parent, child in edges:
            if parent == current and child not in found and child != start:
                found.append(child)
                queue.append(child)
    return found


def anchoring_edges(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(main root, other root) for every object beyond one that no relation places, so that
    the scene has one root while all of them stay where they are ("the lamp on the desk behind
    the laptop": the desk and the laptop). The main root is the one with the most objects
    placed relative to it, directly or not; a tie goes to the one named first. Empty when the
    edges have one root (or none: a cycle, which validate_scene_graph names)."""
    edges = list(edges)
    nodes = list(dict.fromkeys(n for edge in edges for n in edge))
    roots = [n for n in nodes if all(child != n for _, child in edges)]
    if len(roots) < 2:
        return []
    main = max(roots, key=lambda r: (len(reachable(edges, r)), -roots.index(r)))
    return [(main, other) for other in roots if other != main]


def root_pose(root_base_scale) -> BoxPose:
    """The root's own box in its instance canonical space: centred, axis-aligned, size s_B."""
    return BoxPose(np.eye(3), np.zeros(3), np.asarray(root_base_scale, dtype=np.float64))


def poses_through_paths(edges: Mapping[tuple[str, str], np.ndarray],
                        max_paths: int = 64) -> dict[str, list[PathPose]]:
    """Every node's box in the root's frame, once per parent path (root's s_B from its edges).

    The root's size is the mean s_B of the edges leaving it; a child's pose through a parent is
    composed from the parent's pose through each of the parent's own paths.
    """
    root, order = validate_scene_graph(edges.keys())
    root_scales = [np.asarray(phi)[BASE_SCALE] for (p, _), phi in edges.items() if p == root]
    poses: dict[str, list[PathPose]] = {root: [PathPose((root,), root_pose(np.mean(root_scales,
                                                                                  axis=0)))]}
    for node in order[1:]:
        found = []
        for (parent, child), phi in edges.items():
            if child != node:
                continue
            for parent_path in poses[parent]:
                found.append(PathPose((*parent_path.path, node), compose(parent_path.pose, phi)))
        if len(found) > max_paths:
            raise SceneGraphError(f"'{node}' is reached through more than {max_paths} paths")
        poses[node] = found
    return poses
