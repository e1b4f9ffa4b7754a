"""Measurements behind the model's design choices (docs/MODEL.md), on a trained model.

    python -m oor_core.evaluation.studies [--weights PATH] [--data DIR|synthetic] [--json OUT]

- known scales: learned conditioning vs RePaint-style inpainting (success rate, contact error);
- samplers: NFE vs quality (success, distance to the RK45 solution from the same noise);
- ranking: success of the top-ranked candidate vs a random one (mean over candidates).
Success comes from the dataset's plausibility checker (evaluation harness or synthetic).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from ..training.probe import _checker
from .report_output import emit_json


def pick_queries(dataset, split: str, n: int, seed: int = 0):
    """n (prompt record, known scales (6,)) pairs of one split, scales from a real sample."""
    rng = np.random.default_rng(seed)
    prompts = [p for p in dataset.prompts if p.split == split]
    if not prompts:
        return []
    out = []
    for i in rng.choice(len(prompts), size=min(n, len(prompts)), replace=False):
        p = prompts[int(i)]
        rows = np.flatnonzero(dataset.context_index == p.context_index)
        if len(rows):
            out.append((p, np.asarray(dataset.phi[rng.choice(rows)][9:15], np.float64)))
    return out


def _batch(model, queries, num, seed, **kw):
    t = time.perf_counter()
    out = model.sample_batch([p.text for p, _ in queries], [p.base_name for p, _ in queries],
                             [p.target_name for p, _ in queries],
                             np.stack([k for _, k in queries]), num, seed, **kw)
    return out, time.perf_counter() - t


def _success(checker, samples, queries) -> float:
    return float(np.mean(np.concatenate(
        [checker(samples[i], p.context_index) for i, (p, _) in enumerate(queries)])))


def known_scale_study(model, queries, checker, num: int = 16, seed: int = 0) -> dict:
    result = {}
    for mode in ("learned", "inpaint"):
        samples, secs = _batch(model, queries, num, seed, known_scale_mode=mode)
        result[mode] = {"success": round(_success(checker, samples, queries), 4),
                        "seconds": round(secs, 2)}
    return result


def sampler_study(model, queries, checker, num: int = 16, seed: int = 0) -> dict:
    """Same initial noise for every sampler, so distances to RK45 measure solver error."""
    from ..model.samplers import Denoiser

    def run(name, steps, sigma_end=None):
        nfe = 0
        orig = Denoiser.__call__

        def counting(self, x, sigma):
            nonlocal nfe
            nfe += x.shape[0]
            return orig(self, x, sigma)

        Denoiser.__call__ = counting
        try:
            samples, secs = _batch(model, queries, num, seed, sampler=name, steps=steps,
                                   sigma_end=sigma_end)
        finally:
            Denoiser.__call__ = orig
        return samples, secs, nfe / (len(queries) * num)

    ref, ref_s, ref_nfe = run("rk45", None)
    rows = {"rk45": {"nfe": round(ref_nfe, 1), "success": round(_success(checker, ref, queries), 4),
                     "seconds": round(ref_s, 2)}}
    full = model.sde.sigma(model.sde.eps)  # integrate all the way down, like RK45
    for name, steps, end in [("dpmpp2m", 8, None), ("dpmpp2m", 10, None), ("dpmpp2m", 12, None),
                             ("dpmpp2m", 15, None), ("dpmpp2m", 20, None), ("dpmpp2m", 10, full),
                             ("dpmpp2m", 12, full), ("dpmpp2m", 20, full), ("heun", 6, None),
                             ("heun", 10, None), ("heun", 18, full), ("euler", 40, None)]:
        samples, secs, nfe = run(name, steps, end)
        dist = np.linalg.norm((samples - ref)[..., :9], axis=-1)
        label = f"{name}-{steps}" + ("" if end is None else f"-to-{end:.3g}")
        rows[label] = {"nfe": round(nfe, 1),
                                   "success": round(_success(checker, samples, queries), 4),
                                   "median_pose_dist_to_rk45": round(float(np.median(dist)), 5),
                                   "seconds": round(secs, 2)}
    return rows


def ranking_study(model, queries, checker, k: int = 16, seed: int = 0) -> dict:
    result = {}
    for method in ("consistency", "score_norm"):
        top, mean = [], []
        for i, (p, known) in enumerate(queries):
            c = model.sample(p.text, p.base_name, p.target_name, known_scales=known,
                             num_candidates=k, seed=seed + i, ranking=method)
            ok = checker(c.phi, p.context_index)
            top.append(ok[0])
            mean.append(ok.mean())
        result[method] = {"top1_success": round(float(np.mean(top)), 4),
                          "random_candidate_success": round(float(np.mean(mean)), 4)}
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m oor_core.evaluation.studies", description=__doc__)
    ap.add_argument("--weights", default=None)
    ap.add_argument("--data", default="data/oor-v1")
    ap.add_argument("--split", default="train")
    ap.add_argument("--queries", type=int, default=48)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="known,sampler,ranking")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from ..model.inference import OORModel
    from ..training.train import load_training_dataset

    model = OORModel.load(args.weights)
    dataset = load_training_dataset(args.data)
    checker = _checker(dataset)
    if checker is None:
        sys.exit("no plausibility checker for this dataset (evaluation harness missing)")
    queries = pick_queries(dataset, args.split, args.queries)
    only = set(args.only.split(","))
    out = {"weights": str(model.path), "data": args.data, "split": args.split,
           "queries": len(queries)}
    if "known" in only:
        out["known_scales"] = known_scale_study(model, queries, checker)
    if "sampler" in only:
        out["samplers"] = sampler_study(model, queries, checker)
    if "ranking" in only:
        out["ranking"] = ranking_study(model, queries, checker)
    emit_json(out, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
