"""Build the library dataset (contexts, prompts, splits, samples) from a fixed seed."""

from __future__ import annotations

import numpy as np

from ..dataset import VERSION, ContextRecord, OORDataset, PromptRecord
from .contexts import Context, library_contexts
from .prompts import context_prompts
from .splits import assign_splits

DEFAULT_SEED = 20250601
SAMPLES_PER_CONTEXT = 200


def library_prompts(contexts, splits) -> list[PromptRecord]:
    """All prompts; a text is used once, and a held-out text never also appears in train."""
    rows = [PromptRecord(text, i, bn, tn, split)
            for i, ctx in enumerate(contexts)
            for text, bn, tn, split in context_prompts(ctx, splits[ctx.id])]
    train_texts = {p.text for p in rows if p.split == "train"}
    seen: set[str] = set()
    out = []
    for p in rows:
        if p.text in seen or (p.split != "train" and p.text in train_texts):
            continue
        seen.add(p.text)
        out.append(p)
    return out


def build_library(seed: int = DEFAULT_SEED, samples_per_context: int = SAMPLES_PER_CONTEXT,
                  contexts: list[Context] | None = None) -> OORDataset:
    contexts = list(library_contexts() if contexts is None else contexts)
    splits = assign_splits(contexts)
    records = [ContextRecord(c.id, c.family, c.base, c.target, splits[c.id]) for c in contexts]
    phis = [c.sample(samples_per_context, seed).astype(np.float32) for c in contexts]
    ds = OORDataset(
        phi=np.concatenate(phis) if phis else np.zeros((0, 15), np.float32),
        context_index=np.repeat(np.arange(len(contexts), dtype=np.int64), samples_per_context),
        source=np.full(len(contexts) * samples_per_context, "library"),
        contexts=records,
        prompts=library_prompts(contexts, splits),
        version=VERSION,
        seed=seed,
    )
    ds.rehash()
    return ds
