# SPDX-License-Identifier: GPL-3.0-or-later
"""A fine-tune running beside Blender's main thread: progress to poll, a flag to cancel.

The worker thread never touches bpy: it reads the captures and the model given to it and
writes a new model file; the operator's timer polls `snapshot()` on the main thread and makes
the result active there. torch releases the GIL inside every tensor operation, and the
training loop yields it between steps, so the main thread keeps drawing (measured by
tools/bench_finetune_ui.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported when a fine-tune starts, never when the add-on registers
    from ..oor_core.training.finetune import FinetuneResult, FinetuneSettings


@dataclass(frozen=True)
class Snapshot:
    stage: str
    done: int
    total: int
    running: bool
    seconds: float
    result: FinetuneResult | None = None
    error: str = ""
    cancelled: bool = False

    @property
    def fraction(self) -> float:
        """Share of the whole run: preparing counts as the first 10 %."""
        if self.stage != "training" or not self.total:
            return 0.0 if self.running else 1.0
        return 0.1 + 0.9 * self.done / self.total


class FinetuneWorker:
    def __init__(self, captures, out_path: Path, init_path: str = "",
                 settings: FinetuneSettings | None = None, encoder=None, cache_dir=None):
        self._args = (captures, out_path)
        self._kwargs = {"init_path": init_path or None, "encoder": encoder,
                        "cache_dir": cache_dir, **({"settings": settings} if settings else {})}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._state = {"stage": "starting", "done": 0, "total": 1}
        self._result: FinetuneResult | None = None
        self._error = ""
        self._cancelled = False
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="oor-finetune", daemon=True)

    def start(self) -> FinetuneWorker:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def run_here(self) -> Snapshot:
        """Run on the calling thread (blender -b, the batch runner): the final snapshot."""
        self._started = time.perf_counter()
        self._run()
        return self.snapshot()

    def _progress(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self._state = {"stage": stage, "done": done, "total": total}

    def _run(self) -> None:
        from ..oor_core.training.finetune import FinetuneCancelled, FinetuneError, run_finetune

        try:
            result = run_finetune(*self._args, **self._kwargs, progress=self._progress,
                                  should_stop=self._stop.is_set)
            with self._lock:
                self._result = result
        except FinetuneCancelled as error:
            with self._lock:
                self._error, self._cancelled = str(error), True
        except FinetuneError as error:
            with self._lock:
                self._error = str(error)
        except Exception as error:  # any failure is reported, never a dead thread
            with self._lock:
                self._error = (f"fine-tuning failed ({type(error).__name__}: {error}); the "
                               "active model is unchanged")

    @property
    def init_path(self) -> str:
        """The model in use when the fine-tune started ("" = shipped)."""
        return str(self._kwargs["init_path"] or "")

    def cancel(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Snapshot:
        self._thread.join(timeout)
        return self.snapshot()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self._state["stage"], self._state["done"], self._state["total"],
                            self._thread.is_alive(), time.perf_counter() - self._started,
                            self._result, self._error, self._cancelled)


_CURRENT: list[FinetuneWorker] = []  # the one fine-tune the add-on runs at a time


def current() -> FinetuneWorker | None:
    return _CURRENT[0] if _CURRENT else None


def adopt(worker: FinetuneWorker | None) -> None:
    _CURRENT.clear()
    if worker is not None:
        _CURRENT.append(worker)


def stop_current(timeout: float = 30.0) -> None:
    """Cancel a running fine-tune and wait for it to stop (it checks between steps)."""
    worker = current()
    if worker is not None and worker.snapshot().running:
        worker.cancel()
        worker.wait(timeout)
