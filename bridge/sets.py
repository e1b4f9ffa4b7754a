# SPDX-License-Identifier: GPL-3.0-or-later
"""Sets arranged as sets in Arrange Objects and batch scenes: the relation list's rows that share
a base and a prompt ("A chair around the dining table" four times, "A book on the shelf" three
times) are laid out as one pattern around the base or in rows on its top
(oor_core/scene/sets.py) in every candidate, each candidate another pattern; what is placed
relative to a member (a plate in front of each chair) follows its member."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from ..oor_core.geometry.oor_vector import BASE_SCALE
from ..oor_core.language.relation_check import relation_check
from ..oor_core.language.surface_places import read_place
from ..oor_core.relations.fam_common import support_region
from ..oor_core.scene.sets import (
    SIDES,
    around,
    free_length,
    group_within_support,
    in_front_on_base,
    into_free_end,
    is_beside,
    is_on_top,
    on_top,
)

# The base's sides a set beside it may use, by the relation its prompt's words state, and how
# the report says it; any other relation ("around the table", "near the sofa") uses all four.
# Members in front of or behind the base, or all round it, face it (stools at a counter); members
# at its left and right stand as sampled (nightstands either side of a bed face as it does).
_SIDES_OF = {"in_front_of": (("front",), True, "in front of"),
             "behind": (("back",), True, "behind"),
             "left_of": (("left",), False, "left of"), "right_of": (("right",), False, "right of"),
             "next_to": (("left", "right"), False, "beside")}


def sides_of(edge) -> tuple[tuple[str, ...], bool, str]:
    """(the base's sides a set sharing `edge`'s prompt may stand on, whether its members face
    the base, how the report says it): "Two chairs in front of the desk" the front alone, facing
    it; "a candle on each side of the vase" left and right."""
    check = relation_check(edge.prompt, edge.base_name, edge.target_name)
    return _SIDES_OF.get(check.family if check else "", (tuple(SIDES), True, "around"))


def shared_relations(request) -> list[list]:
    """Groups of two or more edges with one base and one prompt (case and article aside)."""
    groups: dict[tuple[str, str], list] = {}
    for edge in request.edges:
        if edge.key in request.fixed_phi:  # objects held where they are: never a set
            continue
        words = edge.prompt.lower().rstrip(".").split()
        if words and words[0] in ("a", "an", "the", "one"):
            words = words[1:]
        groups.setdefault((edge.base, " ".join(words)), []).append(edge)
    return [edges for edges in groups.values() if len(edges) > 1]


def with_set_patterns(request, result):
    """The sampled candidates with every set beside its base, or on its top, laid out as a
    pattern, and per candidate what was laid out ("4 around 'Dining Table': 2 front + 2 back",
    "3 on 'Shelf': a row of 3")."""
    beside, on = [], []
    for edges in shared_relations(request):
        sampled = np.concatenate([result.phi[e.key] for e in edges])
        sides, facing, where = sides_of(edges[0])
        if where != "around" or is_beside(sampled):  # words that name a side say beside
            beside.append((edges, partial(around, sides=sides, facing=facing), where))
        elif is_on_top(sampled) and read_place(edges[0].prompt)[1] is None:
            # rows with a place of their own ("a candle on a corner of the table") keep it
            on.append((edges, on_top, "on"))
    # An object in two sets ("two speakers on the desk, one on each side of the monitor") is
    # laid out by the first, beside sets before those on a top: where beside the monitor says
    # more than where on the desk.
    sets, taken = [], set()
    for found in beside + on:
        if not taken & {e.target for e in found[0]}:
            sets.append(found)
            taken |= {e.target for e in found[0]}
    if not sets:
        return result, [[] for _ in range(len(result))]
    phi = {key: values.copy() for key, values in result.phi.items()}
    said: list[list[str]] = [[] for _ in range(len(result))]
    candidates = len(result)
    laid_out = []  # the relations of the sets laid out, which place their members
    for edges, layout, where in sets:
        settings = _one_each(request, edges) if where != "on" else []
        others = _others_on_top(request, edges, taken) if where == "on" else []
        was_laid = False
        for k in range(candidates):
            members = np.stack([phi[e.key][k] for e in edges])
            laid, free = [], None
            if others:  # room left at one end for the vase beside the books
                free = free_length(np.stack([phi[o.key][k] for o in others]))
                laid = layout(members, candidates, *free)
            if not laid:
                laid, free = layout(members, candidates), None
            if not laid:
                break  # the base's sides (or top) hold fewer than the set: left as sampled
            if free is not None:
                moved = into_free_end(np.stack([phi[o.key][k] for o in others]), *free)
                for other, value in zip(others, moved, strict=True):
                    phi[other.key][k] = value
            if k == 0:
                laid_out += [request.keys.index(e.key) for e in edges]
                was_laid = True
            pattern, placed = laid[k % len(laid)]
            for edge, value in zip(edges, placed, strict=True):
                phi[edge.key][k] = value
            for member, item in settings:  # "a plate in front of each chair": on the table
                phi[item.key][k] = in_front_on_base(phi[member.key][k], phi[item.key][k])
            said[k].append(f"{len(edges)} {where} '{edges[0].base}': {pattern.describe()}"
                           + (f", one {settings[0][1].target_name} each" if settings else ""))
        if where != "on" and was_laid:
            _kept_on_support(request, phi, edges)
    from ..oor_core.scene.multi_object import consensus_poses  # torch: on first use
    from ..oor_core.scene.path_choice import follow_leading_relations

    keys = request.keys
    stacked = follow_leading_relations(keys, np.stack([phi[key] for key in keys]), laid_out)
    phi = {key: stacked[i] for i, key in enumerate(keys)}
    patterned = replace(result, phi=phi, poses=consensus_poses(keys, stacked))
    return patterned, said


def _others_on_top(request, members, taken) -> list:
    """Edges of the other objects that rest on the set's base and nothing else, with no place
    of their own and nothing placed relative to them ("a vase on the shelf" beside "three books
    on it"; not "a lamp on its left corner", not a monitor with a keyboard in front of it, not
    a member of another set)."""
    inside = {e.key for e in members}
    placed = [e.target for e in request.edges]
    return [e for e in request.edges
            if e.base == members[0].base and e.key not in inside and e.target not in taken
            and placed.count(e.target) == 1 and all(o.base != e.target for o in request.edges)
            and e.key not in request.fixed_phi and read_place(e.prompt)[1] is None
            and (check := relation_check(e.prompt, e.base_name, e.target_name)) is not None
            and check.family == "on"]


def _kept_on_support(request, phi, members) -> None:
    """The base of a set laid out beside it, when it rests on a support ("the monitor on the
    desk"), moved in every candidate so that it and the set stay on the support's top."""
    base = members[0].base
    for edge in request.edges:
        if edge.target != base or edge.key in request.fixed_phi:
            continue
        check = relation_check(edge.prompt, edge.base_name, edge.target_name)
        if check is None or check.family != "on":
            continue
        for k in range(len(phi[edge.key])):
            _, x0, x1, z0, z1 = support_region(check.base, phi[edge.key][k][None, BASE_SCALE])
            phi[edge.key][k] = group_within_support(
                phi[edge.key][k], np.stack([phi[m.key][k] for m in members]),
                (x0[0], x1[0], z0[0], z1[0]))
        return


def _one_each(request, members) -> list[tuple]:
    """(member edge, item edge) pairs when every member of the set has exactly one item placed
    relative to it with one shared prompt (a plate in front of each chair) and that item has no
    other base: such items are laid out with their members."""
    names = {edge.target: edge for edge in members}
    items = [e for e in request.edges if e.base in names]
    by_base = {}
    for edge in items:
        by_base.setdefault(edge.base, []).append(edge)
    prompts = {e.prompt.lower() for e in items}
    if len(by_base) != len(names) or any(len(v) != 1 for v in by_base.values()) or \
            len(prompts) != 1:
        return []
    bases_of = {}
    for edge in request.edges:
        bases_of.setdefault(edge.target, set()).add(edge.base)
    if any(len(bases_of[e.target]) != 1 for e in items):
        return []
    return [(names[e.base], e) for e in items]
