"""What a description implies without saying it: "the desk lamp stands on the desk behind the
laptop" puts the laptop on the desk too, "two speakers on the desk, one on each side of the
monitor" the monitor.

An object that no clause places, named only as the reference of a side relation (behind, in
front of, left of, right of, next to, near) of an object that stands on a support, stands on
that support: the lamp cannot be both on the desk and behind a laptop on the floor. Only for
objects that can rest on that support (language/relation_check.py's reading of "on": not a clock
on a desk, not a chair on a table) and never where the support itself is placed relative to
the object (that would make a cycle). Whether the object already stands there is the scene's to
say (bridge/describe.py keeps it where it is then).
"""

from __future__ import annotations

from .relation_check import relation_check

SIDE_FAMILIES = frozenset({"left_of", "right_of", "in_front_of", "behind", "next_to", "near"})


def implied_supports(relations, categories: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(support, object, prompt, clause) for every object the description puts on a support
    without a clause of its own. `relations`: the read relations (base, target, prompt,
    clause); `categories`: object name -> category ('' when unknown)."""
    placed = {r.target for r in relations}
    pairs = [(r.base, r.target) for r in relations]
    found: list[tuple[str, str, str, str]] = []
    for beside in relations:
        reference = beside.base
        if reference in placed or any(f[1] == reference for f in found):
            continue
        if _family(beside, categories) not in SIDE_FAMILIES:
            continue
        for on in relations:
            support = on.base
            if on.target != beside.target or support == reference \
                    or _family(on, categories) != "on" \
                    or reference in _ancestors(pairs, support):
                continue
            prompt = f"The {_called(reference, categories)} on the {_called(support, categories)}"
            check = relation_check(prompt, _called(support, categories),
                                   _called(reference, categories))
            if check is not None and check.family == "on":
                found.append((support, reference, prompt, beside.clause))
                break
    return found


def _family(relation, categories: dict[str, str]) -> str | None:
    check = relation_check(relation.prompt, _called(relation.base, categories),
                           _called(relation.target, categories))
    return None if check is None else check.family


def _called(name: str, categories: dict[str, str]) -> str:
    """How a prompt names the object: its category's name, else its own name."""
    return (categories.get(name) or name).replace("_", " ")


def _ancestors(pairs: list[tuple[str, str]], name: str) -> set[str]:
    """Every object that `name` is placed relative to, directly or not (language sits below
    the scene layer, whose scene_graph.reachable walks the other way for the same)."""
    found, queue = set(), [name]
    while queue:
        current = queue.pop()
        for base, target in pairs:
            if target == current and base not in found:
                found.add(base)
                queue.append(base)
    return found
