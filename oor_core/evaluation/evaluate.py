"""CLI: python -m oor_core.evaluation --sampler NAME --split NAME [--per-context N] [--json PATH]
[--plots DIR] [--dataset DIR] [--max-contexts N] [--seed N] [--option KEY=VALUE ...]"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .harness import SPLITS, default_dataset, evaluate
from .sampler_registry import NAMES, get_sampler


def _options(pairs):
    out = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        out[key] = int(value) if value.isdigit() else value
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m oor_core.evaluation")
    ap.add_argument("--sampler", required=True, choices=NAMES)
    ap.add_argument("--split", required=True, choices=SPLITS)
    ap.add_argument("--per-context", type=int, default=10)
    ap.add_argument("--max-contexts", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json")
    ap.add_argument("--plots")
    ap.add_argument("--dataset", default="data")
    ap.add_argument("--option", action="append", help="sampler option KEY=VALUE")
    args = ap.parse_args(argv)

    t0 = time.time()
    ds = default_dataset(args.dataset)
    options = _options(args.option)
    if args.sampler == "retrieval":
        options.setdefault("dataset", ds)
    try:
        sampler = get_sampler(args.sampler, **options)
    except (RuntimeError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate(sampler, args.split, args.per_context, ds, args.seed, args.max_contexts,
                      args.sampler, args.plots)
    if args.plots:
        from .plots import draw_family_bars

        result.setdefault("plots", []).append(draw_family_bars(Path(args.plots), result))
    result["seconds"] = round(time.time() - t0, 1)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
    summary = {k: v for k, v in result.items() if k not in ("contexts", "per_family")}
    summary["per_family_success"] = {f: round(v["success_rate"], 3)
                                     for f, v in result["per_family"].items()}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
