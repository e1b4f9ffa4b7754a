# SPDX-License-Identifier: GPL-3.0-or-later
"""The batch on many processes and machines with Ray (`--workers N`, `--ray-address ADDR`).

Ray is optional: the extension does not bundle it, and without it everything but these two
options works. The driver streams the jobs file and keeps at most two jobs queued per worker,
so its memory does not grow with the number of jobs; each result is logged as it arrives. Every
job runs whole in one worker (headless/worker.py) with the single-process runner's code, so its
outputs are staged and published atomically there. A worker process that dies (a crash inside
Blender) fails its job alone and is restarted.

Workers import the add-on by the package name the driver uses (`oor_arrange`): its folder is
put on their import path through a link, which nodes of a cluster see when the add-on and the
Python environment are at the same path on every node (a shared file system), as Ray expects.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from ..bridge.model_service import ModelConfig
from .jobs import JobError
from .results import ResultsLog
from .signals import BatchInterrupted, InterruptWatch
from .tally import Tally

QUEUED_PER_WORKER = 2  # one running, one waiting: no idle gap between two jobs
POLL_S = 0.25  # ray.wait wakes this often, so Ctrl-C is handled promptly
RAY_PIN = "ray==2.60.0"


def _ray():
    try:
        import ray
    except ImportError:
        raise JobError(f"--workers and --ray-address need Ray, which is not installed here: "
                       f"pip install {RAY_PIN} (the single-process runner needs nothing more)"
                       ) from None
    return ray


def _package_root() -> tuple[str, Path]:
    package = __package__.rsplit(".", 1)[0]
    return package, Path(sys.modules[package].__file__).resolve().parent


def _import_path(package: str, root: Path) -> str:
    """A folder holding `<package>` -> the add-on folder, for the workers' PYTHONPATH. Beside
    the add-on when possible (a shared file system shows it to every node), else in /tmp."""
    if "." in package:
        raise JobError(f"--workers runs the add-on from its folder as `oor_arrange` (python "
                       f"oor_batch.py ...); this copy is loaded as {package}")
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]  # one folder per add-on copy
    for parent in (root / "build" / "ray-import-path", Path(tempfile.gettempdir()) /
                   f"oor-ray-import-{os.getuid()}-{digest}"):
        link = parent / package
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() and link.resolve() != root:
                link.unlink()
            if not link.exists():
                link.symlink_to(root, target_is_directory=True)
            return str(parent)
        except OSError:
            continue
    raise JobError(f"cannot make an import path for the workers beside {root} or in /tmp")


def _start(ray, workers: int | None, address: str | None, import_path: str) -> int:
    env = {"PYTHONPATH": os.pathsep.join([import_path, *filter(None, [
        os.environ.get("PYTHONPATH")])]), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    options = {"runtime_env": {"env_vars": env}, "log_to_driver": False,
               "configure_logging": False}
    if address:
        ray.init(address=address, **options)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        return workers or cpus
    count = workers or os.cpu_count() or 1
    # A one-machine runtime for this process alone: Ray then binds it to the loopback address
    # instead of the machine's network address (its switch for "not a cluster").
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray.init(num_cpus=count, include_dashboard=False, **options)
    return count


def run_parallel(lines, results: ResultsLog, workers: int | None, address: str | None,
                 config: ModelConfig, progress: bool | None = None) -> int:
    """Run the jobs on `workers` Ray workers; same lines, log, summary and statuses as the
    single-process runner."""
    if workers is not None and workers < 1:
        raise SystemExit("oor_batch: --workers must be at least 1")
    try:
        ray = _ray()
        package, root = _package_root()
        import_path = _import_path(package, root)
    except JobError as error:
        print(f"oor_batch: {error}", file=sys.stderr)
        return 2
    tally = Tally(len(lines), results, progress)
    try:
        count = _start(ray, workers, address, import_path)
        with InterruptWatch():  # after ray.init, which sets handlers of its own
            return _drive(ray, count, lines, tally, config)
    except BatchInterrupted as stop:
        tally.close()
        print(f"oor_batch: {stop.name}: stopped with jobs running (their workers were ended; "
              f"their temporary files go at the next start); {tally.done} done, "
              f"{tally.failed} failed, {tally.total - tally.counted} not run", file=sys.stderr)
        return stop.status
    finally:
        if ray.is_initialized():
            ray.shutdown()


def _drive(ray, count: int, lines, tally: Tally, config: ModelConfig) -> int:
    from .worker import BatchWorker

    cores = int(ray.cluster_resources().get("CPU", 1))
    threads = config.cpu_threads or max(1, cores // count)
    remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(BatchWorker)
    actors = [remote.remote(config.model_path, threads) for _ in range(count)]
    names = {}
    try:
        for actor in actors:
            names[actor] = ray.get(actor.ready.remote())
        tally.progress.write(f"oor_batch: {count} workers ready ({', '.join(names.values())})")
        _feed(ray, actors, names, iter(lines), tally)
    except BatchInterrupted:
        for actor in actors:  # mid-job: end them now (no exit handlers run, so no bpy hang)
            ray.kill(actor, no_restart=True)
        raise
    _stop_workers(ray, actors)
    tally.close()
    print(tally.summary())
    return 1 if tally.failed else 0


def _feed(ray, actors, names, pending, tally: Tally) -> None:
    """Keep every worker busy with the next jobs until the stream is empty."""
    running = {}  # ObjectRef -> (line, actor, submitted at)
    load = dict.fromkeys(actors, 0)
    exhausted = False
    while True:
        while not exhausted and len(running) < QUEUED_PER_WORKER * len(actors):
            line = next(pending, None)
            if line is None:
                exhausted = True
                break
            if tally.results.already_done(line):
                tally.skip(line)
                continue
            if line.error is not None:  # refused before it could run: no worker needed
                tally.finished(line, 0.0, "driver", error=line.error)
                continue
            actor = min(actors, key=load.__getitem__)
            load[actor] += 1
            running[actor.run.remote(line.job)] = (line, actor, time.perf_counter())
        if not running:
            return
        ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
        for ref in ready:
            line, actor, submitted = running.pop(ref)
            load[actor] -= 1
            try:
                outcome = ray.get(ref)
            except ray.exceptions.RayError as error:  # the worker process died in this job
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                tally.finished(line, time.perf_counter() - submitted, names.get(actor, "?"),
                               error=f"its worker process died ({first[:200]}); the worker "
                               "was restarted for the next jobs")
                continue
            tally.finished(line, outcome["seconds"], outcome["worker"],
                           placed=outcome.get("placed"), error=outcome.get("error"))


def _stop_workers(ray, actors) -> None:
    """Unregister in each worker (bpy's exit trap), then end the processes (a dead worker has
    nothing left to unregister)."""
    closing = [actor.close.remote() for actor in actors]
    with suppress(Exception):
        ray.wait(closing, num_returns=len(closing), timeout=30)
    for actor in actors:
        with suppress(Exception):
            ray.kill(actor, no_restart=True)
