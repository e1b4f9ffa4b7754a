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


def extra_contexts(dataset: OORDataset, ratio: float, seed: int = 0) -> list[Context]:
    """Up to `ratio` x (train contexts of the family) new feasible contexts per family."""
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
    candidates = defaultdict(list)
    for rule in RULES:
        bases = [b for b in CATEGORIES.values() if rule.base(b)]
        targets = [t for t in CATEGORIES.values() if rule.target(t)]
        for b in bases:
            for t in targets:
                ctx = Context(rule.family, b.name, t.name)
                if (ctx.id in have or (b.name == t.name and rule.family != "stacked_on")
                        or not rule.pair(b, t) or (rule.family, b.kind, t.kind) in combo_kinds
                        or {b.name, t.name} & held_names[rule.family]):
                    continue
                candidates[rule.family].append(ctx)
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


def with_extra_contexts(dataset: OORDataset, ratio: float, seed: int = 0,
                        samples_per_context: int = SAMPLES_PER_CONTEXT) -> tuple[OORDataset, int]:
    """The dataset plus extra `train` contexts (in memory only) and how many were added."""
    if ratio <= 0:
        return dataset, 0
    extra = extra_contexts(dataset, ratio, seed)
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
