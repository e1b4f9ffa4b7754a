"""The multi-object evaluation checks relations where the user sees them: on the placed boxes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from oor_core.evaluation.multi_object_eval import Scene, scene_metrics
from oor_core.geometry.box_pose import BoxPose, relative_phi
from oor_core.relations import Context
from oor_core.scene.multi_object import consensus_poses


def _scene_and_phi(shift: float):
    """desk -> mug (on), desk -> book (on), book -> mug (next_to); the second parent of the mug
    (the book) is moved `shift` desk units along x from where the mug really is."""
    sizes = {"desk": np.array([1.4, 0.75, 0.7]), "mug": np.array([0.09, 0.1, 0.09]),
             "book": np.array([0.16, 0.03, 0.24])}
    scene = Scene("t", {"desk": "desk", "mug": "mug", "book": "book"},
                  [("desk", "mug", "on"), ("desk", "book", "on"), ("book", "mug", "next_to")],
                  sizes)
    eye = np.eye(3)
    top = sizes["desk"][1] / 2
    desk = BoxPose(eye, np.zeros(3), sizes["desk"])
    mug = BoxPose(eye, np.array([0.1, top + 0.05, 0.0]), sizes["mug"])
    book = BoxPose(eye, np.array([0.25, top + 0.015, 0.0]), sizes["book"])
    on_mug = relative_phi(desk, mug)
    on_book = relative_phi(desk, book)
    beside = relative_phi(book, mug)
    assert Context("on", "desk", "mug").accept(on_mug)[0]
    assert Context("next_to", "book", "mug").accept(beside)[0]
    beside_moved = beside.copy()
    beside_moved[6] += shift * sizes["desk"].max() / sizes["book"].max()
    keys = [(b, t) for b, t, _ in scene.relations]
    phi = np.stack([on_mug, on_book, beside_moved])[:, None, :]
    result = SimpleNamespace(phi={k: phi[i] for i, k in enumerate(keys)},
                             poses=consensus_poses(keys, phi),
                             losses={"inconsistency": np.zeros(1)})
    return scene, result


def test_consistent_scene_succeeds_on_edges_and_placed_boxes():
    scene, result = _scene_and_phi(0.0)
    m = scene_metrics(scene, result, [0])
    assert m["success"] == [True, True, True]
    assert m["placed_success"] == [True, True, True]


def test_disagreeing_parents_fail_where_the_mug_is_placed():
    # the desk -> mug sample alone is a good "on", but the mug is placed at the mean of its two
    # parents' opinions: 0.6 desk units (0.84 m) further out, beyond the desk's edge
    scene, result = _scene_and_phi(1.2)
    m = scene_metrics(scene, result, [0])
    assert m["success"][0] is True  # desk -> mug, judged on its own phi
    assert m["placed_success"][0] is False
