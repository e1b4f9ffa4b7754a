"""Fine-tuning on captures: it runs, it can be stopped, and bad input changes nothing."""

import json
import resource
import signal
from contextlib import contextmanager

import numpy as np
import pytest

from oor_core.evaluation.teach_eval import RELATIONS, captures_for
from oor_core.model.checkpoint import read_metadata
from oor_core.model.inference import DEFAULT_WEIGHTS, OORModel
from oor_core.model.score_network import ScoreNetConfig
from oor_core.training.captures import Capture, CaptureError, CaptureStore
from oor_core.training.finetune import (
    FinetuneCancelled,
    FinetuneError,
    FinetuneSettings,
    run_finetune,
    write_model,
)

CORNER = RELATIONS[0]
QUICK = FinetuneSettings(steps=6, batch_size=32, replay_samples=2, replay_prompts=1)


@contextmanager
def file_size_limit(limit: int):
    """Writes past `limit` bytes fail as on a full disk (EFBIG instead of ENOSPC)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.fixture(scope="module")
def shipped():
    return OORModel.load()


def test_a_fine_tune_writes_a_model_that_names_its_captures(tmp_path, shipped):
    captures = captures_for(CORNER, 2)
    stages = []
    result = run_finetune(captures, tmp_path / "tuned.safetensors", settings=QUICK,
                          encoder=shipped.encoder,
                          progress=lambda stage, done, total: stages.append((stage, done)))
    meta = read_metadata(result.path)
    assert meta["finetune"]["captures"] == 2
    assert meta["finetune"]["relations"] == [CORNER.prompt]
    assert meta["finetuned_from"]["path"] == str(DEFAULT_WEIGHTS)
    assert meta["prompt_roles"] == shipped.prompt_roles
    # the same network (settings a newer version added are written out at their defaults)
    assert ScoreNetConfig.from_dict(meta["network"]) == shipped.net.config
    assert ("training", QUICK.steps) in stages
    tuned = OORModel.load(result.path, encoder=shipped.encoder)
    phi = tuned.sample(CORNER.prompt, "dining table", "candle", num_candidates=4).phi
    assert np.all(np.isfinite(phi))


def test_no_captures_are_refused_before_anything_runs(tmp_path, shipped):
    with pytest.raises(FinetuneError, match="no captures to learn from"):
        run_finetune([], tmp_path / "m.safetensors", settings=QUICK, encoder=shipped.encoder)
    assert list(tmp_path.iterdir()) == []


def test_captures_of_another_encoder_are_named(tmp_path, shipped):
    captures = [*captures_for(CORNER, 1)]
    foreign = Capture(**{**captures[0].__dict__, "encoder": "t5-small", "id": "x1"})
    with pytest.raises(FinetuneError, match=r"1 capture\(s\).*'t5-small'.*delete those"):
        run_finetune([*captures, foreign], tmp_path / "m.safetensors", settings=QUICK,
                     encoder=shipped.encoder)
    assert list(tmp_path.iterdir()) == []


def test_a_model_of_another_version_is_refused(tmp_path, shipped):
    from oor_core.model.checkpoint import load_checkpoint, save_checkpoint

    tensors, meta = load_checkpoint(DEFAULT_WEIGHTS)
    future = tmp_path / "future.safetensors"
    save_checkpoint(future, tensors, meta)
    header = json.loads(future.with_suffix(".json").read_text())
    assert header["format_version"] == 1
    raw = future.read_bytes().replace(b'\\"format_version\\": 1', b'\\"format_version\\": 9')
    future.write_bytes(raw)
    with pytest.raises(FinetuneError, match=r"cannot be fine-tuned.*format_version 9"):
        run_finetune(captures_for(CORNER, 1), tmp_path / "m.safetensors", future,
                     settings=QUICK, encoder=shipped.encoder)
    assert not (tmp_path / "m.safetensors").exists()


def test_stopping_half_way_writes_nothing(tmp_path, shipped):
    seen = []

    def progress(stage, done, total):
        seen.append(done if stage == "training" else -1)

    with pytest.raises(FinetuneCancelled, match=r"cancelled at step 3 of 6.*unchanged"):
        run_finetune(captures_for(CORNER, 1), tmp_path / "m.safetensors", settings=QUICK,
                     encoder=shipped.encoder, progress=progress,
                     should_stop=lambda: bool(seen) and seen[-1] == 3)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file_and_says_why(tmp_path, shipped):
    from oor_core.model.checkpoint import load_checkpoint

    tensors, meta = load_checkpoint(DEFAULT_WEIGHTS)
    path = tmp_path / "m.safetensors"
    with file_size_limit(64 * 1024), pytest.raises(
            FinetuneError, match=r"could not write.*File too large.*unchanged"):
        write_model(path, tensors, meta)
    assert list(tmp_path.iterdir()) == []


def test_captures_survive_a_failed_write(tmp_path):
    from oor_core.dataset import load_dataset

    store = CaptureStore(tmp_path / "captured")
    first = captures_for(CORNER, 1)[0]
    store.add(first)
    big = Capture(**{**first.__dict__, "prompt": "x" * 200_000, "id": "big"})
    with file_size_limit(100 * 1024), pytest.raises(CaptureError, match="could not write"):
        store.add(big)
    assert [c.id for c in store.load()] == [first.id]
    assert len(load_dataset(store.folder).phi) == 1  # the dataset view is the old one, whole
    assert sorted(p.name for p in store.folder.iterdir()) == ["captures.jsonl", "oor-v1"]


def test_a_capture_with_fields_of_the_wrong_type_is_named(tmp_path):
    store = CaptureStore(tmp_path)
    store.add(captures_for(CORNER, 1)[0])
    row = json.loads(store.file.read_text())
    with open(store.file, "a") as fh:
        fh.write(json.dumps({**row, "id": "odd", "prompt": 5}) + "\n")
    with pytest.raises(CaptureError, match=r"line 2.*prompt must be text"):
        store.load()


def test_captures_of_an_earlier_version_keep_their_ids(tmp_path):
    from oor_core.dataset import OORDataset, append_captured, save_dataset

    save_dataset(OORDataset(np.zeros((0, 15), np.float32), np.zeros(0, np.int64),
                            np.zeros(0, dtype=str), [], []), tmp_path)
    capture = captures_for(CORNER, 1)[0]
    append_captured(tmp_path, [{"prompt": capture.prompt, "base": capture.base,
                                "target": capture.target, "phi": list(capture.phi)}] * 2)
    store = CaptureStore(tmp_path)
    ids = [c.id for c in store.load()]
    assert ids == [c.id for c in store.load()] and len(set(ids)) == 2
    store.delete(ids[0])
    assert [c.id for c in store.load()] == ids[1:]


def test_the_store_lists_deletes_and_exports(tmp_path):
    from oor_core.dataset import load_dataset

    store = CaptureStore(tmp_path / "captured")
    captures = captures_for(CORNER, 3)
    for capture in captures:
        store.add(capture)
    assert [c.id for c in store.load()] == [c.id for c in captures]
    store.delete(captures[1].id)
    assert [c.id for c in store.load()] == [captures[0].id, captures[2].id]
    with pytest.raises(CaptureError, match="no capture"):
        store.delete("nope")
    out = store.export(tmp_path / "exported")
    assert [c.id for c in CaptureStore(out).load()] == [captures[0].id, captures[2].id]
    assert len(load_dataset(out).phi) == 2  # readable by --finetune as a dataset folder
    again = store.export(tmp_path / "exported")  # the same day: a second folder, never over it
    assert again != out and again.name == out.name + "-2"
    assert [c.id for c in CaptureStore(out).load()] == [captures[0].id, captures[2].id]


def test_a_broken_captures_file_is_named(tmp_path):
    store = CaptureStore(tmp_path)
    store.add(captures_for(CORNER, 1)[0])
    with open(store.file, "a") as fh:
        fh.write('{"prompt": "half a line"\n')
    with pytest.raises(CaptureError, match=r"captures.jsonl line 2 is not a capture"):
        store.load()
