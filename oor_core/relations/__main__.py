"""CLI: python -m oor_core.relations {build --out DIR | stats [--dataset DIR] | confusion}."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..dataset import load_dataset, save_dataset
from .build import DEFAULT_SEED, SAMPLES_PER_CONTEXT, build_library
from .confusion import confusion_matrix
from .stats import library_stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m oor_core.relations")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write DIR/oor-v1 from the relation library")
    b.add_argument("--out", required=True)
    b.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b.add_argument("--per-context", type=int, default=SAMPLES_PER_CONTEXT)
    s = sub.add_parser("stats", help="print library counts as JSON")
    s.add_argument("--dataset", help="read counts from this dataset dir instead of the library")
    c = sub.add_parser("confusion", help="cross-family predicate confusion matrix")
    c.add_argument("--json", help="also write the full result here")
    c.add_argument("--per-context", type=int, default=40)
    args = ap.parse_args(argv)

    if args.cmd == "build":
        t0 = time.time()
        ds = build_library(args.seed, args.per_context)
        out = save_dataset(ds, Path(args.out))
        print(f"wrote {out} ({len(ds.contexts)} contexts, {len(ds.prompts)} prompts, "
              f"{len(ds.phi)} samples, sha256 {ds.content_hash[:16]}) in {time.time() - t0:.1f} s",
              file=sys.stderr)
        return 0
    if args.cmd == "stats":
        ds = load_dataset(args.dataset) if args.dataset else build_library(DEFAULT_SEED)
        print(json.dumps(library_stats(ds), indent=2))
        return 0
    result = confusion_matrix(per_context=args.per_context)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
    summary = {k: v for k, v in result.items() if k not in ("matrix",)}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
