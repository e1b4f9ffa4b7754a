# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line of oor_batch.py (interface: DESIGN.md section 5): parse, register the add-on,
run the jobs or the demo, report one line per job and exit with the batch's status."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import bpy

from ..bridge.model_service import SERVICE, ModelConfig
from .batch import describe, job_outcome
from .jobs import Job, JobError, JobFile, JobLine
from .outputs import remove_stale_temporaries
from .registration import ensure_registered
from .results import ResultsLog
from .signals import BatchInterrupted, InterruptWatch
from .tally import Tally

COMMAND_LINE = "command line"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oor_batch.py",
        description="Headless OOR Arrange: apply relations to .blend files without the UI.")
    p.add_argument("--blend", help="input .blend (default: the file Blender opened)")
    p.add_argument("--relation", nargs=3, action="append", default=[],
                   metavar=("BASE", "TARGET", "PROMPT"), help="object names and a prompt")
    p.add_argument("--description", metavar="TEXT",
                   help="the whole scene in words instead of --relation: one relation per "
                   "clause between the scene's objects")
    p.add_argument("--suggest", action="store_true",
                   help="no text: arrange the scene's objects in their typical relations "
                   "(Suggest Relations)")
    p.add_argument("--axes", action="append", default=[], metavar="OBJECT=UP,FRONT",
                   help="set an object's local up and front axes, e.g. Teapot=+Y,+X (axes "
                   "+X..-Z); default: detected from the mesh")
    p.add_argument("--settle", action="store_true",
                   help="after placing, drop targets into a resting pose with Blender's "
                   "rigid-body physics (kept only if the relation still holds)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed, 0..2^32-1")
    p.add_argument("--seeds", metavar="N|S1,S2,...",
                   help="variants: N seeds from --seed on, or a list; one output each "
                   "({seed} and {index} in --save/--report)")
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
    p.add_argument("--finetune", nargs="?", const="", default=None, metavar="FOLDER",
                   help="first fine-tune --model (default: the shipped one) on the captures in "
                        "FOLDER (default: the add-on's Your Relations); the jobs of this run, "
                        "if any, then use the result")
    p.add_argument("--finetune-out", default="", metavar="FILE.safetensors",
                   help="where --finetune writes (default: a new file in the add-on's user "
                        "folder, models/)")
    p.add_argument("--finetune-steps", type=int, default=None, metavar="N",
                   help="training steps of --finetune (default 1500, about a minute)")
    p.add_argument("--results", metavar="FILE.jsonl",
                   help="one line per finished job (status, seconds, worker, outputs, error), "
                   "flushed as it goes")
    p.add_argument("--resume", action="store_true",
                   help="skip the jobs that --results says are done and whose outputs exist")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run the jobs on N processes with Ray (default with --ray-address: "
                   "the cluster's CPUs; locally: this machine's cores)")
    p.add_argument("--ray-address", default=os.environ.get("RAY_ADDRESS"), metavar="ADDRESS",
                   help="run on an existing Ray cluster (default: $RAY_ADDRESS)")
    p.add_argument("--progress", choices=("auto", "bar", "lines"), default="auto",
                   help="a progress bar (on a terminal) or plain lines every 10 s (otherwise)")
    p.add_argument("--out", default="out", help="output folder of --demo")
    p.add_argument("--no-render", action="store_true", help="--demo without the picture")
    return p


def _axes_option(value: str) -> tuple[str, dict]:
    """'Teapot=+Y,+X' -> ('Teapot', {'up': '+Y', 'front': '+X'}); the Job validates the axes."""
    name, _, axes = value.rpartition("=")
    up, _, front = axes.partition(",")
    if not name or not up or not front:
        raise JobError(f"--axes {value!r}: write OBJECT=UP,FRONT, e.g. Teapot=+Y,+X")
    return name, {"up": up, "front": front}


def _seeds_option(value: str | None):
    """'--seeds 5' is a count, '--seeds 0,100' a list; the Job validates them."""
    if value is None:
        return None
    words = [word.strip() for word in value.split(",")]
    try:
        numbers = [int(word) for word in words if word]
    except ValueError:
        raise JobError(f"--seeds {value!r}: write a count (5) or seeds (0,100,200)") from None
    return numbers if "," in value else (numbers[0] if numbers else value)


def _lines(args) -> Iterable[JobLine]:
    """The jobs to run (a stream with len()), each validated on its own; SystemExit(2) when
    none can be read at all."""
    inherited = {"blend": args.blend or bpy.data.filepath or None, "seed": args.seed,
                 "mode": args.mode, "candidates": args.candidates,
                 "keep_size": not args.adopt_size, "settle": args.settle}
    if not args.jobs:
        try:
            job = Job(**inherited, relations=[tuple(r) for r in args.relation], save=args.save,
                      report=args.report, seeds=_seeds_option(args.seeds),
                      description=args.description, suggest=args.suggest,
                      axes=dict(_axes_option(value) for value in args.axes))
        except JobError as error:
            return [JobLine(1, COMMAND_LINE, error=str(error))]
        return [JobLine(1, variant.label, variant, variant=i)
                for i, variant in enumerate(job.variants())]
    try:  # options that every line inherits: wrong here, wrong for all
        defaults = Job(**inherited, seeds=_seeds_option(args.seeds))
    except JobError as error:
        _fail(f"{error} (command line)")
    try:
        return JobFile(args.jobs, defaults)
    except OSError as error:
        _fail(f"cannot read the jobs file {args.jobs}: {error.strerror or error}")


def _fail(message: str):
    print(f"oor_batch: {message}", file=sys.stderr)
    raise SystemExit(2)


def run_lines(lines: Iterable[JobLine], model_getter, results: ResultsLog | None = None,
              progress: bool | None = None) -> int:
    """Every job in its own boundary, in this process: a failure is one line and the batch goes
    on; Ctrl-C or SIGTERM stops it within the job (or between two), cleans that job's temporary
    files and exits 130 / 143. A job whose outputs were already published counts as done."""
    tally = Tally(len(lines), results or ResultsLog(None), progress)
    current, state, consumed = None, "none", 0  # the job at hand: "before", "during", "after"
    worker = f"local:{os.getpid()}"
    with InterruptWatch() as watch:
        try:
            for line in lines:
                current, state, consumed = line, "before", consumed + 1
                if tally.results.already_done(line):
                    with watch.deferred():
                        tally.skip(line)
                        state = "after"
                    continue
                watch.published, started, state = False, time.perf_counter(), "during"
                outcome = {"error": describe(JobError(line.error))} if line.error is not None \
                    else job_outcome(line.job, model_getter, watch)
                with watch.deferred():  # its line and its log entry are written whole, once
                    tally.finished(line, time.perf_counter() - started, worker, **outcome)
                    state = "after"
        except BatchInterrupted as stop:
            if state == "during" and watch.published:  # stopped on its way out: it is done
                tally.finished(current, time.perf_counter() - started, worker,
                               placed="(outputs published before the stop)")
                state = "after"
            if state in ("none", "after"):  # between two jobs: name the one that did not start
                # (a fresh reading: the signal may have ended the stream's own iterator)
                current = next(islice(iter(lines), consumed, None), None)
                state = "before"
            where = f"before job {current.number} ({current.label})" if current else \
                "after the last job"
            if state == "during":
                where = f"during job {current.number} ({current.label}); its temporary files " \
                        "were removed"
            tally.close()
            print(f"oor_batch: {stop.name}: stopped {where}; {tally.done} done, "
                  f"{tally.failed} failed, {tally.total - tally.counted} not run",
                  file=sys.stderr)
            return stop.status
    tally.close()
    print(tally.summary())
    return 1 if tally.failed else 0


def main(argv: list[str]) -> int:
    started = time.time()
    args = parser().parse_args(argv)
    if args.finetune is None and (args.finetune_out or args.finetune_steps is not None):
        _fail("--finetune-out and --finetune-steps go with --finetune")
    config = ModelConfig(args.model, "", args.threads)
    only_finetune = args.finetune is not None and not (
        args.jobs or args.relation or args.description or args.suggest or args.demo)
    lines = [] if args.demo or only_finetune else _lines(args)
    undo = ensure_registered()  # bpy hangs at exit with classes registered: always undone
    try:
        if args.finetune is not None:
            from .teach import finetune_from_args

            steps = 1500 if args.finetune_steps is None else args.finetune_steps
            tuned = finetune_from_args(args.finetune, args.finetune_out, steps, args.model,
                                       args.threads)
            if only_finetune:
                return 0
            config = ModelConfig(str(tuned), "", args.threads)
        if args.demo:
            from .demo import run_demo

            return run_demo(Path(args.out), lambda: SERVICE.get(config),
                            render_picture=not args.no_render)
        folders = lines.folders if isinstance(lines, JobFile) else {
            Path(out).parent for line in lines if line.job for out in line.job.outputs()}
        remove_stale_temporaries(folders, older_than=started)
        progress = {"auto": None, "bar": True, "lines": False}[args.progress]
        try:
            results = ResultsLog(args.results, args.resume)
        except (JobError, OSError) as error:
            _fail(f"--results {args.results}: {getattr(error, 'strerror', None) or error}")
        if args.workers is not None or args.ray_address:
            from .parallel import run_parallel

            return run_parallel(lines, results, args.workers, args.ray_address, config,
                                progress)
        return run_lines(lines, lambda: SERVICE.get(config), results, progress)
    finally:
        undo()
