"""Evaluate a sampler on one split: success (predicates), coverage, FD, MMD, per family.

Each query is one ground-truth sample of a context: its prompt (from the split's prompts of the
context), the category names as written in the prompt, and the ground truth's scales as known
scales. Predicted scales are overwritten with the known ones before any check.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from ..dataset import OORDataset, load_dataset
from ..geometry.oor_vector import SCALES
from ..progress import Progress
from ..relations.build import DEFAULT_SEED, build_library
from ..relations.contexts import context_from_id
from ..relations.families import FAMILIES
from .metrics import frechet_distance, mmd_rotation_aware, mode_coverage

SPLITS = ("train", "heldout_paraphrase", "heldout_category", "heldout_combo")
_CACHE: dict = {}


def default_dataset(path=None) -> OORDataset:
    """Dataset from disk when it exists, else the library built in memory (fixed seed)."""
    key = str(path)
    if key not in _CACHE:
        p = Path(path) if path else Path("data")
        if (p / "manifest.json").exists() or (p / "oor-v1" / "manifest.json").exists():
            _CACHE[key] = load_dataset(p)
        else:
            _CACHE[key] = build_library(DEFAULT_SEED)
    return _CACHE[key]


def _queries(ds: OORDataset, split: str, per_context: int, max_contexts: int | None, seed: int):
    ctx_split = "train" if split in ("train", "heldout_paraphrase") else split
    rng = np.random.default_rng(seed)
    picked = []
    for ci, c in enumerate(ds.contexts):
        if c.split != ctx_split or c.family not in FAMILIES or c.id.startswith("capture:"):
            continue
        prompts = ds.prompts_for(ci, split)
        if not prompts:
            continue
        picked.append((ci, prompts))
    if max_contexts is not None and len(picked) > max_contexts:
        keep = np.sort(rng.choice(len(picked), max_contexts, replace=False))
        picked = [picked[i] for i in keep]
    queries = []
    for ci, prompts in picked:
        gt_rows = np.flatnonzero(ds.context_index == ci)
        rows = rng.choice(gt_rows, min(per_context, len(gt_rows)), replace=False)
        for k, r in enumerate(rows):
            queries.append((ci, prompts[k % len(prompts)], int(r)))
    return queries


def evaluate(sampler, split: str, per_context: int = 10, dataset: OORDataset | None = None,
             seed: int = 0, max_contexts: int | None = None, sampler_name: str = "",
             plots_dir=None, batch: int = 2048) -> dict:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    ds = dataset if dataset is not None else default_dataset()
    queries = _queries(ds, split, per_context, max_contexts, seed)
    if not queries:
        raise ValueError(f"split {split!r} has no queries in this dataset")
    known = ds.phi[[r for _, _, r in queries]][:, SCALES].astype(np.float64)
    preds = []
    with Progress(len(queries), f"evaluating {split}", unit="query") as progress:
        for lo in range(0, len(queries), batch):
            chunk = queries[lo:lo + batch]
            out = sampler.sample([p.text for _, p, _ in chunk],
                                 [p.base_name for _, p, _ in chunk],
                                 [p.target_name for _, p, _ in chunk], known[lo:lo + batch], 1,
                                 seed + lo)
            preds.append(np.asarray(out, dtype=np.float64)[:, 0, :])
            progress.update(len(chunk))
    pred = np.concatenate(preds)
    scale_diff = np.abs(pred[:, SCALES] - known).max(-1)
    pred[:, SCALES] = known

    per_ctx = defaultdict(list)
    for q, (ci, _, _) in enumerate(queries):
        per_ctx[ci].append(q)
    rows = []
    for ci, qs in per_ctx.items():
        ctx = context_from_id(ds.contexts[ci].id)
        gt = ds.samples_of(ci).astype(np.float64)
        p = pred[qs]
        ok = _safe_accept(ctx, p)
        rows.append({
            "context": ctx.id, "family": ctx.family, "n": len(qs),
            "success": float(ok.mean()),
            "coverage": mode_coverage(ctx.mode(gt), ctx.mode(p[ok]) if ok.any() else []),
            # the same number of ground-truth draws (the queries' own samples) as a ceiling
            "coverage_ceiling": mode_coverage(ctx.mode(gt), ctx.mode(
                ds.phi[[queries[q][2] for q in qs]].astype(np.float64))),
            "fd": frechet_distance(p, gt),
            "mmd": mmd_rotation_aware(p, gt[: max(len(qs), 32)]),
        })
    result = _aggregate(rows)
    result.update({
        "split": split, "sampler": sampler_name, "num_queries": len(queries),
        "num_contexts": len(rows), "per_context": per_context, "dataset_hash": ds.content_hash,
        "scale_override": {"queries_changed": int(np.sum(scale_diff > 1e-4)),
                           "max_abs_diff": float(scale_diff.max())},
        "contexts": rows,
    })
    if plots_dir:
        from .plots import draw_all

        result["plots"] = draw_all(Path(plots_dir), ds, queries, pred, split, sampler_name)
    return result


def _safe_accept(ctx, phi) -> np.ndarray:
    """Predicate, with degenerate rotations (zero/parallel r6 columns) counted as failures."""
    ok = np.zeros(len(phi), dtype=bool)
    good = np.all(np.isfinite(phi), -1)
    try:
        ok[good] = ctx.accept(phi[good])
    except ValueError:
        for i in np.flatnonzero(good):
            try:
                ok[i] = bool(ctx.accept(phi[i : i + 1])[0])
            except ValueError:
                ok[i] = False
    return ok


def _aggregate(rows: list[dict]) -> dict:
    fams = defaultdict(list)
    for r in rows:
        fams[r["family"]].append(r)

    def mean(rs, key):
        return float(np.mean([r[key] for r in rs]))

    per_family = {f: {"contexts": len(rs), "success_rate": mean(rs, "success"),
                      "coverage": mean(rs, "coverage"), "fd": mean(rs, "fd"),
                      "mmd": mean(rs, "mmd")} for f, rs in sorted(fams.items())}
    weights = np.array([r["n"] for r in rows], dtype=np.float64)
    return {
        "success_rate": float(np.average([r["success"] for r in rows], weights=weights)),
        "coverage": mean(rows, "coverage"),
        "coverage_ceiling": mean(rows, "coverage_ceiling"),
        "fd": mean(rows, "fd"),
        "fd_median": float(np.median([r["fd"] for r in rows])),
        "mmd": mean(rows, "mmd"),
        "per_family": per_family,
    }
