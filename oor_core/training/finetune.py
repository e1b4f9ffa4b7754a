"""Fine-tune the active model on the artist's captures, in minutes, without forgetting.

What the Fine-tune button, `oor_batch.py --finetune` and `python -m oor_core.training.finetune`
run. The captures are augmented over substitute objects and sizes (retarget.py) and mixed with a
replay of the relation library's train contexts (a fixed share of every batch), so what the
model knew stays known; the run continues from the active model with its own network, text
encoder, normalisation and noise settings. It reports its stage and step to `progress`, stops
between steps when `should_stop()` says so, and writes the result atomically: a cancelled or
failed run (no captures, an unreadable model, a full disk) leaves no file and changes nothing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ..dataset import OORDataset, with_library_rows
from ..errors import ModelLoadError
from ..model.checkpoint import load_checkpoint, read_metadata, save_checkpoint, sidecar_path
from ..model.inference import DEFAULT_WEIGHTS, encoder_for_metadata
from ..model.score_network import PhiSpace, ScoreNet, ScoreNetConfig
from ..model.sde import VESDE
from .captures import Capture
from .data import TrainingData
from .loop import TrainConfig, Trainer
from .metadata import build_metadata
from .retarget import augment_captures

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class FinetuneError(RuntimeError):
    """Fine-tuning cannot run or could not finish; the active model is unchanged."""


class FinetuneCancelled(FinetuneError):
    """The user stopped the run; nothing was written."""


@dataclass(frozen=True)
class FinetuneSettings:
    steps: int = 1500
    batch_size: int = 256
    lr: float = 3e-4
    # Share of training rows drawn from the (augmented) captures; the rest replays the library.
    capture_share: float = 0.3
    replay_samples: int = 16  # library samples per train context
    replay_prompts: int = 4  # library prompts per train context
    ema_decay: float = 0.995  # a short run: the average follows within a few hundred steps
    seed: int = 0

    def __post_init__(self):
        if not 1 <= self.steps <= 200_000:
            raise FinetuneError(f"steps must be 1..200000, got {self.steps}")
        if not 0.0 < self.capture_share < 1.0:
            raise FinetuneError(f"capture_share must be in (0, 1), got {self.capture_share}")


@dataclass(frozen=True)
class FinetuneResult:
    path: Path
    metadata: dict
    seconds: float


@contextmanager
def collector_paused():
    """Within: no cyclic garbage collection. Building the library replay makes some 100,000
    small objects; in a process as large as Blender the full collections they trigger held the
    interpreter lock for up to 0.23 s each (tools/bench_finetune_ui.py, 28 ms with collection
    paused), freezing the UI thread beside a fine-tune. Reference counting still frees
    everything that is not a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def heap_frozen():
    """Within: the objects that exist now are left out of garbage collection, so a full
    collection (triggered by the steps' own objects) scans only what is new. In Blender one
    such collection over the whole heap held the interpreter lock for 0.3 s mid-training."""
    if gc.get_freeze_count():  # someone froze the heap already: leave it to them
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def captures_hash(captures: list[Capture]) -> str:
    h = hashlib.sha256()
    for c in captures:
        h.update(json.dumps([c.prompt, c.base, c.target, list(c.phi)]).encode())
    return h.hexdigest()


def check_captures(captures: list[Capture], encoder_name: str) -> None:
    if not captures:
        raise FinetuneError(
            "there are no captures to learn from: arrange a pair as you want it, type its "
            "relation and press Capture Relation (five captures teach it to similar objects)")
    if not encoder_name:  # not known yet (an unreadable model): loading it will say why
        return
    foreign = sorted({c.encoder for c in captures if c.encoder and c.encoder != encoder_name})
    if foreign:
        count = sum(1 for c in captures if c.encoder in foreign)
        raise FinetuneError(
            f"{count} capture(s) were recorded for a model whose text encoder is "
            f"{', '.join(repr(f) for f in foreign)}, but the active model reads prompts with "
            f"{encoder_name!r}: switch to a model with that encoder, or delete those captures")


def load_init(path: Path, encoder=None, cache_dir=None):
    """The model to continue from: (net, normaliser, sde, encoder, metadata)."""
    try:
        meta = read_metadata(path)
        if encoder is None:
            encoder = encoder_for_metadata(meta, cache_dir=cache_dir)
        tensors, meta = load_checkpoint(path, encoder.identity)
        net = ScoreNet(ScoreNetConfig.from_dict(meta["network"]))
        net.load_state_dict(tensors)
        return (net, PhiSpace.from_dict(meta["normalization"]), VESDE.from_dict(meta["sde"]),
                encoder, meta)
    except (ModelLoadError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise FinetuneError(f"the active model cannot be fine-tuned: {error}") from None


def library_replay(settings: FinetuneSettings) -> OORDataset:
    """Train contexts of the relation library with a few samples and prompts each (held-out
    contexts and prompts never enter: `make eval` measures on them)."""
    from ..relations.build import build_library

    lib = build_library(samples_per_context=settings.replay_samples)
    keep = [i for i, c in enumerate(lib.contexts) if c.split == "train"]
    new_index = {old: new for new, old in enumerate(keep)}
    rng = np.random.default_rng(settings.seed)
    prompts = []
    for old in keep:
        train = [p for p in lib.prompts_for(old) if p.split == "train"]
        for j in sorted(rng.permutation(len(train))[:settings.replay_prompts]):
            prompts.append(replace(train[j], context_index=new_index[old]))
    rows = np.isin(lib.context_index, keep)
    return OORDataset(phi=lib.phi[rows],
                      context_index=np.array([new_index[int(c)] for c in lib.context_index[rows]],
                                             dtype=np.int64),
                      source=lib.source[rows], contexts=[lib.contexts[i] for i in keep],
                      prompts=prompts, version=lib.version, seed=lib.seed)


def run_finetune(captures: list[Capture], out_path: str | os.PathLike,
                 init_path: str | os.PathLike | None = None,
                 settings: FinetuneSettings = FinetuneSettings(), *, encoder=None,
                 cache_dir=None, progress: Progress | None = None,
                 should_stop: Callable[[], bool] | None = None) -> FinetuneResult:
    """Fine-tune `init_path` (default: the shipped model) on `captures`; write `out_path`."""
    report = progress or (lambda stage, done, total: None)
    stop = should_stop or (lambda: False)
    started = time.perf_counter()
    init_path = Path(init_path) if init_path else DEFAULT_WEIGHTS
    out_path = Path(out_path)

    with collector_paused():
        report("loading the active model", 0, 1)
        net, normalizer, sde, encoder, init_meta = load_init(init_path, encoder, cache_dir)
        check_captures(captures, encoder.identity.get("name", ""))

        report("preparing the captures and the library replay", 0, 1)
        if stop():
            raise FinetuneCancelled("fine-tuning cancelled before training; the active model "
                                    "is unchanged")
        replay = library_replay(settings)
        capture_rows = int(len(replay.phi) * settings.capture_share
                           / (1 - settings.capture_share))
        taught = augment_captures(captures, capture_rows, settings.seed, encoder.similarity)
        if stop():
            raise FinetuneCancelled("fine-tuning cancelled before training; the active model "
                                    "is unchanged")
        report("reading the prompts", 0, 1)
        roles = init_meta.get("prompt_roles", "raw")
        offset = len(taught.contexts)  # the replay's records after the captures'
        fitted = with_library_rows(
            taught, [replay.phi], [replay.context_index + offset], replay.contexts,
            [replace(p, context_index=p.context_index + offset) for p in replay.prompts])
        data = TrainingData.from_dataset(fitted, encoder, prompt_roles=roles)

    inherited = init_meta.get("training", {})
    config = TrainConfig(
        steps=settings.steps, batch_size=settings.batch_size, lr=settings.lr,
        warmup=min(100, settings.steps // 10), ema_decay=settings.ema_decay,
        p_known=float(inherited.get("p_known", 0.8)), seed=settings.seed,
        network=net.config.to_dict(), sde=sde.to_dict(), prompt_roles=roles,
        **{k: float(inherited[k]) for k in ("text_noise", "name_dropout", "text_mixup",
                                            "sigma_focus", "sigma_focus_median",
                                            "sigma_focus_log_std")
           if k in inherited})
    trainer = Trainer(config, data, normalizer, net=net)
    trainer.ema.load_state_dict(trainer.net.state_dict())
    with heap_frozen():
        while trainer.step < settings.steps:
            if stop():
                raise FinetuneCancelled(f"fine-tuning cancelled at step {trainer.step} of "
                                        f"{settings.steps}; the active model is unchanged")
            trainer.train_step()
            report("training", trainer.step, settings.steps)

    report("writing the model", 0, 1)
    extra = {
        "finetuned_from": {"path": str(init_path),
                           "dataset": init_meta.get("dataset", {}).get("content_hash", ""),
                           "finetune": init_meta.get("finetune", {}).get("captures_hash", "")},
        "finetune": {"captures": len(captures), "captures_hash": captures_hash(captures),
                     "relations": sorted({c.prompt for c in captures}),
                     "settings": asdict(settings), "capture_rows": len(taught.phi),
                     "replay_rows": len(replay.phi),
                     "seconds": round(time.perf_counter() - started, 1)},
        "metrics": {"threads": torch.get_num_threads()},
    }
    dataset = {"path": "captures + library replay", "content_hash": captures_hash(captures),
               "rows": len(data.train.phi), "contexts": len(taught.contexts)
               + len(replay.contexts), "prompts": len(taught.prompts) + len(replay.prompts)}
    meta = build_metadata(trainer, encoder, dataset, extra)
    write_model(out_path, trainer.ema.state_dict(), meta)
    return FinetuneResult(out_path, meta, time.perf_counter() - started)


def write_model(path: Path, tensors: dict, meta: dict) -> None:
    """save_checkpoint to a new file; on failure nothing of it is left and the message says
    why."""
    if path.exists():
        raise FinetuneError(f"{path} exists already; a fine-tune never overwrites a model")
    from safetensors import SafetensorError  # its I/O failures are not OSErrors

    try:
        save_checkpoint(path, tensors, meta)
    except (OSError, SafetensorError) as error:
        side = sidecar_path(path)
        for leftover in (path, path.with_name(path.name + ".tmp"), side,
                         side.with_name(side.name + ".tmp")):
            leftover.unlink(missing_ok=True)
        reason = getattr(error, "strerror", None) or str(error).rpartition("I/O error: ")[2]
        raise FinetuneError(f"could not write the fine-tuned model to {path}: {reason}; the "
                            "active model is unchanged") from None
