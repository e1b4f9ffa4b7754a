"""Progress of long runs (training, evaluation, batches): a tqdm bar on a terminal, otherwise a
plain line every few seconds, so logs of `make train > log` or a cluster job stay readable
(tqdm's carriage returns turn a log file into one unreadable line)."""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """`update(n)` as work finishes; `note(**fields)` for what the line shows besides the count
    (loss, failures). On a terminal a tqdm bar; otherwise a line every `every` seconds and one at
    the end: "label: 120/200 (60 %), 10.9/s, about 7 s left, failed 1"."""

    def __init__(self, total: int, label: str, initial: int = 0, stream=None,
                 every: float = 10.0, unit: str = "it", bar: bool | None = None,
                 final_line: bool = True):
        self.total, self.n, self.label, self.unit = total, initial, label, unit
        self.final_line = final_line
        self.stream = stream or sys.stderr
        self.every, self.fields = every, {}
        self.started = self.last = time.monotonic()
        self._start_n = initial
        self.bar = None
        if bar if bar is not None else getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, initial=initial, desc=label, unit=unit,
                                dynamic_ncols=True, mininterval=1.0, file=self.stream)

    def note(self, **fields) -> None:
        self.fields.update(fields)
        if self.bar is not None:
            self.bar.set_postfix(self.fields, refresh=False)

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(now)

    def line(self) -> str:
        """The plain progress line as it stands."""
        return self._text(time.monotonic())

    def _text(self, now: float) -> str:
        done = self.n - self._start_n
        rate = done / max(now - self.started, 1e-9)
        parts = [f"{self.label}: {self.n}/{self.total}"
                 + (f" ({100 * self.n / self.total:.0f} %)" if self.total else "")]
        if done:
            parts.append(f"{rate:.3g} {self.unit}/s")
            if self.total and self.n < self.total:
                parts.append(f"about {_duration((self.total - self.n) / rate)} left")
        parts += [f"{key} {value}" for key, value in self.fields.items()]
        return ", ".join(parts)

    def _line(self, now: float) -> None:
        print(self._text(now), file=self.stream, flush=True)

    def write(self, text: str) -> None:
        """A message that does not break the bar."""
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.final_line:
            self._line(time.monotonic())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
