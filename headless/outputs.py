# SPDX-License-Identifier: GPL-3.0-or-later
"""A job's output files, all or none: each is written to a temporary file beside its final path
(same file system, so the rename is atomic), checked, then all are renamed together; if one
rename fails, the ones already renamed are removed. Temporary files never outlive their job, and
those of a killed run are removed at the next start."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from .jobs import JobError

TEMP_PREFIX = ".oor-tmp-"
# Ours, and the older `.<name>-<uuid>.blend` ones; Blender writes `<file>@` while saving.
_TEMPORARY = re.compile(r"^\..+-[0-9a-f]{32}\.(blend|json)@?$")


def temporary_beside(final: Path) -> Path:
    """A fresh name next to the output; not created here, or Blender would keep a .blend1
    backup of it."""
    return final.parent / f"{TEMP_PREFIX}{final.stem}-{uuid.uuid4().hex}{final.suffix}"


def _why(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__


class StagedOutputs:
    """`with StagedOutputs() as out: out.stage(path, writer); ...; out.publish()`."""

    def __init__(self):
        self.staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, *_exc) -> None:
        for temporary, _ in self.staged:  # published ones were renamed away already
            temporary.unlink(missing_ok=True)
            temporary.with_name(temporary.name + "@").unlink(missing_ok=True)

    def stage(self, final: str, write: Callable[[Path], None]) -> None:
        path = Path(final)
        if path.is_dir():
            raise JobError(f"cannot write {final}: it is a folder")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = temporary_beside(path)
            self.staged.append((temporary, path))
            write(temporary)
        except (OSError, RuntimeError) as error:
            raise JobError(f"cannot write {final}: {_why(error)}") from None
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise JobError(f"cannot write {final}: nothing was written (disk full?)")

    def publish(self) -> None:
        published: list[Path] = []
        try:
            for temporary, final in self.staged:
                os.replace(temporary, final)
                published.append(final)
        except BaseException as error:
            for final in published:
                final.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise JobError(f"cannot publish {error.filename or 'the outputs'}: "
                               f"{_why(error)}; none of this job's outputs were kept") from None
            raise


def remove_stale_temporaries(folders: Iterable[Path], older_than: float) -> list[Path]:
    """Temporary outputs left by a killed run (not by one still running: older than ours)."""
    removed = []
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                if _TEMPORARY.match(entry.name) and entry.is_file() \
                        and entry.stat().st_mtime < older_than:
                    entry.unlink()
                    removed.append(entry)
            except OSError:
                continue
    return removed
