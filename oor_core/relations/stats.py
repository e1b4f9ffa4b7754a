"""Summary counts of the relation library (python -m oor_core.relations stats)."""

from __future__ import annotations

from collections import Counter

from ..dataset import OORDataset
from .category_table import CATEGORIES
from .families import FAMILIES


def library_stats(ds: OORDataset) -> dict:
    used = {c.base for c in ds.contexts} | {c.target for c in ds.contexts}
    return {
        "version": ds.version,
        "seed": ds.seed,
        "content_hash": ds.content_hash,
        "families": len({c.family for c in ds.contexts}),
        "families_defined": len(FAMILIES),
        "categories": len(used),
        "categories_defined": len(CATEGORIES),
        "contexts": len(ds.contexts),
        "prompts": len(ds.prompts),
        "samples": len(ds.phi),
        "contexts_per_split": dict(Counter(c.split for c in ds.contexts)),
        "prompts_per_split": dict(Counter(p.split for p in ds.prompts)),
        "contexts_per_family": dict(Counter(c.family for c in ds.contexts)),
        "categories_per_room": dict(Counter(c.room for c in CATEGORIES.values())),
    }
