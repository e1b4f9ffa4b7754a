# SPDX-License-Identifier: GPL-3.0-or-later
"""Ctrl-C (SIGINT) and SIGTERM stop a batch between or within jobs, with the shell's statuses.

Blender runs Python handlers while it loads or saves a .blend and prints and discards whatever
they raise (DESIGN.md section 6), so around those calls a signal is only remembered
(`deferred()`), and raised as soon as Blender returns.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager


class BatchInterrupted(BaseException):
    """Raised at the next Python step after SIGINT or SIGTERM; not caught by `except Exception`."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def status(self) -> int:
        return 128 + self.signum  # 130 for SIGINT, 143 for SIGTERM, as shells report them


class InterruptWatch:
    """Within: SIGINT and SIGTERM raise BatchInterrupted (once; a second signal while cleaning
    up is ignored, SIGKILL still ends everything)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received: int | None = None
        self.published = False  # the running job's outputs are out: it has done its work
        self._deferring = False
        self._previous = {}

    def __enter__(self) -> InterruptWatch:
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, _frame) -> None:
        if self.received is None:
            self.received = signum
            if not self._deferring:
                raise BatchInterrupted(signum)

    @contextmanager
    def deferred(self):
        """Within (a Blender call that runs Python handlers): signals are remembered, then
        raised on the way out."""
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        self.check()

    def check(self) -> None:
        """Raise now if a signal came while it could not be raised."""
        if self.received is not None:
            raise BatchInterrupted(self.received)
