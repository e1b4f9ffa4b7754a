"""What a checkpoint records about its training (metadata beside the weights)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.checkpoint import FORMAT, FORMAT_VERSION
from ..model.score_network import count_parameters

if TYPE_CHECKING:
    from ..model.text_encoder import TextEncoder
    from .loop import Trainer


def code_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=5)
        return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def dataset_record(ds, path: str) -> dict:
    return {"path": str(path), "content_hash": str(getattr(ds, "content_hash", "")),
            "version": str(getattr(ds, "version", "")), "seed": getattr(ds, "seed", None),
            "rows": len(ds.phi), "contexts": len(ds.contexts), "prompts": len(ds.prompts)}


def build_metadata(trainer: Trainer, encoder: TextEncoder, dataset: dict, extra: dict) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "encoder": encoder.identity,
        "normalization": trainer.normalizer.to_dict(),
        "sde": trainer.sde.to_dict(),
        "network": trainer.ema.config.to_dict(),
        "parameters": count_parameters(trainer.ema),
        "known_scale_mode": "learned",
        "dataset": dataset,
        "code_revision": code_revision(),
        "training": trainer.config.to_dict(),
        "prompt_roles": trainer.config.prompt_roles,  # how OORModel turns a prompt into c
        **extra,
    }
