"""Training samples of the train contexts at object sizes beyond their categories' ranges.

Each category's sizes span a narrow range, so a model can learn a relation's geometry per name
(a magazine on a stack sits 1 cm up) instead of from the known scales it is given, and then
misplaces an unseen name of another size (a magazine on a 9 cm board game box). Here every train
library context gets extra samples whose object sizes are the category's, multiplied per axis
by a log-normal factor; the poses come from the library's own relation samplers and pass the
same predicates, so contacts are exact at the new sizes. Round objects keep x = z.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..dataset import OORDataset, with_library_rows
from ..relations.categories import Category
from ..relations.category_table import CATEGORIES
from ..relations.contexts import Context, InfeasibleContext, sample_pair, stable_seed


@dataclass(frozen=True)
class _Resized(Category):
    """A category whose sampled sizes are stretched per axis by exp(N(0, log_std))."""

    log_std: float = 0.0

    def sample_sizes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sizes = super().sample_sizes(rng, n) * np.exp(rng.normal(0.0, self.log_std, (n, 3)))
        if self.shape == "round":
            sizes[:, 2] = sizes[:, 0]
        return sizes


def resized(cat: Category, log_std: float) -> Category:
    return _Resized(**{f.name: getattr(cat, f.name) for f in fields(Category)}, log_std=log_std)


def with_size_jitter(dataset: OORDataset, log_std: float, per_context: int,
                     seed: int = 0) -> tuple[OORDataset, int]:
    """The dataset plus `per_context` resized samples of every train library context (in memory
    only), and how many rows were added. Contexts whose relation fails at the new sizes too
    often are left as they are."""
    if log_std <= 0 or per_context <= 0:
        return dataset, 0
    phis, index = [], []
    for ci, c in enumerate(dataset.contexts):
        if c.split != "train" or c.base not in CATEGORIES or c.target not in CATEGORIES:
            continue
        ctx = Context(c.family, c.base, c.target)
        rng = np.random.default_rng(stable_seed(dataset.seed + seed, "resized|" + c.id))
        base, target = resized(ctx.base_cat, log_std), resized(ctx.target_cat, log_std)
        try:
            phi, _ = sample_pair(ctx.fam, base, target, per_context, rng, max_rounds=8,
                                 min_rate=0.05)
        except InfeasibleContext:
            continue
        keep = ctx.fam.accept(phi, base, target)
        phis.append(phi[keep])
        index.append(np.full(int(keep.sum()), ci, dtype=np.int64))
    return with_library_rows(dataset, phis, index), sum(len(p) for p in phis)
