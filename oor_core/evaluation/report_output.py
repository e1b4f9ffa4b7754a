"""Command-line reports: print the JSON and, when asked, write the same text to a file."""

from __future__ import annotations

import json
from pathlib import Path


def emit_json(result: dict, path: str | None = None) -> str:
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text
