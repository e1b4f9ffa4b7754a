# SPDX-License-Identifier: GPL-3.0-or-later
"""Which model Apply Relation uses: the shipped one, or the artist's latest fine-tune.

The choice lives in the user folder (`active_model.json`), not in the preferences, so that it
holds without saving the preferences and in sessions that register the add-on without enabling
it (scripts, tests). A model file set by hand in the preferences still wins over it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..oor_core.fresh_names import untaken_path
from .user_data import user_data_dir

ACTIVE_FILE = "active_model.json"
# The shipped model's readable metadata (its sidecar), found without importing torch.
SHIPPED_METADATA = Path(__file__).resolve().parents[1] / "oor_core" / "weights" / "oor_model.json"


def models_dir() -> Path:
    return user_data_dir() / "models"


def new_model_path() -> Path:
    """A fresh file name for a fine-tuned model (never an existing one)."""
    return untaken_path(models_dir(), f"oor_finetuned-{time.strftime('%Y%m%d-%H%M%S')}",
                        ".safetensors")


_READ: dict[str, tuple[tuple, object]] = {}  # path -> (file stamp, parsed JSON)


def _json_file(path: Path):
    """The JSON in `path` (None when missing or unreadable), parsed again only when the file
    changed: the sidebar asks on every redraw."""
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
    cached = _READ.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        value = None
    _READ[str(path)] = (stamp, value)
    return value


def read_active() -> str:
    """The fine-tuned model in use, or "" for the shipped one."""
    found = _json_file(user_data_dir() / ACTIVE_FILE)
    return str(found["path"]) if isinstance(found, dict) and "path" in found else ""


def set_active(path: str | os.PathLike | None) -> None:
    """Make `path` the model in use (None: the shipped one), written atomically."""
    target = user_data_dir() / ACTIVE_FILE
    if path is None:
        target.unlink(missing_ok=True)
        return
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps({"path": str(path)}) + "\n")
    os.replace(tmp, target)


def model_summary(path: str) -> dict | None:
    """The readable metadata beside a model file (the shipped one for ""), None if unreadable.
    The sidecar is read, not the weights: the panel draws this without importing torch."""
    meta = _json_file(Path(path).with_suffix(".json") if path else SHIPPED_METADATA)
    return meta if isinstance(meta, dict) else None


def encoder_name(path: str) -> str:
    meta = model_summary(path) or {}
    encoder = meta.get("encoder")
    return str(encoder.get("name", "")) if isinstance(encoder, dict) else ""


def describe_model(path: str) -> str:
    """One line for the panel and the preferences: which model, trained on what."""
    if not path:
        return "Shipped model"
    name = Path(path).name
    meta = model_summary(path)
    if meta is None or not Path(path).is_file():
        return f"{name}: missing or unreadable (Use Shipped Model to go back)"
    tuned = meta.get("finetune")
    if not tuned:
        return f"Model file {name}"
    relations = tuned.get("relations", [])
    return (f"Fine-tuned on {tuned.get('captures', 0)} capture(s) of {len(relations)} "
            f"relation(s): {name}")
