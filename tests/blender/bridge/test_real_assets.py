"""Real third-party meshes imported as artists import them (tests/assets/real_meshes, credits
there): detected axes against the truth, and Apply Relation on them judged on the meshes."""

import pathlib
import sys

import bpy
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))
import eval_real_assets  # noqa: E402
import real_assets  # noqa: E402

from oor_arrange.bridge.frames import detect_object_axes  # noqa: E402

# Known misses, each for a reason detection cannot see (docs: README "Your own assets"):
UP_MISSES = {"robosuite_bread": "a loaf stands on its cut end as well as on its base"}
FRONT_MISSES = {"sh3d_coffeePress": "'French press' is not in the library: no spout rule"}


def detect(imported):
    return detect_object_axes(imported.obj, bpy.context.evaluated_depsgraph_get(), fresh=True)


@pytest.mark.parametrize("asset", real_assets.catalog(), ids=lambda a: a.key)
def test_detected_up_and_front_match_the_truth_after_obj_import(addon, tmp_path, asset):
    imported = real_assets.import_asset(asset, tmp_path, "obj")
    guess = detect(imported)
    if asset.key not in UP_MISSES:
        assert guess.up == imported.local_axis(asset.up), guess
    if asset.front and asset.key not in FRONT_MISSES | UP_MISSES:
        assert guess.front == imported.local_axis(asset.front), guess


@pytest.mark.parametrize("key", ["sh3d_chair3", "sh3d_laptop", "pybullet_mug", "sh3d_knife"])
def test_the_gltf_importer_gives_the_same_world_frame(addon, tmp_path, key):
    asset = real_assets.by_key(key)
    imported = real_assets.import_asset(asset, tmp_path, "gltf")
    guess = detect(imported)
    assert guess.up == imported.local_axis(asset.up)
    if asset.front:
        assert guess.front == imported.local_axis(asset.front)


# The shipped model puts a spoon about half into a coffee cup: 2 of 5 seeds reach the half the
# containment check asks for, 47-48 % inside otherwise (the model before it: inside at seed 0).
PAIR_MISSES = {"A spoon in the coffee cup"}


@pytest.mark.parametrize("words", ["French press pouring", "chef's knife cutting",
                                   "chair facing the desk", "water bottle on the TV stand"])
def test_apply_relation_on_real_meshes_with_detected_axes(addon, words):
    rows = eval_real_assets.pair_rows("detected", matching=words)
    assert len(rows) == 1
    assert rows[0]["ok"], rows[0]


@pytest.mark.slow
def test_the_pair_cases_meet_their_targets_with_detected_and_hand_set_axes(addon):
    """Issue 19's targets on all 25 real pair cases: 90 % detected, 95 % set by hand."""
    for mode, target in (("detected", 0.90), ("set", 0.95)):
        rows = eval_real_assets.pair_rows(mode)
        assert len(rows) == 25
        assert sum(r["ok"] for r in rows) / len(rows) >= target, [r for r in rows if not r["ok"]]
        assert {r["prompt"] for r in rows if not r["ok"]} <= PAIR_MISSES, mode
