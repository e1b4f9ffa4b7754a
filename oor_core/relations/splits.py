"""Fixed evaluation splits over library contexts (documented in docs/DATASET.md).

- heldout_combo: every context of a (family, base kind, target kind) triple is held out, while the
  family, the base category and the target category each appear in other training contexts.
  The model has seen the relation and both objects, never together (nor similar objects together).
- heldout_category: a single context is held out while training keeps the same family with
  substitute categories of the same kinds (e.g. train 'kettle pours into mug', test 'teapot pours
  into teacup').
- train: everything else. Paraphrase hold-out is per prompt (templates.py '!' templates).
Selection walks contexts in content-hash order, so it does not depend on list order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from .category_table import CATEGORIES
from .context_rules import FEATURED
from .contexts import Context

COMBO_SHARE = 0.06
CATEGORY_SHARE = 0.07


def _h(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _kinds(ctx: Context) -> tuple[str, str, str]:
    return ctx.family, CATEGORIES[ctx.base].kind, CATEGORIES[ctx.target].kind


def assign_splits(contexts: list[Context] | tuple[Context, ...]) -> dict[str, str]:
    split = {c.id: "train" for c in contexts}
    featured = {"|".join(f) for f in FEATURED}  # what users try first is always learned
    groups: dict[tuple, list[Context]] = defaultdict(list)
    for c in contexts:
        groups[_kinds(c)].append(c)

    def train_uses(name: str, exclude: set[str]) -> int:
        return sum(1 for c in contexts if split[c.id] == "train" and c.id not in exclude
                   and name in (c.base, c.target))

    def train_family(family: str, exclude: set[str]) -> int:
        return sum(1 for c in contexts if split[c.id] == "train" and c.id not in exclude
                   and c.family == family)

    budget = int(COMBO_SHARE * len(contexts))
    held = 0
    for key in sorted(groups, key=lambda k: _h("combo|" + "|".join(k))):
        members = groups[key]
        if held + len(members) > budget or len(members) > 4 or featured & {c.id for c in members}:
            continue
        ids = {c.id for c in members}
        if train_family(key[0], ids) < 5:
            continue
        if all(train_uses(c.base, ids) and train_uses(c.target, ids) for c in members):
            for c in members:
                split[c.id] = "heldout_combo"
            held += len(members)

    budget = int(CATEGORY_SHARE * len(contexts))
    held = 0
    for c in sorted(contexts, key=lambda c: _h("category|" + c.id)):
        if held >= budget or split[c.id] != "train" or c.id in featured:
            continue
        witnesses = [w for w in groups[_kinds(c)] if w.id != c.id and split[w.id] == "train"]
        # keep at least one substitute witness in train (and never remove the last one)
        if len(witnesses) >= 2 or (witnesses and not _is_only_witness(c, witnesses, split, groups)):
            split[c.id] = "heldout_category"
            held += 1
    return split


def _is_only_witness(c, witnesses, split, groups) -> bool:
    """True when c is the last training witness of an already held-out category context."""
    for other in groups[_kinds(c)]:
        if split[other.id] == "heldout_category":
            remaining = [w for w in witnesses if w.id != other.id]
            if not remaining:
                return True
    return False
