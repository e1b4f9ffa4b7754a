"""A file or folder name not taken yet: `stem`, else `stem-2`, `stem-3`, ... (never overwrites)."""

from __future__ import annotations

from pathlib import Path


def untaken_path(folder: str | Path, stem: str, extension: str = "") -> Path:
    """`folder`/`stem``extension`, or the first `stem-N``extension` (N = 2, 3, ...) not there."""
    path = Path(folder) / f"{stem}{extension}"
    number = 1
    while path.exists():
        number += 1
        path = Path(folder) / f"{stem}-{number}{extension}"
    return path
