# SPDX-License-Identifier: GPL-3.0-or-later
"""One long-lived batch worker process (a Ray actor, headless/parallel.py): it imports bpy,
registers the add-on and loads the model once, then runs whole jobs one at a time, exactly as
the single-process runner does (headless/batch.py). A job's failure is returned, never raised,
so it cannot take the worker down with it."""

from __future__ import annotations

import os
import socket
import time

from ..bridge.model_service import SERVICE, ModelConfig
from .batch import describe, run_job
from .jobs import Job
from .registration import ensure_registered
from .tally import placed_summary


def _ray_node() -> str:
    """' node 1a2b3c4d' inside a Ray worker (which node of a cluster ran the job), else ''."""
    try:
        import ray

        return f" node {ray.get_runtime_context().get_node_id()[:8]}"
    except Exception:  # not under Ray, or Ray not installed: the process is name enough
        return ""


class BatchWorker:
    def __init__(self, model: str, threads: int):
        self._unregister = ensure_registered()
        self.config = ModelConfig(model, "", threads)
        self.name = f"{socket.gethostname()}:{os.getpid()}{_ray_node()}"
        self.load_error = None
        try:
            SERVICE.get(self.config)  # once, before the first job
        except Exception as error:  # each job then says why the model is missing
            self.load_error = describe(error)

    def ready(self) -> str:
        return self.name

    def run(self, job: Job) -> dict:
        started = time.perf_counter()
        try:
            report = run_job(job, lambda: SERVICE.get(self.config))
        except Exception as error:  # isolation: reported, the worker goes on
            outcome = {"error": describe(error)}
        else:
            outcome = {"placed": placed_summary(report)}
        return {**outcome, "seconds": time.perf_counter() - started, "worker": self.name}

    def close(self) -> str:
        """Unregister before the process ends: bpy hangs at exit with classes registered
        (DESIGN.md section 6). The driver then ends the process without Python's exit
        handlers, which can deadlock in bpy after file I/O."""
        self._unregister()
        self._unregister = lambda: None
        return self.name
