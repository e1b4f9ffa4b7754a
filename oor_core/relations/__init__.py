"""Relation library: categories, relation families, contexts, prompts and splits (numpy only).

Public entry points:
    CATEGORIES, FAMILIES, Context, library_contexts(), context_from_id(), assign_splits(),
    build_library(seed, samples_per_context) -> oor_core.dataset.OORDataset
"""

from .build import DEFAULT_SEED, build_library
from .category_table import CATEGORIES
from .contexts import Context, InfeasibleContext, context_from_id, library_contexts
from .families import FAMILIES
from .splits import assign_splits

__all__ = [
    "CATEGORIES",
    "DEFAULT_SEED",
    "FAMILIES",
    "Context",
    "InfeasibleContext",
    "assign_splits",
    "build_library",
    "context_from_id",
    "library_contexts",
]
