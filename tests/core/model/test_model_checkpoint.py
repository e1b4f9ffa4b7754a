"""Model files: safetensors round trip, validated metadata, refusal of anything else."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch

from oor_core.model.checkpoint import (
    ModelEncoderMismatch,
    ModelLoadError,
    load_checkpoint,
    read_metadata,
    save_checkpoint,
    sidecar_path,
)
from oor_core.model.inference import OORModel
from oor_core.model.text_encoder import shared_encoder
from oor_core.training.metadata import build_metadata
from oor_core.training.synthetic import quick_trainer


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


@pytest.fixture(scope="module")
def saved(tmp_path_factory, encoder):
    trainer = quick_trainer(encoder, steps=3)
    meta = build_metadata(trainer, encoder, {"path": "synthetic"}, {"metrics": {"x": 1}})
    path = tmp_path_factory.mktemp("ckpt") / "model.safetensors"
    save_checkpoint(path, trainer.ema.state_dict(), meta)
    return path, trainer, meta


def test_round_trip(saved, encoder):
    path, trainer, meta = saved
    tensors, loaded_meta = load_checkpoint(path, encoder.identity)
    assert loaded_meta == json.loads(json.dumps(meta))
    for key, value in trainer.ema.state_dict().items():
        torch.testing.assert_close(tensors[key], value)
    assert json.loads(sidecar_path(path).read_text()) == loaded_meta
    model = OORModel.load(path, encoder=encoder)
    cands = model.sample("A cup on a table", "table", "cup", num_candidates=4, seed=1)
    assert cands.phi.shape == (4, 15) and np.isfinite(cands.phi).all()
    assert not list(path.parent.glob("*.tmp"))


def test_wrong_encoder_identity(saved):
    path, _, _ = saved
    with pytest.raises(ModelEncoderMismatch, match="trained with text encoder"):
        load_checkpoint(path, {"name": "t5-encoder:t5-base", "dim": 768, "pooling": "mean"})
    assert issubclass(ModelEncoderMismatch, ModelLoadError)


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(ModelLoadError, match=r"nope\.safetensors"):
        OORModel.load(missing, encoder=shared_encoder())


@pytest.mark.parametrize("cut", [0, 5, 100, -50])
def test_truncated_file(saved, tmp_path, cut):
    path, _, _ = saved
    data = path.read_bytes()
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(data[:cut])
    with pytest.raises(ModelLoadError, match=r"cut\.safetensors"):
        load_checkpoint(bad)


def test_corrupt_header_and_metadata(saved, tmp_path):
    path, _, meta = saved
    data = bytearray(path.read_bytes())
    data[10:20] = b"\xff" * 10
    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match=r"corrupt\.safetensors"):
        load_checkpoint(bad)
    wrong = dict(meta, normalization={"mean": [0.0] * 15, "std": [0.0] * 15})
    with pytest.raises(ModelLoadError, match="normalization"):
        save_checkpoint(tmp_path / "w.safetensors", {"a": torch.zeros(1)}, wrong)
    from safetensors.torch import save_file

    save_file({"a": torch.zeros(1)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(ModelLoadError, match="no OOR model metadata"):
        read_metadata(tmp_path / "plain.safetensors")


def test_non_finite_weights_refused(saved, tmp_path):
    _, trainer, meta = saved
    state = {k: v.clone() for k, v in trainer.ema.state_dict().items()}
    next(iter(state.values())).view(-1)[0] = float("nan")
    bad = tmp_path / "nan.safetensors"
    save_checkpoint(bad, state, meta)
    with pytest.raises(ModelLoadError, match="NaN"):
        load_checkpoint(bad)


class _Bomb:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Bomb.marker),))


def test_pickle_bomb_is_never_unpickled(tmp_path):
    _Bomb.marker = str(tmp_path / "exploded")
    bomb = tmp_path / "bomb.safetensors"
    bomb.write_bytes(pickle.dumps({"state_dict": _Bomb()}))
    torch_style = tmp_path / "bomb.pt"
    torch.save({"x": _Bomb()}, torch_style)  # a zip-format torch checkpoint with a payload
    for path in (bomb, torch_style):
        with pytest.raises(ModelLoadError, match="not a safetensors file"):
            OORModel.load(path, encoder=shared_encoder())
    assert not (tmp_path / "exploded").exists()


def test_weights_of_another_shape_refused(saved, tmp_path):
    _, trainer, meta = saved
    other = dict(meta, network=dict(meta["network"], hidden=48))
    bad = tmp_path / "shape.safetensors"
    save_checkpoint(bad, trainer.ema.state_dict(), other)
    with pytest.raises(ModelLoadError, match="do not match"):
        OORModel.load(bad, encoder=shared_encoder())
