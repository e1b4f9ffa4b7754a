"""oor_batch.py --finetune: fine-tune on a captures folder, then run the jobs with the result."""

import json
import pathlib
import subprocess
import sys

import bpy
import numpy as np
import pytest

from scene_helpers import add_box

REPO = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = REPO / "oor_batch.py"


def run_batch(*args, user_dir, timeout=300):
    env = {**__import__("os").environ, "OOR_ARRANGE_USER_DIR": str(user_dir)}
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def captures(tmp_path):
    from oor_arrange.oor_core.evaluation.teach_eval import RELATIONS, captures_for
    from oor_arrange.oor_core.training.captures import CaptureStore

    folder = tmp_path / "exported"
    CaptureStore(folder).save(captures_for(RELATIONS[0], 2))
    return folder


@pytest.fixture
def desk_scene(tmp_path):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Desk", (1.2, 0.7, 0.74), center=(0, 0, 0.37))
    add_box("Candle", (0.06, 0.06, 0.2), location=(3, 0, 0), center=(0, 0, 0.1))
    path = tmp_path / "desk.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return path


def test_finetune_then_jobs_use_the_result(captures, desk_scene, tmp_path):
    from oor_arrange.oor_core.model.checkpoint import read_metadata

    model = tmp_path / "taught.safetensors"
    job = ["--blend", desk_scene, "--relation", "Desk", "Candle",
           "A candle at the corner of the desk", "--seed", "3"]
    shipped = run_batch(*job, "--report", tmp_path / "shipped.json", user_dir=tmp_path / "u")
    assert shipped.returncode == 0, shipped.stderr
    taught = run_batch("--finetune", captures, "--finetune-steps", "40", "--finetune-out", model,
                       *job, "--report", tmp_path / "taught.json", user_dir=tmp_path / "u")
    assert taught.returncode == 0, taught.stderr
    assert f"fine-tuned on 2 capture(s) from {captures}" in taught.stdout
    assert read_metadata(model)["finetune"]["captures"] == 2
    phis = [json.loads((tmp_path / f"{name}.json").read_text())["relations"][0]["phi"]
            for name in ("shipped", "taught")]
    assert not np.allclose(phis[0], phis[1], atol=1e-5)  # the jobs ran with the new model
    assert not (tmp_path / "u" / "active_model.json").exists()  # Blender's choice untouched


def test_finetune_alone_without_captures_fails_clearly(tmp_path):
    empty = tmp_path / "none"
    empty.mkdir()
    result = run_batch("--finetune", empty, "--finetune-out", tmp_path / "m.safetensors",
                       user_dir=tmp_path / "u")
    assert result.returncode == 2
    assert f"--finetune {empty}: there are no captures to learn from" in result.stderr
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("args, message", [
    (["--finetune-steps=40"], "--finetune-out and --finetune-steps go with --finetune"),
    (["--finetune", "{captures}", "--finetune-out", "{tmp}/m.json"],
     "must name a new .safetensors file"),
    (["--finetune", "{captures}", "--finetune-steps", "0", "--finetune-out",
      "{tmp}/m.safetensors"], "steps must be 1..200000"),
])
def test_finetune_options_are_checked_before_anything_runs(captures, tmp_path, args, message):
    args = [a.format(captures=captures, tmp=tmp_path) for a in args]
    result = run_batch(*args, user_dir=tmp_path / "u")
    assert result.returncode == 2 and message in result.stderr
    assert not list(tmp_path.glob("m.*"))
