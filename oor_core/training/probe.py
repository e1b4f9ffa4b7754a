"""Cheap success-rate probes during training (a few queries per split, few samples each).

Real datasets are checked with the evaluation harness's plausibility predicates when it is
importable; the synthetic test dataset with its own exact checker.
"""

from __future__ import annotations

import numpy as np


def _queries(dataset, split: str, max_queries: int, rng: np.random.Generator):
    prompts = [p for p in dataset.prompts if p.split == split]
    if not prompts:
        return []
    pick = rng.choice(len(prompts), size=min(max_queries, len(prompts)), replace=False)
    out = []
    for i in sorted(pick):
        p = prompts[i]
        rows = np.flatnonzero(dataset.context_index == p.context_index)
        if len(rows):
            out.append((p, dataset.phi[rng.choice(rows)]))
    return out


def probe_success(model, dataset, max_queries: int = 24, num_samples: int = 8,
                  seed: int = 0) -> dict:
    splits = sorted({p.split for p in dataset.prompts})
    checker = _checker(dataset)
    if checker is None:
        return {}
    result = {}
    for split in splits:
        rng = np.random.default_rng(seed)
        queries = _queries(dataset, split, max_queries, rng)
        if not queries:
            continue
        known = np.stack([phi[9:15] for _, phi in queries]).astype(np.float64)
        samples = model.sample_batch([p.text for p, _ in queries],
                                     [p.base_name for p, _ in queries],
                                     [p.target_name for p, _ in queries], known, num_samples, seed)
        ok = [checker(samples[i], p.context_index) for i, (p, _) in enumerate(queries)]
        result[split] = round(float(np.mean(np.concatenate(ok))), 4)
    return result


def _checker(dataset):
    if isinstance(getattr(dataset, "source", None), str) and dataset.source == "synthetic":
        from .synthetic import synthetic_success

        return synthetic_success
    try:
        from ..relations.contexts import context_from_id
    except ImportError:
        return None
    contexts: dict[int, object] = {}

    def check(phi, context_index):
        """The relation library's plausibility predicate; degenerate rotations fail."""
        ci = int(context_index)
        if ci not in contexts:
            contexts[ci] = context_from_id(dataset.contexts[ci].id)
        phi = np.asarray(phi, dtype=np.float64).reshape(-1, 15)
        ok = np.zeros(len(phi), dtype=bool)
        good = np.isfinite(phi).all(-1)
        try:
            ok[good] = contexts[ci].accept(phi[good])
        except ValueError:
            ok[:] = False
        return ok

    return check
