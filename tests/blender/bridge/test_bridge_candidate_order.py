"""Apply Relation's candidate order: clean before colliding, then those that keep the relation
the prompt's words state, then the mesh penalty, then the model's order."""

import bpy
import numpy as np

from oor_arrange.bridge.candidates import build_candidate_set
from oor_arrange.bridge.meshes import WorldMesh
from oor_arrange.bridge.request import build_request
from oor_arrange.oor_core.geometry.oor_vector import pack_phi
from scene_helpers import add_box

LAPTOP = np.array([0.34, 0.02, 0.24])  # canonical x, y, z in metres
MOUSE = np.array([0.06, 0.04, 0.1])


def _beside(x: float) -> np.ndarray:
    """A mouse on the laptop's floor at canonical x (laptop units)."""
    unit = LAPTOP.max()
    s_b, s_t = LAPTOP / unit, MOUSE / unit
    return pack_phi(np.eye(3), np.array([x, (s_t[1] - s_b[1]) / 2, 0.0]), s_t, s_b)


def test_the_side_the_words_name_comes_first_whatever_the_models_order(addon):
    laptop = add_box("Laptop", (0.34, 0.24, 0.02), center=(0, 0, 0.01))
    mouse = add_box("Mouse", (0.06, 0.1, 0.04), location=(2, 0, 0), center=(0, 0, 0.02))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    meshes = WorldMesh.from_object(laptop, depsgraph), WorldMesh.from_object(mouse, depsgraph)
    right, left = _beside(0.8), _beside(-0.8)  # the model's order: the wrong side first
    for prompt, first in (("A mouse to the left of the laptop", -1),
                          ("A mouse to the right of the laptop", 1),
                          ("The laptop with the mouse on its left", -1)):
        request = build_request(laptop, mouse, prompt, depsgraph)
        phi = np.stack([right, left] if first < 0 else [left, right])
        ranked = build_candidate_set(request, phi, *meshes, seed=0, keep_size=True)
        assert np.sign(ranked.matrices[0][0, 3]) == first, prompt
        assert not ranked.colliding.any()
    request = build_request(laptop, mouse, "A mouse near the laptop", depsgraph)
    ranked = build_candidate_set(request, np.stack([right, left]), *meshes, seed=0,
                                 keep_size=True)
    assert ranked.matrices[0][0, 3] > 0  # 'near' either side: the model's order stands
