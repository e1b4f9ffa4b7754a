"""Cross-family confusion: how often family A's predicate accepts family B's samples.

Category-agnostic: A's predicate is applied to B's samples with B's base/target categories (parts
fall back to defaults where a category lacks them). The diagonal should be ~1, the rest low; high
off-diagonal cells are either genuine implications ('next_to' samples are 'near') or a sign that
two predicates fail to tell relations apart.
"""

from __future__ import annotations

import numpy as np

from .contexts import Context, library_contexts
from .families import FAMILIES


def confusion_matrix(contexts: list[Context] | None = None, per_context: int = 40,
                     max_contexts_per_family: int = 12, seed: int = 7) -> dict:
    contexts = list(library_contexts() if contexts is None else contexts)
    names = list(FAMILIES)
    by_family: dict[str, list[Context]] = {f: [] for f in names}
    for c in contexts:
        if len(by_family[c.family]) < max_contexts_per_family:
            by_family[c.family].append(c)
    matrix = np.full((len(names), len(names)), np.nan)
    samples = {f: [(c, c.sample(per_context, seed)) for c in cs] for f, cs in by_family.items()}
    for j, fb in enumerate(names):
        if not samples[fb]:
            continue
        for i, fa in enumerate(names):
            fam = FAMILIES[fa]
            rates = [fam.accept(phi, c.base_cat, c.target_cat).mean() for c, phi in samples[fb]]
            matrix[i, j] = float(np.mean(rates))
    off = matrix[~np.eye(len(names), dtype=bool)]
    pairs = sorted(((matrix[i, j], names[i], names[j]) for i in range(len(names))
                    for j in range(len(names)) if i != j and np.isfinite(matrix[i, j])),
                   reverse=True)
    return {
        "families": names,
        "matrix": [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
                   for row in matrix],
        "note": "matrix[a][b] = rate at which family a's predicate accepts family b's samples",
        "diagonal_mean": float(np.nanmean(np.diag(matrix))),
        "diagonal_min": float(np.nanmin(np.diag(matrix))),
        "off_diagonal_mean": float(np.nanmean(off)),
        "off_diagonal_share_above_0.5": float(np.nanmean(off > 0.5)),
        "top_confusions": [{"predicate": a, "samples": b, "rate": round(float(v), 4)}
                           for v, a, b in pairs[:12]],
    }
