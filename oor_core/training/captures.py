"""The artist's captured relations on disk: list, add, delete, export, read as a dataset.

A capture folder holds `captures.jsonl` (one capture per line, the record users see in Your
Relations and the input of a fine-tune) and, beside it, the same samples as an OOR dataset
(`oor-v1/`, docs/DATASET.md) so that `python -m oor_core.training --finetune FOLDER` and any
dataset tool read an exported folder as they read the library. Every save writes both beside
the old ones and then swaps them in by renames: a full disk leaves the previous captures intact.
Folders written by earlier versions (the dataset only) are read as captures without dates.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..dataset import VERSION, ContextRecord, OORDataset, PromptRecord, load_dataset, save_dataset
from ..fresh_names import untaken_path

CAPTURES_FILE = "captures.jsonl"
FORMAT = 1


class CaptureError(ValueError):
    """A capture folder cannot be read or written; the message names the folder and why."""


@dataclass(frozen=True)
class Capture:
    """One captured arrangement: how the target sat relative to the base, and the prompt."""

    prompt: str
    base: str  # category names as the add-on read them ('object' when unknown)
    target: str
    phi: tuple[float, ...]  # 15 floats, docs/DATASET.md
    base_object: str = ""  # Blender object names at capture time
    target_object: str = ""
    base_size: tuple[float, ...] | None = None  # metres along the canonical axes
    target_size: tuple[float, ...] | None = None
    when: str = ""  # ISO 8601, UTC
    encoder: str = ""  # text encoder of the model active when captured
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self):
        for name in ("prompt", "base", "target", "base_object", "target_object", "when",
                     "encoder", "id"):
            if not isinstance(getattr(self, name), str):
                raise CaptureError(f"capture {self.id!r}: {name} must be text, got "
                                   f"{getattr(self, name)!r}")
        try:
            phi = np.asarray(self.phi, dtype=np.float64)
        except (TypeError, ValueError):
            raise CaptureError(f"capture {self.id}: phi must be 15 finite numbers") from None
        if phi.shape != (15,) or not np.all(np.isfinite(phi)):
            raise CaptureError(f"capture {self.id}: phi must be 15 finite numbers")
        for name in ("base_size", "target_size"):
            size = getattr(self, name)
            try:
                bad = size is not None and (len(size) != 3 or not all(np.isfinite(size))
                                            or min(size) < 0)
            except TypeError:
                bad = True
            if bad:
                raise CaptureError(f"capture {self.id}: {name} must be 3 sizes in metres")
        if not self.prompt.strip():
            raise CaptureError(f"capture {self.id}: the prompt is empty")

    def to_json(self) -> dict:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, row: dict) -> Capture:
        known = {k: row[k] for k in ("prompt", "base", "target", "phi", "base_object",
                                     "target_object", "base_size", "target_size", "when",
                                     "encoder", "id") if k in row}
        try:
            for key in ("phi", "base_size", "target_size"):
                if known.get(key) is not None:
                    known[key] = tuple(float(v) for v in known[key])
        except (TypeError, ValueError):
            raise CaptureError(f"capture {row.get('id', '?')!r}: phi and sizes must be lists of "
                               "numbers") from None
        return cls(**known)


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def capture_context_id(prompt: str, base: str, target: str) -> str:
    """One train context per prompt (case and spacing aside) and pair: a sample is never paired
    with another capture's prompt."""
    return f"capture:{' '.join(prompt.lower().split())}|{base}|{target}"


def as_dataset(captures: list[Capture]) -> OORDataset:
    """The captures as an OOR dataset: one train context per (prompt, base, target) with that
    prompt, one row per capture (a context never pairs a sample with another capture's
    prompt)."""
    contexts: list[ContextRecord] = []
    prompts: list[PromptRecord] = []
    index: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    rows = []
    for cap in captures:
        cid = capture_context_id(cap.prompt, cap.base, cap.target)
        if cid not in index:
            index[cid] = len(contexts)
            contexts.append(ContextRecord(cid, "captured", cap.base, cap.target, "train"))
        ci = index[cid]
        if (cap.prompt, ci) not in seen:
            seen.add((cap.prompt, ci))
            prompts.append(PromptRecord(cap.prompt, ci, cap.base, cap.target, "train"))
        rows.append(ci)
    phi = np.asarray([c.phi for c in captures], dtype=np.float32).reshape(-1, 15)
    ds = OORDataset(phi=phi, context_index=np.asarray(rows, dtype=np.int64),
                    source=np.full(len(rows), "capture"), contexts=contexts, prompts=prompts,
                    version=VERSION)
    ds.rehash()
    return ds


class CaptureStore:
    """The captures of one folder (the add-on's: `<user folder>/captured`)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    @property
    def file(self) -> Path:
        return self.folder / CAPTURES_FILE

    def load(self) -> list[Capture]:
        if self.file.exists():
            return self._read_lines()
        if (self.folder / VERSION / "manifest.json").exists():
            return self._from_dataset()
        return []

    def _read_lines(self) -> list[Capture]:
        try:
            lines = self.file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CaptureError(f"cannot read the captures in {self.file}: {error}") from None
        out = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise TypeError("not an object")
                if row.get("format", FORMAT) > FORMAT:
                    raise CaptureError(
                        f"{self.file} line {number} was written by a newer version of the "
                        f"add-on (capture format {row['format']}, this one reads {FORMAT})")
                out.append(Capture.from_json(row))
            except CaptureError as error:
                if str(error).startswith(str(self.file)):
                    raise
                raise CaptureError(f"{self.file} line {number}: {error}; fix or delete that "
                                   "line") from None
            except (ValueError, TypeError, KeyError) as error:
                raise CaptureError(f"{self.file} line {number} is not a capture ({error}); "
                                   "fix or delete that line") from None
        return out

    def _from_dataset(self) -> list[Capture]:
        try:
            ds = load_dataset(self.folder)
        except (OSError, ValueError) as error:
            raise CaptureError(f"cannot read the captured dataset in {self.folder}: "
                               f"{error}") from None
        out = []
        for row, (phi, ci) in enumerate(zip(ds.phi, ds.context_index, strict=True)):
            prompts = ds.prompts_for(int(ci))
            if not prompts:
                continue
            ctx = ds.contexts[int(ci)]
            # The same id at every reading (Delete and "+" name captures by it); such a folder
            # kept one prompt list per pair, so a sample takes its pair's first prompt.
            out.append(Capture(prompts[0].text, ctx.base, ctx.target,
                               tuple(float(v) for v in phi), id=f"{ds.content_hash[:8]}-{row}"))
        return out

    def save(self, captures: list[Capture]) -> None:
        """Replace the folder's captures: both views written beside the old ones first, then
        swapped in by renames, so a failed write (a full disk) leaves the old ones whole."""
        staging = self.folder / ".saving"
        lines = staging / CAPTURES_FILE
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            lines.write_text("".join(json.dumps(c.to_json(), ensure_ascii=False) + "\n"
                                     for c in captures), encoding="utf-8")
            save_dataset(as_dataset(captures), staging)
            self._swap_in(staging, lines)
        except OSError as error:
            raise CaptureError(f"could not write the captures to {self.folder}: "
                               f"{error.strerror or error}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _swap_in(self, staging: Path, lines: Path) -> None:
        current, retired = self.folder / VERSION, self.folder / ".retired"
        shutil.rmtree(retired, ignore_errors=True)
        had = current.exists()
        if had:
            os.replace(current, retired)
        try:
            os.replace(staging / VERSION, current)
            os.replace(lines, self.file)
        except OSError:
            if had:  # the old dataset view back, as it was
                shutil.rmtree(current, ignore_errors=True)
                os.replace(retired, current)
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def add(self, capture: Capture) -> list[Capture]:
        captures = [*self.load(), capture]
        self.save(captures)
        return captures

    def delete(self, capture_id: str) -> list[Capture]:
        captures = self.load()
        kept = [c for c in captures if c.id != capture_id]
        if len(kept) == len(captures):
            raise CaptureError(f"no capture {capture_id!r} in {self.folder}")
        self.save(kept)
        return kept

    def export(self, destination: str | os.PathLike) -> Path:
        """Copy the captures (lines and dataset) into `destination`/oor_captures-<date>."""
        captures = self.load()
        if not captures:
            raise CaptureError(f"there are no captures in {self.folder} to export")
        out = untaken_path(destination, f"oor_captures-{now_utc()[:10]}")
        try:
            CaptureStore(out).save(captures)
        except CaptureError:
            shutil.rmtree(out, ignore_errors=True)
            raise
        return out
