"""Write the evaluation results and sampling defaults into a model's metadata.

    python tools/record_metrics.py [--weights oor_core/weights/oor_model.safetensors]
                                   [--reports reports/model] [--code-revision REV]

Reads every `eval_<split>[_ranked].json` that `make eval` wrote and stores a summary under
metadata["metrics"]["evaluation"], plus the sampler settings the numbers were measured with
under metadata["sampling_defaults"], in the safetensors header and its JSON sidecar alike.
The weights are copied unchanged. --code-revision replaces the recorded revision (for weights
trained from an uncommitted tree whose training code was then committed unchanged).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oor_core.evaluation.harness import SPLITS  # noqa: E402
from oor_core.model.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from oor_core.model.ranking import DEFAULT_RANKING  # noqa: E402
from oor_core.model.samplers import DEFAULT_SAMPLER, DEFAULT_SIGMA_END, DEFAULT_STEPS  # noqa: E402

SUMMARY_KEYS = ("success_rate", "coverage", "coverage_ceiling", "fd", "fd_median", "mmd",
                "num_queries", "per_context")


def evaluation_summary(reports: Path, dataset_hash: str) -> dict:
    results = {}
    for split in SPLITS:
        for suffix in ("", "_ranked"):
            path = reports / f"eval_{split}{suffix}.json"
            if not path.exists():
                continue
            report = json.loads(path.read_text())
            if report.get("dataset_hash") != dataset_hash:
                raise SystemExit(f"{path}: measured on dataset {report.get('dataset_hash')!r}, "
                                 f"the model was trained on {dataset_hash!r}")
            results[split + suffix] = {k: round(report[k], 4) if isinstance(report[k], float)
                                       else report[k] for k in SUMMARY_KEYS if k in report}
    if not results:
        raise SystemExit(f"no eval_<split>.json reports under {reports}: run `make eval` first")
    return {"harness": "python -m oor_core.evaluation --sampler model", "dataset_hash":
            dataset_hash, "note": "_ranked = best of 16 candidates per query "
            "(--option rank_from=16)", "results": results}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/record_metrics.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=str(ROOT / "oor_core/weights/oor_model.safetensors"))
    ap.add_argument("--reports", default=str(ROOT / "reports/model"))
    ap.add_argument("--code-revision", default=None)
    args = ap.parse_args(argv)
    tensors, meta = load_checkpoint(args.weights)
    meta.setdefault("metrics", {})["evaluation"] = evaluation_summary(
        Path(args.reports), str(meta.get("dataset", {}).get("content_hash", "")))
    meta["sampling_defaults"] = {"sampler": DEFAULT_SAMPLER, "steps":
                                 DEFAULT_STEPS[DEFAULT_SAMPLER], "sigma_end": DEFAULT_SIGMA_END,
                                 "ranking": DEFAULT_RANKING,
                                 "known_scale_mode": meta.get("known_scale_mode", "learned")}
    if args.code_revision:
        meta["code_revision"] = args.code_revision
    save_checkpoint(args.weights, tensors, meta)
    print(json.dumps(meta["metrics"]["evaluation"]["results"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
