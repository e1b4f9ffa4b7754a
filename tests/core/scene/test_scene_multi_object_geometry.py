"""Torch scene-graph composition and the multi-object losses (collision, inconsistency)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from multi_object_fakes import box, upright_phi
from oor_core.geometry.box_pose import relative_phi
from oor_core.geometry.oor_vector import pack_phi
from oor_core.scene.multi_object import SceneLosses, penetration_depth, scene_losses_numpy
from oor_core.scene.scene_graph import SceneGraphError, poses_through_paths
from oor_core.scene.scene_graph_torch import (
    matrix_to_r6_torch,
    poses_through_paths_torch,
    project_to_so3,
    r6_to_matrix_torch,
)


def _random_rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    return q


def test_torch_composition_matches_numpy():
    rng = np.random.default_rng(3)
    keys = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "d"), ("d", "e")]
    phi = {k: pack_phi(_random_rotation(rng), rng.normal(size=3), rng.uniform(0.1, 1.5, 3),
                       rng.uniform(0.1, 1.0, 3)) for k in keys}
    ref = poses_through_paths(phi)
    got = poses_through_paths_torch({k: torch.from_numpy(v) for k, v in phi.items()})
    assert set(ref) == set(got)
    for node in ref:
        assert [p.path for p in ref[node]] == [p.path for p in got[node]]
        for r, g in zip(ref[node], got[node], strict=True):
            np.testing.assert_allclose(g.pose.rotation.numpy(), r.pose.rotation, atol=1e-12)
            np.testing.assert_allclose(g.pose.center.numpy(), r.pose.center, atol=1e-12)
            np.testing.assert_allclose(g.pose.size.numpy(), r.pose.size, atol=1e-12)


def test_torch_composition_is_batched_and_differentiable():
    rng = np.random.default_rng(4)
    phi = np.stack([pack_phi(_random_rotation(rng), rng.normal(size=3), [0.2, 0.3, 0.4],
                             [1.0, 0.5, 0.6]) for _ in range(5)])
    t = torch.from_numpy(phi).requires_grad_(True)
    got = poses_through_paths_torch({("r", "x"): t})
    got["x"][0].pose.center.sum().backward()
    assert t.grad is not None and torch.isfinite(t.grad).all()
    for k in range(5):
        ref = poses_through_paths({("r", "x"): phi[k]})["x"][0].pose
        np.testing.assert_allclose(got["x"][0].pose.center[k].detach().numpy(), ref.center)
    rot = torch.from_numpy(np.stack([_random_rotation(rng) for _ in range(4)]))
    torch.testing.assert_close(r6_to_matrix_torch(matrix_to_r6_torch(rot)), rot)
    torch.testing.assert_close(project_to_so3(rot + 1e-3 * torch.randn(4, 3, 3,
                                                                  dtype=torch.float64)),
                               rot, atol=5e-3, rtol=0)


def test_cycles_and_two_roots_are_refused():
    phi = torch.from_numpy(upright_phi([0, 1, 0], [.1] * 3, [1, .5, .5]))
    with pytest.raises(SceneGraphError):
        poses_through_paths_torch({("a", "b"): phi, ("b", "a"): phi})
    with pytest.raises(SceneGraphError):
        SceneLosses([("a", "c"), ("b", "c")])


S_B = [1.0, 0.5, 0.6]
S_T = [0.2, 0.2, 0.2]


def _two_items(xa, xb):
    keys = [("table", "a"), ("table", "b")]
    phi = np.stack([upright_phi([xa, 0.35, 0.0], S_T, S_B),
                    upright_phi([xb, 0.35, 0.0], S_T, S_B)])[:, None]
    return keys, phi


def test_collision_zero_for_separated_boxes():
    keys, phi = _two_items(-0.3, 0.3)
    assert scene_losses_numpy(keys, phi)["collision"][0] == 0.0
    keys, phi = _two_items(-0.1, 0.1)  # touching faces: no penetration
    assert scene_losses_numpy(keys, phi)["collision"][0] == pytest.approx(0.0, abs=1e-12)


def test_collision_positive_and_gradient_pushes_apart():
    keys, phi = _two_items(0.0, 0.05)
    t = torch.from_numpy(phi).requires_grad_(True)
    c, _ = SceneLosses(keys)(t)
    assert float(c[0].detach()) == pytest.approx(0.15 ** 2)  # the x overlap (0.15) is smallest
    c.sum().backward()
    assert float(t.grad[1, 0, 6]) < 0  # b (to the right) lowers C by moving right
    assert float(t.grad[0, 0, 6]) > 0  # a lowers C by moving left
    # adjacent pairs (an edge between them) are never penalised
    keys_adj = [("table", "a"), ("a", "b")]
    phi_adj = np.stack([upright_phi([0, 0.35, 0], S_T, S_B), upright_phi([0, 0, 0], [1, 1, 1],
                                                                            [1, 1, 1])])[:, None]
    assert scene_losses_numpy(keys_adj, phi_adj)["collision"][0] == pytest.approx(0.0, abs=1e-12)


def test_collision_with_fixed_obstacles():
    keys = [("table", "a")]
    phi = upright_phi([0.0, 0.35, 0.0], S_T, S_B)[None, None]
    clear = [box([0.4, 0.35, 0.0], [0.2, 0.2, 0.2])]
    hit = [box([0.05, 0.35, 0.0], [0.2, 0.2, 0.2])]
    assert scene_losses_numpy(keys, phi, clear)["collision"][0] == 0.0
    assert scene_losses_numpy(keys, phi, hit)["collision"][0] == pytest.approx(0.15 ** 2)
    as_array = np.array([[[-0.05, 0.25, -0.1], [0.15, 0.45, 0.1]]])
    assert scene_losses_numpy(keys, phi, as_array)["collision"][0] == pytest.approx(0.15 ** 2)


def test_penetration_depth_inside_box():
    c = torch.zeros(3, dtype=torch.float64)
    assert float(penetration_depth(c, torch.full((3,), 1.0, dtype=torch.float64), c,
                                   torch.full((3,), 0.1, dtype=torch.float64))) == \
        pytest.approx(0.2)


def _desk_scene():
    desk = box([0, 0, 0], [1.4, 0.75, 0.7])
    monitor = box([0, 0.6, -0.2], [0.6, 0.45, 0.2], yaw=0.1)
    keyboard = box([0.05, 0.39, 0.1], [0.44, 0.03, 0.15], yaw=-0.05)
    mouse = box([0.4, 0.39, 0.12], [0.065, 0.04, 0.11], yaw=0.3)
    boxes = {"desk": desk, "monitor": monitor, "keyboard": keyboard, "mouse": mouse}
    keys = [("desk", "monitor"), ("desk", "keyboard"), ("desk", "mouse"),
            ("monitor", "keyboard"), ("mouse", "keyboard")]
    phi = np.stack([relative_phi(boxes[b], boxes[t]) for b, t in keys])[:, None]
    return keys, phi


def test_inconsistency_zero_for_consistent_scene():
    keys, phi = _desk_scene()
    out = scene_losses_numpy(keys, phi)
    assert out["inconsistency"][0] == pytest.approx(0.0, abs=1e-20)
    assert out["collision"][0] == pytest.approx(0.0, abs=1e-20)


def test_inconsistency_parts_react():
    keys, phi = _desk_scene()
    moved = phi.copy()
    moved[3, 0, 6] += 0.1  # (monitor, keyboard) puts the keyboard elsewhere: part (2)
    assert scene_losses_numpy(keys, moved)["inconsistency"][0] > 1e-4
    resized = phi.copy()
    resized[0, 0, 12:15] *= [1.0, 1.2, 1.0]  # the desk's s_B disagrees across its edges: (1)
    assert scene_losses_numpy(keys, resized)["inconsistency"][0] > 1e-4
    ratio = phi.copy()
    ratio[3, 0, 12:15] *= [1.0, 1.3, 1.0]  # monitor's s_B not proportional to its size: (3)
    i = scene_losses_numpy(keys, ratio)["inconsistency"][0]
    assert i > 1e-4
    uniform = phi.copy()
    uniform[3, 0, 12:15] *= 1.3  # a uniform factor keeps the ratio constant: (3) stays zero
    assert scene_losses_numpy(keys, uniform)["inconsistency"][0] < 0.1 * i
