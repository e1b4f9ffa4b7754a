"""The demo end to end, as `make demo` runs it: a scene from one description, saved, rendered."""

import json
import pathlib
import subprocess
import sys

import bpy
import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def world_corners(obj):
    world = np.array(obj.matrix_world)
    return np.array([list(c) for c in obj.bound_box]) @ world[:3, :3].T + world[:3, 3]


@pytest.mark.slow
def test_demo_arranges_saves_and_renders(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "oor_batch.py"), "--demo", "--out",
                             str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    png = tmp_path / "demo.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
    demo = json.loads((tmp_path / "demo.json").read_text())
    assert [(r["base"], r["target"]) for r in demo["relations"]] == [
        ("Table", "Saucer"), ("Saucer", "Teacup"), ("Teacup", "Teapot"), ("Saucer", "Plate"),
        ("Table", "Vase")]
    assert demo["colliding_pairs"] == [] and demo["unsupported"] == []

    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "demo.blend"))
    boxes = {name: world_corners(bpy.data.objects[name])
             for name in ("Table", "Saucer", "Teacup", "Teapot", "Plate", "Vase")}
    table = boxes["Table"]
    top, half = table[:, 2].max(), (table.max(axis=0) - table.min(axis=0))[:2] / 2
    middle = table.mean(axis=0)[:2]
    for name in ("Saucer", "Plate", "Vase"):  # resting on the table, inside its top
        box = boxes[name]
        assert abs(box[:, 2].min() - top) <= 0.005, name
        assert np.all(np.abs(box.mean(axis=0)[:2] - middle) < half), name
    saucer, cup = boxes["Saucer"].mean(axis=0), boxes["Teacup"]
    assert np.linalg.norm(saucer[:2] - middle) < 0.03  # "in the middle"
    assert np.linalg.norm(cup.mean(axis=0)[:2] - saucer[:2]) < 0.03  # on the saucer
    assert top < cup[:, 2].min() < top + 0.02
    vase = boxes["Vase"].mean(axis=0)[:2] - middle  # "on the back left corner" (front: -Y)
    assert vase[0] < -0.6 * half[0] and vase[1] > 0.6 * half[1]
    teapot = boxes["Teapot"]
    up = np.array(bpy.data.objects["Teapot"].matrix_world)[:3, 2]
    tilt = np.degrees(np.arccos(up[2] / np.linalg.norm(up)))
    assert tilt > 15.0  # tilted to pour
    assert teapot[:, 2].min() > cup[:, 2].max()  # above the cup, over it
    assert np.linalg.norm(teapot.mean(axis=0)[:2] - cup.mean(axis=0)[:2]) < 0.3
