"""Joint scene sampling and editing on an exact Gaussian-mixture score (no training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from multi_object_fakes import FakeModel, box, upright_phi
from oor_core.geometry.oor_vector import SCALES
from oor_core.geometry.rotation6d import matrix_to_r6
from oor_core.language.relation_check import keeps as relation_keeps
from oor_core.scene.editing import add_objects, change_context, pose_distance, refine
from oor_core.scene.multi_object import SceneEdge, SceneLosses, sample_scene, scene_losses_numpy
from oor_core.scene.scene_graph import SceneGraphError

S_B = np.array([1.0, 0.5, 0.6])
S_T = np.array([0.2, 0.2, 0.2])
KNOWN = np.r_[S_T, S_B]
ON_XS = tuple(np.linspace(-0.4, 0.4, 17))  # (nearly) anywhere along the table top


@pytest.fixture(scope="module")
def model():
    torch.set_num_threads(1)
    return FakeModel({
        "on": np.stack([upright_phi([x, 0.35, 0.0], S_T, S_B) for x in ON_XS]),
        "centre": upright_phi([0.1, 0.35, 0.05], S_T, S_B),
        "left": upright_phi([-0.6, -0.15, 0.0], S_T, S_B),
        "right": upright_phi([0.6, -0.15, 0.0], S_T, S_B),
    })


def _items(n, prompt="on"):
    return [SceneEdge("table", f"item{i}", prompt, "table", "item", KNOWN) for i in range(n)]


def test_guidance_reduces_collisions(model):
    edges = _items(3)
    naive = sample_scene(model, edges, num_candidates=24, seed=0, guidance=False, rank=False)
    guided = sample_scene(model, edges, num_candidates=24, seed=0, guidance=True, rank=False)
    rate_naive = float(np.mean(naive.losses["collision"] > 1e-6))
    rate_guided = float(np.mean(guided.losses["collision"] > 1e-6))
    assert rate_naive > 0.4
    assert rate_guided < 0.5 * rate_naive
    for phi in guided.phi.values():  # known sizes come back exactly; items stay on the table
        np.testing.assert_array_equal(phi[:, SCALES], np.broadcast_to(KNOWN, (24, 6)))
        assert np.mean(np.abs(phi[:, 7] - 0.35) < 0.02) > 0.8  # pushed sideways, not lifted


def test_ranking_puts_collision_free_candidates_first(model):
    res = sample_scene(model, _items(3), num_candidates=12, seed=1, guidance=False)
    c = res.losses["collision"]
    assert np.all(np.diff(res.losses["rank"]) >= 0)
    if (c > 1e-6).any() and (c <= 1e-6).any():
        assert c[0] <= 1e-6
    assert sorted(res.order.tolist()) == list(range(12))
    assert len(res.poses["item0"]) == 12 and res.root == "table"
    np.testing.assert_allclose(res.poses["table"][0].size, S_B)


def test_sampling_is_deterministic(model):
    a = sample_scene(model, _items(3), num_candidates=6, seed=5)
    b = sample_scene(model, _items(3), num_candidates=6, seed=5)
    c = sample_scene(model, _items(3), num_candidates=6, seed=6)
    for key in a.phi:
        np.testing.assert_array_equal(a.phi[key], b.phi[key])
    np.testing.assert_array_equal(a.order, b.order)
    assert any(not np.array_equal(a.phi[k], c.phi[k]) for k in a.phi)
    assert a.nfe == b.nfe > 0


def test_bad_scenes_are_refused(model):
    with pytest.raises(SceneGraphError):
        sample_scene(model, [SceneEdge("a", "b", "on", "t", "i", KNOWN),
                             SceneEdge("b", "a", "on", "t", "i", KNOWN)])
    with pytest.raises(ValueError):
        sample_scene(model, [SceneEdge("a", "b", "on", "t", "i", -KNOWN)])


def test_add_object_keeps_the_scene_fixed_and_avoids_it(model):
    obstacles = [box([x, 0.35, 0.0], S_T) for x in (-0.3, 0.0)]
    new = [SceneEdge("table", "new", "on", "table", "item", KNOWN)]
    res = add_objects(model, new, obstacles=obstacles, num_candidates=16, seed=0)
    assert res.losses["collision"][0] <= 1e-6
    free = sample_scene(model, new, num_candidates=16, seed=0, guidance=False, rank=False)
    guided = sample_scene(model, new, num_candidates=16, seed=0, rank=False,
                          extra_collision_boxes=obstacles)
    hits = scene_losses_numpy([("table", "new")], free.phi[("table", "new")][None], obstacles)
    assert np.mean(guided.losses["collision"] > 1e-6) < np.mean(hits["collision"] > 1e-6)
    # an existing relation given as fixed comes back bit for bit
    old = upright_phi([-0.3, 0.35, 0.0], S_T, S_B)
    both = [SceneEdge("table", "old", "on", "table", "item", KNOWN), new[0]]
    res = add_objects(model, both, existing_phi={("table", "old"): old}, num_candidates=8)
    np.testing.assert_array_equal(res.phi[("table", "old")], np.broadcast_to(old, (8, 15)))


def _tilted(t, yaw_deg):
    a = np.radians(yaw_deg)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    phi = upright_phi(t, S_T, S_B)
    phi[:6] = matrix_to_r6(rot)
    return phi


def test_refine_moves_towards_the_mode_with_fixed_scales(model):
    edge = SceneEdge("table", "item", "centre", "table", "item", KNOWN)
    start = _tilted([0.25, 0.42, -0.05], 20.0)
    mode = upright_phi([0.1, 0.35, 0.05], S_T, S_B)
    res = refine(model, [edge], {edge.key: start}, steps=50)
    out = res.phi[edge.key]
    np.testing.assert_array_equal(out[SCALES], start[SCALES])
    assert pose_distance(out, mode) < 0.3 * pose_distance(start, mode)
    assert len(res.trajectory) == 51
    np.testing.assert_array_equal(res.trajectory[0][edge.key], start)
    r = out[:6]
    np.testing.assert_allclose([r[:3] @ r[:3], r[3:] @ r[3:], r[:3] @ r[3:]], [1, 1, 0],
                               atol=1e-9)
    assert res.moved[edge.key]["translation"] > 0.05


def test_refine_with_zero_lambda_stays_put(model):
    edge = SceneEdge("table", "item", "centre", "table", "item", KNOWN)
    start = _tilted([0.25, 0.42, -0.05], 20.0)
    res = refine(model, [edge], {edge.key: start}, steps=20, lam=0.0)
    np.testing.assert_allclose(res.phi[edge.key], start, atol=1e-12)
    assert res.moved[edge.key]["translation"] < 1e-12


def test_refine_multi_edge_separates_and_respects_fixed_nodes(model):
    edges = _items(2, "centre")
    phi0 = {edges[0].key: upright_phi([0.05, 0.35, 0.05], S_T, S_B),
            edges[1].key: upright_phi([0.12, 0.35, 0.05], S_T, S_B)}
    res = refine(model, edges, phi0, steps=50, collision_weight=5.0, fixed_nodes=("item0",))
    np.testing.assert_array_equal(res.phi[edges[0].key], phi0[edges[0].key])
    losses = SceneLosses([e.key for e in edges])
    before = losses(torch.from_numpy(np.stack(list(phi0.values()))[:, None]))[0]
    assert res.losses["collision"] < 0.5 * float(before[0])


def test_change_context_reaches_the_new_relation(model):
    edge = SceneEdge("table", "item", "left", "table", "item", KNOWN)
    current = upright_phi([-0.6, -0.15, 0.0], S_T, S_B)
    res = change_context(model, edge, current, "right", num_candidates=4, seed=0)
    target = upright_phi([0.6, -0.15, 0.0], S_T, S_B)
    assert pose_distance(res.phi[edge.key], target) < 0.05
    np.testing.assert_array_equal(res.trajectory[0][edge.key], current)
    assert res.moved[edge.key]["translation"] > 1.0


class _CheckingModel(FakeModel):
    """The fake model with the real check of what the prompts' words state."""

    relation_keeps = staticmethod(relation_keeps)


def test_candidates_that_keep_what_the_words_say_rank_first():
    """A model that puts 'the lamp to the left of the table' on either side (two equal modes):
    with the check every ranked candidate that keeps the words comes before any that breaks
    them, and the best one stands on the left; without it the best is the likelier by energy."""
    left, right = upright_phi([-0.6, -0.15, 0.0], S_T, S_B), upright_phi([0.6, -0.15, 0.0],
                                                                        S_T, S_B)
    prompt = "The lamp to the left of the table."
    edges = [SceneEdge("table", "lamp", prompt, "table", "lamp", KNOWN)]
    model = _CheckingModel({prompt: np.stack([left, right])})
    checked = sample_scene(model, edges, num_candidates=12, seed=3)
    broken = checked.losses["broken_relations"]
    assert np.all(np.diff(broken) >= 0) and broken[0] == 0 and broken.max() == 1
    assert checked.phi[("table", "lamp")][0, 6] < 0  # translation x of the best: left
    unchecked = sample_scene(model, edges, num_candidates=12, seed=3, check_relations=False)
    assert not unchecked.losses["broken_relations"].any()
    assert (unchecked.phi[("table", "lamp")][:, 6] > 0).any()
