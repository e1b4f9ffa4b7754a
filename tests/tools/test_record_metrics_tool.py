"""tools/record_metrics.py: evaluation results go into the model's metadata, weights untouched."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from oor_core.model.checkpoint import load_checkpoint, save_checkpoint, sidecar_path
from oor_core.model.text_encoder import shared_encoder
from oor_core.training.metadata import build_metadata
from oor_core.training.synthetic import quick_trainer

TOOL = Path(__file__).resolve().parents[2] / "tools" / "record_metrics.py"


def _tool():
    spec = importlib.util.spec_from_file_location("record_metrics", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(path: Path, dataset_hash: str, success: float, **extra):
    path.write_text(json.dumps({
        "success_rate": success, "coverage": 0.9, "fd": 0.4, "fd_median": 0.2, "mmd": 0.1,
        "num_queries": 50, "per_context": 5, "dataset_hash": dataset_hash, "contexts": [],
        **extra}))


def test_records_reports_and_keeps_the_weights(tmp_path):
    encoder = shared_encoder()
    trainer = quick_trainer(encoder, steps=2)
    meta = build_metadata(trainer, encoder, {"path": "x", "content_hash": "abc"}, {})
    weights = tmp_path / "model.safetensors"
    save_checkpoint(weights, trainer.ema.state_dict(), meta)
    reports = tmp_path / "reports"
    reports.mkdir()
    _report(reports / "eval_train.json", "abc", 0.91234567)
    _report(reports / "eval_train_ranked.json", "abc", 0.95, coverage_ceiling=0.99812)

    assert _tool().main(["--weights", str(weights), "--reports", str(reports),
                         "--code-revision", "deadbeef"]) == 0
    tensors, recorded = load_checkpoint(weights)
    results = recorded["metrics"]["evaluation"]["results"]
    assert results["train"]["success_rate"] == 0.9123
    assert results["train_ranked"]["success_rate"] == 0.95
    assert results["train_ranked"]["coverage_ceiling"] == 0.9981
    assert "coverage_ceiling" not in results["train"]  # reports older than the ceiling
    assert recorded["sampling_defaults"]["sampler"] == "dpmpp2m"
    assert recorded["code_revision"] == "deadbeef"
    assert json.loads(sidecar_path(weights).read_text()) == recorded
    for key, value in trainer.ema.state_dict().items():
        torch.testing.assert_close(tensors[key], value, rtol=0, atol=0)

    _report(reports / "eval_train.json", "another-dataset", 0.5)
    with pytest.raises(SystemExit, match="another-dataset"):
        _tool().main(["--weights", str(weights), "--reports", str(reports)])
    assert load_checkpoint(weights)[1] == recorded  # a refused run changes nothing
