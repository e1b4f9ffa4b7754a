"""OOR dataset on disk: versioned directory, stable format, content hash, captured samples.

Layout of DIR/oor-v1/ (see docs/DATASET.md):
    manifest.json   version, seed, content_hash, phi layout, counts
    contexts.jsonl  one context per line: id, family, base, target, split
    prompts.jsonl   one prompt per line: text, context_index, base_name, target_name, split
    samples.npz     phi (N,15) float32, context_index (N,) int64, source (N,) str
Samples of held-out contexts are stored too (they are the evaluation ground truth); training
code must keep only rows whose context split is 'train'.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

VERSION = "oor-v1"
PHI_LAYOUT = {
    "r6": [0, 6],
    "translation": [6, 9],
    "target_scale": [9, 12],
    "base_scale": [12, 15],
    "frame": "base instance canonical space: origin base bbox centre, unit = base longest edge, "
             "x right, y up, z front; x = R (s_T->B * x_hat) + t; r6 = first two columns of R",
}
CONTEXT_SPLITS = ("train", "heldout_category", "heldout_combo")
PROMPT_SPLITS = ("train", "heldout_paraphrase", "heldout_category", "heldout_combo")


@dataclass(frozen=True)
class ContextRecord:
    id: str
    family: str
    base: str
    target: str
    split: str


@dataclass(frozen=True)
class PromptRecord:
    text: str
    context_index: int
    base_name: str
    target_name: str
    split: str


@dataclass
class OORDataset:
    phi: np.ndarray  # (N, 15) float32
    context_index: np.ndarray  # (N,) int64
    source: np.ndarray  # (N,) str: 'library' | 'capture'
    contexts: list[ContextRecord]
    prompts: list[PromptRecord]
    content_hash: str = ""
    version: str = VERSION
    seed: int = 0
    _by_context: dict = field(default_factory=dict, repr=False, compare=False)

    def prompts_for(self, context_index: int, split: str | None = None) -> list[PromptRecord]:
        """Prompts of one context, optionally only those of one prompt split."""
        if not self._by_context:
            for p in self.prompts:
                self._by_context.setdefault(p.context_index, []).append(p)
        rows = self._by_context.get(context_index, [])
        return [p for p in rows if split is None or p.split == split]

    def samples_of(self, context_index: int) -> np.ndarray:
        return self.phi[self.context_index == context_index]

    def rehash(self) -> str:
        self.content_hash = content_hash(self)
        return self.content_hash


def content_hash(ds: OORDataset) -> str:
    """sha256 over the canonical content (records as sorted-key JSON, arrays as raw bytes)."""
    h = hashlib.sha256()
    h.update(f"{ds.version}|{ds.seed}\n".encode())
    for c in ds.contexts:
        h.update(json.dumps(asdict(c), sort_keys=True).encode() + b"\n")
    for p in ds.prompts:
        h.update(json.dumps(asdict(p), sort_keys=True).encode() + b"\n")
    h.update(np.ascontiguousarray(ds.phi, dtype="<f4").tobytes())
    h.update(np.ascontiguousarray(ds.context_index, dtype="<i8").tobytes())
    h.update("\n".join(map(str, ds.source)).encode())
    return h.hexdigest()


def _dataset_dir(path) -> Path:
    path = Path(path)
    return path if (path / "manifest.json").exists() or path.name == VERSION else path / VERSION


def save_dataset(ds: OORDataset, path) -> Path:
    """Write ds under path (the versioned dir, or its parent); returns the versioned dir."""
    out = _dataset_dir(path)
    out.mkdir(parents=True, exist_ok=True)
    ds.rehash()
    with open(out / "contexts.jsonl", "w", encoding="utf-8") as f:
        for c in ds.contexts:
            f.write(json.dumps(asdict(c), sort_keys=True) + "\n")
    with open(out / "prompts.jsonl", "w", encoding="utf-8") as f:
        for p in ds.prompts:
            f.write(json.dumps(asdict(p), sort_keys=True, ensure_ascii=False) + "\n")
    np.savez(out / "samples.npz", phi=ds.phi.astype(np.float32),
             context_index=ds.context_index.astype(np.int64),
             source=np.asarray(ds.source, dtype=str))
    (out / "manifest.json").write_text(json.dumps(_manifest(ds), indent=2, sort_keys=True) + "\n")
    return out


def _manifest(ds: OORDataset) -> dict:
    ctx_split = {s: 0 for s in CONTEXT_SPLITS}
    for c in ds.contexts:
        ctx_split[c.split] = ctx_split.get(c.split, 0) + 1
    prm_split = {s: 0 for s in PROMPT_SPLITS}
    for p in ds.prompts:
        prm_split[p.split] = prm_split.get(p.split, 0) + 1
    return {
        "version": ds.version,
        "seed": ds.seed,
        "content_hash": ds.content_hash,
        "phi_layout": PHI_LAYOUT,
        "counts": {
            "samples": len(ds.phi),
            "contexts": len(ds.contexts),
            "prompts": len(ds.prompts),
            "families": len({c.family for c in ds.contexts}),
            "categories": len({c.base for c in ds.contexts} | {c.target for c in ds.contexts}),
            "contexts_per_split": ctx_split,
            "prompts_per_split": prm_split,
            "samples_per_source": {s: int(np.sum(ds.source == s)) for s in ("library", "capture")},
        },
        "files": ["contexts.jsonl", "prompts.jsonl", "samples.npz"],
    }


def load_dataset(path) -> OORDataset:
    """Load DIR/oor-v1 (or the versioned dir itself); verifies the content hash."""
    src = _dataset_dir(path)
    manifest = json.loads((src / "manifest.json").read_text())
    with open(src / "contexts.jsonl", encoding="utf-8") as f:
        contexts = [ContextRecord(**json.loads(line)) for line in f if line.strip()]
    with open(src / "prompts.jsonl", encoding="utf-8") as f:
        prompts = [PromptRecord(**json.loads(line)) for line in f if line.strip()]
    with np.load(src / "samples.npz") as z:
        phi, ci, source = z["phi"].astype(np.float32), z["context_index"].astype(np.int64), z[
            "source"].astype(str)
    ds = OORDataset(phi, ci, source, contexts, prompts, manifest["content_hash"],
                    manifest["version"], int(manifest["seed"]))
    actual = content_hash(ds)
    if actual != manifest["content_hash"]:
        raise ValueError(f"dataset {src} content hash mismatch: manifest {manifest['content_hash']}"
                         f", content {actual}")
    return ds


def with_library_rows(ds: OORDataset, phis: list[np.ndarray], context_index: list[np.ndarray],
                      contexts=(), prompts=()) -> OORDataset:
    """An in-memory copy of `ds` with library rows (and their new context and prompt records)
    appended. It keeps `ds`'s content hash: training augmentation, never saved."""
    phi = np.concatenate([ds.phi, *[np.asarray(p, dtype=np.float32) for p in phis]])
    return OORDataset(
        phi=phi, context_index=np.concatenate([ds.context_index, *context_index]),
        source=np.concatenate([ds.source, np.full(len(phi) - len(ds.phi), "library")]),
        contexts=[*ds.contexts, *contexts], prompts=[*ds.prompts, *prompts],
        content_hash=ds.content_hash, version=ds.version, seed=ds.seed)


def append_captured(path, records: list[dict]) -> OORDataset:
    """Add samples captured from real scenes; each becomes a training context/prompt.

    record: {"prompt": str, "base": str, "target": str, "phi": 15 floats, "family": optional}.
    Records with the same (family, base, target) share one context; the hash is updated.
    """
    ds = load_dataset(path)
    index = {c.id: i for i, c in enumerate(ds.contexts)}
    known_prompts = {(p.text, p.context_index) for p in ds.prompts}
    new_phi, new_ci = [], []
    for rec in records:
        phi = np.asarray(rec["phi"], dtype=np.float64)
        if phi.shape != (15,) or not np.all(np.isfinite(phi)):
            raise ValueError(f"captured phi must be 15 finite floats, got {rec['phi']!r}")
        family = rec.get("family") or "captured"
        cid = f"capture:{family}|{rec['base']}|{rec['target']}"
        if cid not in index:
            index[cid] = len(ds.contexts)
            ds.contexts.append(ContextRecord(cid, family, rec["base"], rec["target"], "train"))
        ci = index[cid]
        if (rec["prompt"], ci) not in known_prompts:
            known_prompts.add((rec["prompt"], ci))
            ds.prompts.append(PromptRecord(rec["prompt"], ci, rec["base"], rec["target"], "train"))
        new_phi.append(phi)
        new_ci.append(ci)
    if new_phi:
        ds.phi = np.concatenate([ds.phi, np.asarray(new_phi, dtype=np.float32)])
        ds.context_index = np.concatenate([ds.context_index, np.asarray(new_ci, dtype=np.int64)])
        ds.source = np.concatenate([ds.source, np.full(len(new_phi), "capture")])
    ds._by_context = {}
    save_dataset(ds, _dataset_dir(path))
    return ds
