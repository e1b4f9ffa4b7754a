# SPDX-License-Identifier: GPL-3.0-or-later
"""The sidebar's relation list as a scene graph: checked before any work is done."""

from __future__ import annotations

from dataclasses import dataclass

from ..oor_core.scene.scene_graph import SceneGraphError, validate_scene_graph
from .request import RequestError, check_prompt


@dataclass(frozen=True)
class RelationRow:
    base: object  # bpy Object
    target: object
    prompt: str


def enabled_rows(settings) -> list[RelationRow]:
    """The enabled rows, or RequestError naming the first incomplete one (rows count from 1)."""
    rows = []
    for number, row in enumerate(settings.relations, 1):
        if not row.enabled:
            continue
        if row.base is None or row.target is None:
            role = "base" if row.base is None else "target"
            raise RequestError(f"Relation {number} has no {role} object (it may have been "
                               "deleted); pick one or disable the row")
        try:
            prompt = check_prompt(row.prompt)
        except RequestError as error:
            raise RequestError(f"Relation {number} ('{row.base.name}' -> '{row.target.name}'): "
                               f"{error}") from None
        rows.append(RelationRow(row.base, row.target, prompt))
    if not rows:
        raise RequestError("The relation list has no enabled rows; add one from the selection")
    return rows


def connected_groups(rows: list[RelationRow]) -> list[list[RelationRow]]:
    """The rows split into groups that share no object ("a towel on the rack and a soap dish on
    the sink": two), each in the rows' order, groups in the order of their first rows; each
    group is arranged as its own scene around its own root."""
    groups: list[tuple[set, list[int]]] = []  # (object names, row indices)
    for index, row in enumerate(rows):
        names = {row.base.name, row.target.name}
        joined = [g for g in groups if g[0] & names]
        groups = [g for g in groups if not g[0] & names]
        groups.append((names.union(*(g[0] for g in joined)),
                       sorted([i for g in joined for i in g[1]] + [index])))
    return [[rows[i] for i in indices] for _, indices in sorted(groups, key=lambda g: g[1][0])]


def check_graph(rows: list[RelationRow]) -> tuple[str, list[str]]:
    """(root name, node names in placement order) or RequestError naming the problem."""
    try:
        return validate_scene_graph([(r.base.name, r.target.name) for r in rows])
    except SceneGraphError as error:
        raise RequestError(f"The relation list is not a scene graph: {error}") from None


def fill_relation_list(settings, rows: list[RelationRow]) -> None:
    """The sidebar's relation list replaced by `rows` (Describe Scene, Suggest Relations)."""
    settings.relations.clear()
    for row in rows:
        item = settings.relations.add()
        item.base, item.target, item.prompt = row.base, row.target, row.prompt
    settings.active_relation = 0
