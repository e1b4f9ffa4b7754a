# SPDX-License-Identifier: GPL-3.0-or-later
"""What a batch says as its jobs finish, whichever engine ran them: one line per job (done to
stdout, failed to stderr), the results log, the progress line and the closing summary."""

from __future__ import annotations

import sys

from ..oor_core.progress import Progress
from .jobs import JobLine
from .results import ResultsLog


class Tally:
    def __init__(self, total: int, results: ResultsLog, progress: bool | None = None):
        self.total, self.results = total, results
        self.done = self.failed = self.skipped = 0
        self.progress = Progress(total, "oor_batch", unit="job", bar=progress,
                                 final_line=False)  # the summary closes the batch

    def skip(self, line: JobLine) -> None:
        """Done by an earlier run (--resume): counted, not logged again."""
        self.skipped += 1
        self.progress.update()

    def finished(self, line: JobLine, seconds: float, worker: str, placed: str | None = None,
                 error: str | None = None) -> None:
        if error is None:
            self.done += 1
            self._say(f"oor_batch: job {line.number} done ({line.label}): {placed}", sys.stdout)
        else:
            self.failed += 1
            self._say(f"oor_batch: job {line.number} failed ({line.label}): {error}", sys.stderr)
        self.results.record(line, "failed" if error else "done", seconds, worker, error, placed)
        self.progress.note(failed=self.failed)
        self.progress.update()

    def _say(self, text: str, stream) -> None:
        if self.progress.bar is not None:  # above the bar, not through it
            self.progress.bar.write(text, file=stream)
        else:
            print(text, file=stream, flush=True)

    @property
    def counted(self) -> int:
        return self.done + self.failed + self.skipped

    def summary(self) -> str:
        skipped = f", {self.skipped} done before (--resume)" if self.skipped else ""
        return f"oor_batch: {self.done} done, {self.failed} failed{skipped}, {self.total} in all"

    def close(self) -> None:
        self.progress.close()
        self.results.close()
