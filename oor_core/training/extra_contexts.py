"""More category pairs per relation for training, drawn from the relation library's own rules.

The library keeps at most `cap` contexts per rule, so most families see only a few names in
each role, and a model trained on them ties the relation to those names. The rules admit many
more pairs; this module samples extra ones (poses, predicates and train templates of the library,
so their geometry is exact for their own categories) and appends them as `train` contexts.

What the evaluation holds out stays out:
- no extra context has the (family, base kind, target kind) of a heldout_combo context;
- no extra context of a family uses a category of that family's heldout_category contexts, in
  either role, so a held-out pair's names are still unseen in its relation;
- no extra context is a context the dataset already has, and no text equals a dataset text.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np

from ..dataset import ContextRecord, OORDataset, PromptRecord, with_library_rows
from ..relations.build import SAMPLES_PER_CONTEXT
from ..relations.category_table import CATEGORIES
from ..relations.context_rules import RULES
from ..relations.contexts import Context, is_feasible
from ..relations.prompts import context_prompts

# Relations that differ only in their words: a pair seen in one of them is given the others too,
# so the prompt, not the pair's names, is what tells them apart (the model had learnt "keyboard,
# mouse -> right of" whatever the prompt said).
SIBLINGS = (("left_of", "right_of", "in_front_of", "behind", "next_to", "near"),
            ("on", "under"))
# With `seats_on_tops`, pairs that stand under or around a base are also given "on" it wherever
# that is feasible, even when the library's rules would not put them there (a chair on the
# dining table, as when the floor is mopped): otherwise "a chair on the table" is read from the
# names, as "around" (measured in docs/MODEL.md; not in the shipped recipe).
ALSO_ON = ("under", "around")


def _held_out(dataset: OORDataset):
    """(context ids present, held-out (family, base kind, target kind), held-out names per
    family), and the number of train contexts per family."""
    have = {c.id for c in dataset.contexts}
    per_family = defaultdict(int)
    combo_kinds, held_names = set(), defaultdict(set)
    for c in dataset.contexts:
        if c.base not in CATEGORIES or c.target not in CATEGORIES:
            continue  # captured contexts name the user's own objects
        if c.split == "train":
            per_family[c.family] += 1
        elif c.split == "heldout_combo":
            combo_kinds.add((c.family, CATEGORIES[c.base].kind, CATEGORIES[c.target].kind))
        elif c.split == "heldout_category":
            held_names[c.family] |= {c.base, c.target}
    return have, combo_kinds, held_names, per_family


def _admissible(family: str, b, t, have, combo_kinds, held_names) -> bool:
    ctx_id = Context(family, b.name, t.name).id
    return not (ctx_id in have or (b.name == t.name and family != "stacked_on")
                or (family, b.kind, t.kind) in combo_kinds
                or {b.name, t.name} & held_names[family]
                or not any(rule.family == family and rule.base(b) and rule.target(t)
                           and rule.pair(b, t) for rule in RULES))


def extra_contexts(dataset: OORDataset, ratio: float, seed: int = 0) -> list[Context]:
    """Up to `ratio` x (train contexts of the family) new feasible contexts per family."""
    have, combo_kinds, held_names, per_family = _held_out(dataset)
    candidates = defaultdict(list)
    for rule in RULES:
        bases = [b for b in CATEGORIES.values() if rule.base(b)]
        targets = [t for t in CATEGORIES.values() if rule.target(t)]
        for b in bases:
            for t in targets:
                if _admissible(rule.family, b, t, have, combo_kinds, held_names):
                    candidates[rule.family].append(Context(rule.family, b.name, t.name))
    chosen: list[Context] = []
    for family in sorted(candidates):
        want = round(ratio * per_family[family])
        pool = sorted(set(candidates[family]), key=lambda c: _rank(seed, c.id))
        got = 0
        for ctx in pool:
            if got >= want:
                break
            if is_feasible(ctx.fam, ctx.base_cat, ctx.target_cat):
                chosen.append(ctx)
                got += 1
    return chosen


def sibling_contexts(dataset: OORDataset, seats_on_tops: bool = False) -> list[Context]:
    """Every train pair of a sibling family in each of its siblings, where the library's rules
    admit it and it is feasible (and, with `seats_on_tops`, every pair under or around a base
    on it); nothing the evaluation holds out."""
    have, combo_kinds, held_names, _ = _held_out(dataset)
    chosen: dict[str, Context] = {}
    for c in dataset.contexts:
        if c.split != "train" or c.base not in CATEGORIES or c.target not in CATEGORIES:
            continue
        group = next((g for g in SIBLINGS if c.family in g), ())
        b, t = CATEGORIES[c.base], CATEGORIES[c.target]
        for family in group:
            ctx = Context(family, b.name, t.name)
            if ctx.id not in chosen and _admissible(family, b, t, have, combo_kinds,
                                                    held_names) \
                    and is_feasible(ctx.fam, b, t):
                chosen[ctx.id] = ctx
        on = Context("on", b.name, t.name)
        if seats_on_tops and c.family in ALSO_ON and on.id not in chosen and on.id not in have \
                and ("on", b.kind, t.kind) not in combo_kinds \
                and not {b.name, t.name} & held_names["on"] and is_feasible(on.fam, b, t):
            chosen[on.id] = on
    return [chosen[key] for key in sorted(chosen)]


def with_extra_contexts(dataset: OORDataset, ratio: float, seed: int = 0,
                        samples_per_context: int = SAMPLES_PER_CONTEXT,
                        siblings: bool = False, seats_on_tops: bool = False
                        ) -> tuple[OORDataset, int]:
    """The dataset plus extra `train` contexts (in memory only) and how many were added:
    `ratio` x more pairs per family, and with `siblings` every pair in its sibling relations
    (with `seats_on_tops` also seats on the tables they stand around)."""
    extra = extra_contexts(dataset, ratio, seed) if ratio > 0 else []
    if siblings:
        known = {c.id for c in extra}
        extra += [c for c in sibling_contexts(dataset, seats_on_tops) if c.id not in known]
    if not extra:
        return dataset, 0
    texts = {p.text for p in dataset.prompts}
    contexts, prompts, phis, index = [], [], [], []
    for ci, ctx in enumerate(extra, start=len(dataset.contexts)):
        contexts.append(ContextRecord(ctx.id, ctx.family, ctx.base, ctx.target, "train"))
        for text, base_name, target_name, split in context_prompts(ctx, "train"):
            if split == "train" and text not in texts:
                texts.add(text)
                prompts.append(PromptRecord(text, ci, base_name, target_name, "train"))
        phis.append(ctx.sample(samples_per_context, dataset.seed + seed))
        index.append(np.full(samples_per_context, ci, dtype=np.int64))
    return with_library_rows(dataset, phis, index, contexts, prompts), len(extra)


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"extra|{seed}|{key}".encode()).hexdigest()
