"""Sidebar helpers that need no model: capture, swap, recent prompts, poll messages."""

import json

import bpy
import numpy as np
import pytest

from scene_helpers import add_box, select


@pytest.fixture
def pair(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=(0.1, 0.0, 0.75), center=(0, 0, 0.045))
    select(table, cup)
    return table, cup


def test_capture_relation_writes_the_users_dataset(pair, tmp_path, monkeypatch):
    from oor_arrange.oor_core.dataset import load_dataset
    from oor_arrange.oor_core.geometry.oor_vector import unpack_phi

    monkeypatch.setenv("OOR_ARRANGE_USER_DIR", str(tmp_path))
    bpy.context.scene.oor.prompt = "A cup on a table"
    for _ in range(2):
        assert bpy.ops.oor.capture_relation() == {'FINISHED'}
    dataset = load_dataset(tmp_path / "captured")
    assert len(dataset.phi) == 2
    assert [(p.text, p.base_name, p.target_name) for p in dataset.prompts] == [
        ("A cup on a table", "table", "cup")]
    oor = unpack_phi(dataset.phi[0].astype(np.float64))
    np.testing.assert_allclose(oor.translation, [0.1 / 1.2, 0.42 / 1.2, 0.0], atol=1e-6)
    manifest = json.loads((tmp_path / "captured" / "oor-v1" / "manifest.json").read_text())
    assert manifest["content_hash"] == dataset.content_hash


def test_capture_needs_a_prompt(pair, tmp_path, monkeypatch):
    monkeypatch.setenv("OOR_ARRANGE_USER_DIR", str(tmp_path))
    bpy.context.scene.oor.prompt = " "
    with pytest.raises(RuntimeError, match="Type a prompt"):
        bpy.ops.oor.capture_relation()
    assert not (tmp_path / "captured").exists()


def test_swap_fills_the_pickers_swapped(pair):
    table, cup = pair
    assert bpy.ops.oor.swap_objects() == {'FINISHED'}
    settings = bpy.context.scene.oor
    assert (settings.base, settings.target) == (cup, table)


def test_recent_prompts_most_recent_first_without_duplicates(addon):
    settings = bpy.context.scene.oor
    for prompt in ("A", "B", "A", *[f"P{i}" for i in range(12)]):
        settings.remember_prompt(prompt)
    texts = [r.text for r in settings.recent_prompts]
    assert texts[0] == "P11" and len(texts) == 10 and len(set(texts)) == 10
    assert bpy.ops.oor.use_recent_prompt(text="B") == {'FINISHED'}
    assert settings.prompt == "B"


def test_buttons_say_why_they_are_disabled(addon):
    add_box("Lonely", (1, 1, 1))
    with pytest.raises(RuntimeError, match="Apply a relation first"):
        bpy.ops.oor.cycle_candidate(direction=1)
    with pytest.raises(RuntimeError, match="No object was moved by Apply Relation"):
        bpy.ops.oor.reset_relation()
