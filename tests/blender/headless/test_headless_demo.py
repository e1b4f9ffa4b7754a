"""The demo end to end, as `make demo` runs it: scene, two relations, saved file, picture."""

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
    relations = json.loads((tmp_path / "demo.json").read_text())["relations"]
    assert [r["target"] for r in relations] == ["Teacup", "Teapot"]

    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "demo.blend"))
    objects = bpy.data.objects
    table_top = world_corners(objects["Table"])[:, 2].max()
    cup = world_corners(objects["Teacup"])
    assert abs(cup[:, 2].min() - table_top) <= 0.005  # the cup stands on the table
    teapot = world_corners(objects["Teapot"])
    up = np.array(objects["Teapot"].matrix_world)[:3, 2]
    tilt = np.degrees(np.arccos(up[2] / np.linalg.norm(up)))
    assert tilt > 15.0  # tilted to pour
    assert teapot[:, 2].min() > table_top  # above the table, over the cup
    assert np.linalg.norm(teapot.mean(axis=0)[:2] - cup.mean(axis=0)[:2]) < 0.3
