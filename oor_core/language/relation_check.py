"""Sampled candidates checked against the relation a prompt's words state.

The model ranks its candidates by how likely it finds them (model/ranking.py), and on pairs it
never saw it sometimes finds the mirrored side likelier: the mouse "to the left of" the laptop
on its right, the ball "under" the desk on top. When the prompt's words say plainly which of the
mirror-prone relations it asks for (language/relation_reader.py), the library's own predicate for
that relation (relations/fam_*.py, the same geometry the training data was drawn from) tells the
candidates that keep it from those that break it, and the ones that keep it rank first (each
group in the model's order). Nothing
changes when the words say nothing plain, when no candidate keeps it, or when the objects'
library categories make the words mean another relation (a clock "on" the wall is mounted, a
lid "on" the pot covers it, a plate "on" a plate is stacked, a chair "at the side of" a table
is drawn up to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..relations.categories import Category
from ..relations.category_table import library_category
from ..relations.context_rules import TABLE_LIKE
from ..relations.families import FAMILIES
from .mentions import mark_roles
from .relation_reader import PLAIN_WORDS, read_relation
from .surface_places import read_place

# An object of no library category: a plain box with the library's default parts (its top is
# its support, 7 % of its height under it is the slab of a table).
_ANY = Category(name="object", kind="object", room="any", size=((0.01, 10.0),) * 3, shape="box",
                tags=frozenset())
# Targets that rest "on" nothing: hung, mounted, lids, pens at work.
_NOT_RESTING = frozenset({"pendant", "wallitem", "lid", "writer"})


@dataclass(frozen=True)
class RelationCheck:
    family: str
    base: Category
    target: Category
    words: str

    def plain_prompt(self, target_name: str, base_name: str) -> str:
        """The relation in its plainest words, for the two objects ("the book under the
        chair")."""
        return PLAIN_WORDS[self.family].format(T=f"the {target_name}", B=f"the {base_name}")

    def passes(self, phi) -> np.ndarray:
        """(K,) bool: which candidates (K, 15) keep the relation; degenerate ones do not."""
        phi = np.atleast_2d(np.asarray(phi, dtype=np.float64))
        ok = np.zeros(len(phi), dtype=bool)
        good = np.isfinite(phi).all(-1)
        if good.any():
            try:
                ok[good] = FAMILIES[self.family].accept(phi[good], self.base, self.target)
            except ValueError:  # a degenerate rotation among them: check one by one
                for i in np.flatnonzero(good):
                    try:
                        ok[i] = bool(FAMILIES[self.family].accept(phi[i:i + 1], self.base,
                                                                   self.target)[0])
                    except ValueError:
                        ok[i] = False
        return ok


@lru_cache(maxsize=4096)
def relation_check(prompt: str, base_name: str, target_name: str) -> RelationCheck | None:
    """The check for one (prompt, base, target) query, or None when its words state none of
    the relations the reader knows, or state one the objects make into another."""
    reading = read_relation(mark_roles(read_place(prompt)[0], target_name, base_name))
    if reading is None:
        return None
    base, target = _category(base_name), _category(target_name)
    if reading.family == "on" and not _can_rest_on(base, target):
        return None
    if reading.family == "next_to" and "seat" in target.tags and TABLE_LIKE(base):
        return None  # a chair "at the side of" a table is drawn up to it (around)
    return RelationCheck(reading.family, base, target, reading.words)


def _category(name: str) -> Category:
    return library_category(name) or _ANY


def _can_rest_on(base: Category, target: Category) -> bool:
    if base is not _ANY and not base.tags & {"surface", "seat"}:  # a wall, a coat rack, a sink
        return False
    if target.tags & _NOT_RESTING:
        return False
    return not ("stack" in base.tags and "stack" in target.tags and base.kind == target.kind)


def keeps(prompts, base_names, target_names, phi: np.ndarray) -> np.ndarray:
    """(Q, K) bool: which candidates phi (Q, K, 15) keep the relation their query's words state
    (all of them where the words state none)."""
    out = np.ones(phi.shape[:2], dtype=bool)
    for q, (prompt, base, target) in enumerate(zip(prompts, base_names, target_names,
                                                   strict=True)):
        check = relation_check(prompt, base, target)
        if check is not None:
            out[q] = check.passes(phi[q])
    return out


def checked_order(energy: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Candidate indices best first: those that keep the stated relation, then the others, each
    group by ranking energy (lower first)."""
    return np.lexsort((np.asarray(energy, dtype=np.float64), ~np.asarray(kept, dtype=bool)))
