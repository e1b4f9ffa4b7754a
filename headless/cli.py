# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line of oor_batch.py (interface: DESIGN.md section 5): parse, register the add-on,
run the jobs or the demo, report one line per job and exit with the batch's status."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import bpy

from ..bridge.model_service import SERVICE, ModelConfig
from .batch import describe, run_job
from .jobs import Job, JobError, JobLine, read_jobs
from .outputs import remove_stale_temporaries
from .signals import BatchInterrupted, InterruptWatch

COMMAND_LINE = "command line"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oor_batch.py",
        description="Headless OOR Arrange: apply relations to .blend files without the UI.")
    p.add_argument("--blend", help="input .blend (default: the file Blender opened)")
    p.add_argument("--relation", nargs=3, action="append", default=[],
                   metavar=("BASE", "TARGET", "PROMPT"), help="object names and a prompt")
    p.add_argument("--axes", action="append", default=[], metavar="OBJECT=UP,FRONT",
                   help="set an object's local up and front axes, e.g. Teapot=+Y,+X (axes "
                   "+X..-Z); default: detected from the mesh")
    p.add_argument("--settle", action="store_true",
                   help="after placing, drop targets into a resting pose with Blender's "
                   "rigid-body physics (kept only if the relation still holds)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed, 0..2^32-1")
    p.add_argument("--mode", choices=("sample", "refine"), default="sample")
    p.add_argument("--save", help="output .blend (the input is never modified otherwise)")
    p.add_argument("--report", help="output JSON: final matrix_world and sampled phi")
    p.add_argument("--jobs", help="JSONL file, one job per line (fields as the options above)")
    p.add_argument("--demo", action="store_true",
                   help="build the tea-set demo, save out/demo.blend and render out/demo.png")
    p.add_argument("--candidates", type=int, default=16,
                   help="samples ranked per relation, 1..256")
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


def _axes_option(value: str) -> tuple[str, dict]:
    """'Teapot=+Y,+X' -> ('Teapot', {'up': '+Y', 'front': '+X'}); the Job validates the axes."""
    name, _, axes = value.rpartition("=")
    up, _, front = axes.partition(",")
    if not name or not up or not front:
        raise JobError(f"--axes {value!r}: write OBJECT=UP,FRONT, e.g. Teapot=+Y,+X")
    return name, {"up": up, "front": front}


def _lines(args) -> list[JobLine]:
    """The jobs to run, each already validated; SystemExit(2) when none can be read at all."""
    inherited = {"blend": args.blend or bpy.data.filepath or None, "seed": args.seed,
                 "mode": args.mode, "candidates": args.candidates,
                 "keep_size": not args.adopt_size, "settle": args.settle}
    if not args.jobs:
        try:
            job = Job(**inherited, relations=[tuple(r) for r in args.relation], save=args.save,
                      report=args.report,
                      axes=dict(_axes_option(value) for value in args.axes))
        except JobError as error:
            return [JobLine(1, COMMAND_LINE, error=str(error))]
        return [JobLine(1, COMMAND_LINE, job)]
    try:  # options that every line inherits: wrong here, wrong for all
        defaults = Job(**inherited)
    except JobError as error:
        _fail(f"{error} (command line)")
    try:
        return read_jobs(args.jobs, defaults)
    except OSError as error:
        _fail(f"cannot read the jobs file {args.jobs}: {error.strerror or error}")


def _fail(message: str):
    print(f"oor_batch: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_lines(lines: list[JobLine], model_getter) -> int:
    """Every job in its own boundary: a failure is one line and the batch goes on; Ctrl-C or
    SIGTERM stops it within the job (or between two), cleans that job's temporary files and
    exits 130 / 143. A job whose outputs were already published counts as done."""
    done = failed = 0
    position, finished = 0, -1  # the job at hand, the last one that ran to its end
    with InterruptWatch() as watch:
        try:
            for position, line in enumerate(lines):
                watch.published = False
                try:
                    if line.error is not None:
                        raise JobError(line.error)
                    report = run_job(line.job, model_getter, watch)
                except Exception as error:  # isolation: one job never stops another
                    failed += 1
                    print(f"oor_batch: job {line.number} failed ({line.label}): "
                          f"{describe(error)}", file=sys.stderr)
                else:
                    done += 1
                    placed = ", ".join(f"{r['target']} -> {r['base']}"
                                       + (f" ({r['roles']})" if r.get("roles") else "")
                                       for r in report["relations"])
                    print(f"oor_batch: job {line.number} done ({line.label}): {placed}")
                finished = position
        except BatchInterrupted as stop:
            if finished < position and watch.published:  # stopped on its way out: it is done
                done, finished = done + 1, position
            print(f"oor_batch: {stop.name}: stopped {_where(lines, position, finished)}; "
                  f"{done} done, {failed} failed, {len(lines) - done - failed} not run",
                  file=sys.stderr)
            return stop.status
    print(f"oor_batch: {done} done, {failed} failed, {len(lines)} in all")
    return 1 if failed else 0


def _where(lines: list[JobLine], position: int, finished: int) -> str:
    if finished < position:
        line = lines[position]
        return f"during job {line.number} ({line.label}); its temporary files were removed"
    if finished + 1 < len(lines):
        line = lines[finished + 1]
        return f"before job {line.number} ({line.label})"
    return "after the last job"


def main(argv: list[str]) -> int:
    started = time.time()
    args = parser().parse_args(argv)
    config = ModelConfig(args.model, "", args.threads)
    lines = [] if args.demo else _lines(args)
    undo = _ensure_registered()  # bpy hangs at exit with classes registered: always undone
    try:
        if args.demo:
            from .demo import run_demo

            return run_demo(Path(args.out), lambda: SERVICE.get(config),
                            render_picture=not args.no_render)
        folders = {Path(out).parent for line in lines if line.job for out in line.job.outputs()}
        remove_stale_temporaries(folders, older_than=started)
        return run_lines(lines, lambda: SERVICE.get(config))
    finally:
        undo()
