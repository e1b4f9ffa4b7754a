"""Suggest Relations: the typical relation of each object to the others, without any text.

What the relation library knows decides: its context rules say which families a (base, target)
pair of categories is built for (a teapot pours into a teacup, a monitor stands on a desk,
chairs go around a table). Each object gets one base among the objects at least as large as it
(so the suggestions form a graph with the largest object as its root), scored by

- how typical the family is when the library allows it (functional uses such as pouring first,
  then containers and supports, then arrangements side by side), and
- how close the base is in size among those that allow it (a cup on its saucer rather than on
  the table);

objects no rule pairs with anything go next to the largest object. Rows are ranked by score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..relations.category_table import CATEGORIES
from ..relations.context_rules import RULES
from ..relations.templates import TEMPLATES
from .describe import SceneThing

# How typical a family is as *the* relation of an object when the library allows it.
FAMILY_WEIGHT = {
    "pouring_into": 6.0, "cutting": 5.0, "slicing": 5.0, "stirring": 5.0, "scooping": 5.0,
    "sprinkling_over": 4.5, "plugging_into": 4.5, "writing_on": 4.0, "drawing_on": 4.0,
    "in": 3.6, "inside": 3.5, "covering": 3.4, "hanging_on": 3.3, "mounted_above": 3.2,
    "mounted_on": 3.2, "on": 3.0, "stacked_on": 2.9, "around": 2.8, "lying_across": 2.5,
    "leaning_against": 2.4, "hanging_above": 2.3, "under": 2.0, "facing": 1.9,
    "in_front_of": 1.8, "next_to": 1.5, "aligned_with": 1.2, "behind": 1.1, "left_of": 1.0,
    "right_of": 1.0, "near": 0.8, "back_to_back": 0.5, "hitting": 0.3,
}
# Families whose base holds the target: never a base smaller than what it holds.
HOLDING = {"on", "in", "inside", "stacked_on", "hanging_on", "mounted_on"}
SIZE_WEIGHT = 0.4  # per unit of |log(base size / target size)|: the nearest fitting base wins


@dataclass(frozen=True)
class Suggestion:
    base: str
    target: str
    family: str
    prompt: str
    score: float


def _families(base: str, target: str) -> list[str]:
    b, t = CATEGORIES.get(base), CATEGORIES.get(target)
    if b is None or t is None:
        return []
    return sorted({rule.family for rule in RULES
                   if rule.base(b) and rule.target(t) and rule.pair(b, t)})


def _prompt(family: str, base: SceneThing, target: SceneThing) -> str:
    article = "an" if target.category[:1] in "aeiou" else "a"
    template = TEMPLATES[family][0].lstrip("!")
    text = template.format(T=f"{article} {target.category}", B=f"the {base.category}")
    return text[:1].upper() + text[1:].rstrip(".")


def _ancestors(name: str, parent: dict[str, str]) -> set[str]:
    seen = set()
    while name in parent and name not in seen:
        seen.add(name)
        name = parent[name]
    return seen | {name}


def suggest_relations(things: list[SceneThing]) -> list[Suggestion]:
    """One suggestion per object but the largest (the root, which stays), best first: the
    best-scored pairs are taken greedily, each object getting one base and no cycle forming,
    so the rows form one graph rooted at the largest object."""
    if len(things) < 2:
        return []
    root = max(things, key=lambda t: t.extent or 0.0)
    options = []
    for target in things:
        if target is root:
            continue
        for base in things:
            if base is target:
                continue
            ratio = abs(math.log(max(base.extent or 1.0, 1e-3) /
                                 max(target.extent or 1.0, 1e-3)))
            larger = (target.extent or 0.0) > 1.1 * (base.extent or 0.0) > 0.0
            for family in _families(base.category, target.category):
                if family in HOLDING and larger:
                    continue
                options.append((FAMILY_WEIGHT.get(family, 1.0) - SIZE_WEIGHT * ratio,
                                base, target, family))
    options.sort(key=lambda o: -o[0])
    parent: dict[str, str] = {}
    chosen: dict[str, tuple] = {}
    for score, base, target, family in options:
        if target.name in chosen or target.name in _ancestors(base.name, parent):
            continue  # has its base already, or would close a cycle
        parent[target.name] = base.name
        chosen[target.name] = (score, base, family)
    suggestions = []
    for target in things:
        if target is root:
            continue
        score, base, family = chosen.get(target.name, (0.0, root, "next_to"))
        suggestions.append(Suggestion(base.name, target.name, family,
                                      _prompt(family, base, target), round(score, 3)))
    return sorted(suggestions, key=lambda s: -s.score)
