# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line of oor_batch.py (interface: DESIGN.md section 5): parse, register the add-on,
run the jobs or the demo, report one line per job and exit with the batch's status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import bpy

from ..bridge.model_service import SERVICE, ModelConfig
from .batch import run_job
from .jobs import Job, JobError, read_jobs


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oor_batch.py",
        description="Headless OOR Arrange: apply relations to .blend files without the UI.")
    p.add_argument("--blend", help="input .blend (default: the file Blender opened)")
    p.add_argument("--relation", nargs=3, action="append", default=[],
                   metavar=("BASE", "TARGET", "PROMPT"), help="object names and a prompt")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=("sample", "refine"), default="sample")
    p.add_argument("--save", help="output .blend (the input is never modified otherwise)")
    p.add_argument("--report", help="output JSON: final matrix_world and sampled phi")
    p.add_argument("--jobs", help="JSONL file, one job per line (fields as the options above)")
    p.add_argument("--demo", action="store_true",
                   help="build the tea-set demo, save out/demo.blend and render out/demo.png")
    p.add_argument("--candidates", type=int, default=16, help="samples ranked per relation")
    p.add_argument("--adopt-size", action="store_true",
                   help="give targets the sampled size (proportions kept) instead of their own")
    p.add_argument("--model", default="", help="model .safetensors (default: the shipped one)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: automatic)")
    p.add_argument("--out", default="out", help="output folder of --demo")
    p.add_argument("--no-render", action="store_true", help="--demo without the picture")
    return p


def _ensure_registered():
    """Register the add-on's classes unless Blender already enabled it; returns an undo."""
    if hasattr(bpy.types.Object, "oor"):
        return lambda: None
    from .. import register, unregister

    register()
    return unregister


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    defaults = Job(blend=args.blend, relations=[tuple(r) for r in args.relation],
                   seed=args.seed, mode=args.mode, save=args.save, report=args.report,
                   candidates=args.candidates, keep_size=not args.adopt_size)
    config = ModelConfig(args.model, "", args.threads)
    undo = _ensure_registered()  # bpy hangs at exit with classes registered: always undone
    try:
        if args.demo:
            from .demo import run_demo

            return run_demo(Path(args.out), lambda: SERVICE.get(config),
                            render_picture=not args.no_render)
        try:
            jobs = read_jobs(args.jobs, defaults) if args.jobs else [defaults]
        except (OSError, JobError) as error:
            print(f"oor_batch: {error}", file=sys.stderr)
            return 2
        failures = 0
        for number, job in enumerate(jobs, 1):
            try:
                report = run_job(job, lambda: SERVICE.get(config))
            except (JobError, OSError, RuntimeError) as error:
                failures += 1
                print(f"oor_batch: job {number} failed: {error}", file=sys.stderr)
                continue
            placed = ", ".join(f"{r['target']} -> {r['base']}" for r in report["relations"])
            print(f"oor_batch: job {number} done: {placed}")
        return 1 if failures else 0
    finally:
        undo()
