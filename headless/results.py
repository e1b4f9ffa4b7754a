# SPDX-License-Identifier: GPL-3.0-or-later
"""The results log (`--results FILE.jsonl`) and what `--resume` reads back from it.

One JSON line per job as it finishes (job line, seed, status, seconds, when it finished (Unix
time), worker, outputs, the one-line error), flushed at once, so a crash or a kill of the runner
loses no finished result.
`--resume` skips a job whose line says done and whose outputs all still exist; the others run
again. A job is known by its `key` (every field of the job but where it came from), so editing
a line of the jobs file reruns it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .jobs import JobError, JobLine


def _done_keys(path: Path) -> set[str]:
    """Keys of the jobs the log says are done with every output still on disk. A line the
    killed run left half-written, or any unreadable line, is ignored (that job runs again)."""
    done: set[str] = set()
    with open(path, "rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("status") == "done" \
                    and isinstance(record.get("key"), str) \
                    and all(isinstance(p, str) and os.path.exists(p)
                            for p in record.get("outputs") or []):
                done.add(record["key"])
    return done


class ResultsLog:
    """Appends one line per finished job; with `resume`, knows which jobs need not run."""

    def __init__(self, path: str | None, resume: bool = False):
        self.path = Path(path) if path else None
        self.done_before: set[str] = set()
        if resume and self.path is None:
            raise JobError("--resume reads the results of the earlier run: give --results FILE")
        if self.path is not None and resume and self.path.exists():
            self.done_before = _done_keys(self.path)
        self._handle = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Open across jobs (one line each), closed by close(): no context manager fits.
            self._handle = open(self.path, "a" if resume else "w", encoding="utf-8")  # noqa: SIM115
            if resume and self._handle.tell() > 0:
                self._end_torn_line()

    def _end_torn_line(self) -> None:
        """A run killed mid-write leaves a line without its newline: close it off, so the next
        record starts on its own line (the torn one is then ignored as unreadable)."""
        with open(self.path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                self._handle.write("\n")
                self._handle.flush()

    def already_done(self, line: JobLine) -> bool:
        return line.job is not None and line.key() in self.done_before

    def record(self, line: JobLine, status: str, seconds: float, worker: str,
               error: str | None = None, placed: str | None = None) -> None:
        if self._handle is None:
            return
        job = line.job
        entry = {"job": line.number, "label": line.label, "variant": line.variant,
                 "seed": job.seed if job else None, "key": line.key(), "status": status,
                 "seconds": round(seconds, 4), "finished": round(time.time(), 3), "worker": worker,
                 "outputs": [os.path.abspath(p) for p in job.outputs()] if job and status == "done"
                 else [],
                 **({"placed": placed} if placed else {}), **({"error": error} if error else {})}
        self._handle.write(json.dumps(entry) + "\n")
        self._handle.flush()  # finished work is on record before the next job starts

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> ResultsLog:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
