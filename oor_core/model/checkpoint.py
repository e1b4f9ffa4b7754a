"""Model files: safetensors weights + a validated JSON metadata record. Never pickle.

A checkpoint is one `.safetensors` file whose header carries the metadata JSON under the key
`oor_metadata` (so the weights can never be separated from their normalisation or encoder
identity), plus a human-readable copy next to it (`<name>.json`). Loading reads the header
length first and refuses anything that is not a well-formed safetensors file, so a pickle (or
any other payload) is rejected before a single byte of it is interpreted; `torch.load` is never
used anywhere in the project.
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path

import torch

from ..errors import ModelEncoderMismatch, ModelLoadError

FORMAT = "oor-diffusion"
FORMAT_VERSION = 1
METADATA_KEY = "oor_metadata"
_MAX_HEADER = 64 * 1024 * 1024  # safetensors' own limit is 100 MB; ours are a few kB


def sidecar_path(path: str | os.PathLike) -> Path:
    return Path(path).with_suffix(".json")


# --------------------------------------------------------------------------- metadata
def _require(cond: bool, path: Path, what: str) -> None:
    if not cond:
        raise ModelLoadError(f"{path}: invalid model metadata: {what}")


def _finite_list(value, length: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == length
        and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value)
    )


def validate_metadata(meta, path: str | os.PathLike = "<metadata>") -> dict:
    """Check the fields every loader relies on; returns the metadata unchanged."""
    path = Path(path)
    _require(isinstance(meta, dict), path, "not a JSON object")
    _require(meta.get("format") == FORMAT, path, f"format is not {FORMAT!r}")
    _require(meta.get("format_version") == FORMAT_VERSION, path,
             f"format_version {meta.get('format_version')!r} (this code reads {FORMAT_VERSION})")
    enc = meta.get("encoder")
    _require(isinstance(enc, dict) and isinstance(enc.get("name"), str)
             and isinstance(enc.get("dim"), int) and isinstance(enc.get("pooling"), str),
             path, "encoder must be {name: str, dim: int, pooling: str}")
    norm = meta.get("normalization")
    _require(isinstance(norm, dict) and _finite_list(norm.get("mean"), 15)
             and _finite_list(norm.get("std"), 15), path,
             "normalization must hold 15 finite means and stds")
    _require(all(s > 0 for s in norm["std"]), path, "normalization std must be positive")
    sde = meta.get("sde")
    _require(isinstance(sde, dict) and all(
        isinstance(sde.get(k), (int, float)) for k in ("sigma_min", "sigma_max", "eps")),
        path, "sde must hold sigma_min, sigma_max, eps")
    _require(0 < sde["sigma_min"] < sde["sigma_max"], path, "sde needs 0 < sigma_min < sigma_max")
    _require(isinstance(meta.get("network"), dict), path, "network config missing")
    return meta


def check_encoder(meta: dict, identity: dict | None, path: str | os.PathLike) -> None:
    """Refuse an encoder whose (name, dim, pooling) differs from the one the model knows."""
    if identity is None:
        return
    want = meta["encoder"]
    got = {k: identity.get(k) for k in ("name", "dim", "pooling")}
    if {k: want.get(k) for k in got} != got:
        raise ModelEncoderMismatch(
            f"{path}: model was trained with text encoder {want['name']!r} "
            f"(dim {want['dim']}, {want['pooling']} pooling) but got {got['name']!r} "
            f"(dim {got['dim']}, {got['pooling']} pooling); use the matching encoder or retrain"
        )


# ------------------------------------------------------------------------- save / load
def save_checkpoint(path, tensors: dict[str, torch.Tensor], metadata: dict, sidecar: bool = True):
    """Write weights + metadata atomically (temp file, then rename)."""
    from safetensors.torch import save_file

    path = Path(path)
    validate_metadata(metadata, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    text = json.dumps(metadata, sort_keys=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={METADATA_KEY: text})
    os.chmod(tmp, 0o644)  # a model file is data anyone may read (safetensors writes 0600)
    os.replace(tmp, path)
    if sidecar:
        side = sidecar_path(path)
        tmp_side = side.with_name(side.name + ".tmp")
        tmp_side.write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp_side, side)
    return path


def _check_container(path: Path) -> None:
    """Cheap structural check before handing the file to safetensors."""
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelLoadError(f"model path is not a file: {path}")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(9)
    if len(head) < 9:
        raise ModelLoadError(f"{path}: file is empty or truncated ({size} bytes)")
    (header_len,) = struct.unpack("<Q", head[:8])
    if header_len > _MAX_HEADER or head[8:9] != b"{":
        raise ModelLoadError(f"{path}: not a safetensors file (bad header); refusing to load it")
    if 8 + header_len > size:
        raise ModelLoadError(f"{path}: file is truncated (header claims {header_len} bytes)")


def read_metadata(path) -> dict:
    """Metadata only (no tensors read); validated."""
    from safetensors import safe_open

    path = Path(path)
    _check_container(path)
    try:
        with safe_open(str(path), framework="pt") as fh:
            raw = (fh.metadata() or {}).get(METADATA_KEY)
    except Exception as exc:  # safetensors raises its own error types
        raise ModelLoadError(f"{path}: corrupt safetensors file: {exc}") from exc
    if raw is None:
        raise ModelLoadError(f"{path}: no OOR model metadata in the file header")
    try:
        meta = json.loads(raw)
    except ValueError as exc:
        raise ModelLoadError(f"{path}: model metadata is not valid JSON: {exc}") from exc
    return validate_metadata(meta, path)


def load_checkpoint(path, encoder_identity: dict | None = None):
    """-> (tensors, metadata). Raises ModelLoadError / ModelEncoderMismatch with the file named."""
    from safetensors.torch import load_file

    path = Path(path)
    meta = read_metadata(path)
    check_encoder(meta, encoder_identity, path)
    try:
        tensors = load_file(str(path), device="cpu")
    except Exception as exc:
        raise ModelLoadError(f"{path}: corrupt or truncated safetensors file: {exc}") from exc
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ModelLoadError(f"{path}: tensor {name!r} holds NaN or inf")
    return tensors, meta
