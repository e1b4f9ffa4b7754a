"""Latency benchmark of the shipped OOR model on this machine.

    python -m oor_core.evaluation.bench [--json PATH] [--weights PATH] [--repeats N]

Measures, with medians over repeated runs in one process (cold start in fresh subprocesses):
cold start (imports, model + encoder load), text encoding, sampling K=16 candidates with ranking
(text cached and uncached), cost per function evaluation, RK45 vs the default sampler (NFE and
time), each under 1 and 2 torch threads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .report_output import emit_json

PROMPTS = [
    ("A cup on a table", "table", "cup"),
    ("A teapot pours tea into a teacup", "teacup", "teapot"),
    ("A lamp next to a sofa", "sofa", "lamp"),
    ("A knife cuts an apple", "apple", "knife"),
]
KNOWN = [0.08, 0.11, 0.08, 1.0, 0.62, 0.5]

_COLD = r"""
import json, sys, time
t0 = time.perf_counter()
import torch  # noqa: F401
from oor_core.model.inference import OORModel
t1 = time.perf_counter()
model = OORModel.load(sys.argv[1] if len(sys.argv) > 1 else None, num_threads=1)
model.encoder.load()
t2 = time.perf_counter()
model.sample("A cup on a table", "table", "cup", num_candidates=16, seed=0)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_sample_s": t3 - t2}))
"""


def _median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        fn(i)
        times.append(1000 * (time.perf_counter() - t))
    return round(statistics.median(times), 3)


def cold_start(weights: str | None, runs: int) -> dict:
    root = Path(__file__).resolve().parents[2]
    records = []
    for _ in range(runs):
        cmd = [sys.executable, "-c", _COLD] + ([weights] if weights else [])
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=root, check=True)
        rec = json.loads(out.stdout.strip().splitlines()[-1])
        rec["process_s"] = time.perf_counter() - t
        records.append(rec)
    return {k: round(statistics.median(r[k] for r in records), 3) for k in records[0]}


def warm_figures(model, repeats: int) -> dict:
    import torch

    from ..model.samplers import Denoiser, run_sampler
    from ..model.score_network import ConditionedScore, make_scale_cond

    out = {"threads": torch.get_num_threads()}
    model.text_features(*zip(*PROMPTS, strict=True))  # warm the text cache
    model.sample(*PROMPTS[0], num_candidates=16, seed=0)
    out["sample16_ranked_ms"] = _median_ms(
        lambda i: model.sample(*PROMPTS[i % len(PROMPTS)], known_scales=KNOWN,
                               num_candidates=16, seed=i), repeats)
    out["sample16_unranked_ms"] = _median_ms(
        lambda i: model.sample(*PROMPTS[i % len(PROMPTS)], known_scales=KNOWN,
                               num_candidates=16, seed=i, rank=False), repeats)
    tag = f"t{out['threads']}"  # fresh texts per thread setting: no cache hits
    out["sample16_new_text_ms"] = _median_ms(
        lambda i: model.sample(f"A cup on a table number {i}{tag}", "table", f"cup{i}{tag}",
                               known_scales=KNOWN, num_candidates=16, seed=i), repeats)
    out["encode_3_texts_ms"] = _median_ms(
        lambda i: model.encoder.encode([f"A mug beside a laptop {i}{tag}", f"laptop{i}{tag}",
                                        f"mug{i}{tag}"]), repeats)
    feat = model.text_features(["A cup on a table"], ["table"], ["cup"])
    cond = make_scale_cond(torch.zeros(16, 6), torch.ones(16, dtype=torch.bool))
    x, sigma = torch.randn(16, 15), torch.full((16,), 0.5)
    with torch.inference_mode():
        out["nfe_batch16_ms"] = _median_ms(lambda i: model.net(x, sigma, feat, cond),
                                           repeats * 10)
    for name in ("rk45", "default"):
        nfes = []

        def run(i, name=name, nfes=nfes):
            with torch.inference_mode():
                den = Denoiser(ConditionedScore(model.net, feat, cond), model.sde)
                gen = torch.Generator().manual_seed(i)
                run_sampler(name, den, model.sde.prior_sample((16, 15), gen), model.sde)
            nfes.append(den.nfe)

        out[f"{name}_ms"] = _median_ms(run, max(3, repeats // 5 if name == "rk45" else repeats))
        out[f"{name}_nfe"] = statistics.median(nfes)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m oor_core.evaluation.bench", description=__doc__)
    ap.add_argument("--json", default=None, help="write the figures to this file")
    ap.add_argument("--weights", default=None, help="model file (default: shipped)")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--cold-runs", type=int, default=3)
    args = ap.parse_args(argv)

    import torch

    from ..model.inference import OORModel

    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__, "platform": platform.platform()},
        "cold_start": cold_start(args.weights, args.cold_runs),
    }
    model = OORModel.load(args.weights)
    result["model"] = {"path": str(model.path), "parameters": model.metadata.get("parameters"),
                       "size_mib": round(Path(model.path).stat().st_size / 2**20, 2)}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        result[f"threads_{threads}"] = warm_figures(model, args.repeats)
    emit_json(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
