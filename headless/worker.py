# SPDX-License-Identifier: GPL-3.0-or-later
"""One long-lived batch worker process (a Ray actor, headless/parallel.py): it imports bpy,
registers the add-on and loads the model once, then runs whole jobs one at a time, exactly as
the single-process runner does (headless/batch.py). A job's failure is returned, never raised,
so it cannot take the worker down with it."""

from __future__ import annotations

import os
import socket
import time
from contextlib import suppress

from ..bridge.model_service import SERVICE, ModelConfig
from .batch import job_outcome
from .jobs import Job
from .registration import ensure_registered


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
        with suppress(Exception):  # a model that fails to load: each job then says why
            SERVICE.get(self.config)  # once, before the first job

    def ready(self) -> str:
        return self.name

    def run(self, job: Job) -> dict:
        started = time.perf_counter()
        outcome = job_outcome(job, lambda: SERVICE.get(self.config))  # never raises
        return {**outcome, "seconds": time.perf_counter() - started, "worker": self.name}

    def close(self) -> str:
        """Unregister before the process ends: bpy hangs at exit with classes registered
        (DESIGN.md section 6). The driver then ends the process without Python's exit
        handlers, which can deadlock in bpy after file I/O."""
        self._unregister()
        self._unregister = lambda: None
        return self.name
