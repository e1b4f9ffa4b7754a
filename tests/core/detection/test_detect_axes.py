"""Detected up and front on meshes with a known frame, and the rules they must keep: the answer
is a property of the mesh (turning the data and the object together changes nothing a user
sees), an object turned about world up keeps its axes, a knife lies edge-left."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from synthetic_meshes import box, chair, knife, merge, mug, pourer

from oor_arrange.oor_core.detection.axes6 import axis_of, vector
from oor_arrange.oor_core.detection.detect import detect_axes
from oor_arrange.oor_core.detection.local_mesh import LocalMesh
from oor_arrange.oor_core.language.working_parts import part_the_prompt_needs
from oor_arrange.oor_core.relations.category_table import library_category

TURNS = [np.array(m, dtype=float) for m in (
    np.array([[s0 if c == p[0] else 0 for c in range(3)],
              [s1 if c == p[1] else 0 for c in range(3)],
              [s2 if c == p[2] else 0 for c in range(3)]])
    for p in itertools.permutations(range(3))
    for s0, s1, s2 in itertools.product((1, -1), repeat=3))
    if np.linalg.det(m) > 0]


def world(rotation) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, :3] = rotation
    return matrix


def yaw(degrees) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1.0]])


def turned(mesh: LocalMesh, rotation) -> LocalMesh:
    return LocalMesh.from_arrays(mesh.vertices @ rotation.T, mesh.triangles)


def test_a_chair_in_blender_axes_is_up_z_front_minus_y():
    guess = detect_axes(chair(), np.eye(4), "chair")
    assert (guess.up, guess.front) == ("POS_Z", "NEG_Y")
    assert guess.up_confidence > 0.5


@pytest.mark.parametrize("turn", range(len(TURNS)))
def test_turning_the_data_and_the_object_together_turns_the_answer_with_them(turn):
    """The same chair on screen, stored in any of the 24 axis orders: detected axes are the
    same world directions (the backrest tells its front whatever the file convention)."""
    rotation = TURNS[turn]
    guess = detect_axes(turned(chair(), rotation), world(rotation.T), "chair")
    assert guess.up == axis_of(rotation @ vector("POS_Z"))
    assert guess.front == axis_of(rotation @ vector("NEG_Y"))


@given(st.floats(-180, 180))
def test_an_object_turned_about_world_up_keeps_its_axes(degrees):
    for mesh, name in ((chair(), "chair"), (pourer(), "pitcher"), (knife(), "knife")):
        still = detect_axes(mesh, np.eye(4), name)
        turned_guess = detect_axes(mesh, world(yaw(degrees)), name)
        assert (turned_guess.up, turned_guess.front) == (still.up, still.front), name


def test_a_z_up_mug_that_an_importer_laid_on_its_side_is_stood_up():
    laid = world(np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0.0]]))  # +90 degrees about X
    guess = detect_axes(mug(), laid, "mug")
    assert guess.up == "POS_Z"
    assert "cannot rest" in guess.up_reason


def test_an_unknown_box_laid_flat_by_the_importer_stands_but_a_board_stays_flat():
    laid = world(np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0.0]]))  # a Z-up file read as Y-up
    cereal = merge(box((-0.05, -0.015, 0.0), (0.05, 0.015, 0.15)))
    assert detect_axes(cereal, laid, "crunchy flakes").up == "POS_Z"
    board = merge(box((-0.15, -0.0075, 0.0), (0.15, 0.0075, 0.2)))  # thinner than a box
    assert detect_axes(board, laid, "wooden thing").up == "POS_Y"


def test_a_knife_is_framed_with_its_tip_in_front_and_its_edge_on_the_left():
    guess = detect_axes(knife(edge_at_negative_x=True), np.eye(4), "knife")
    assert (guess.up, guess.front) == ("POS_Z", "NEG_Y")
    assert guess.working_part == "edge"


def test_a_knife_lying_on_its_other_face_is_turned_over_not_cut_spine_down():
    guess = detect_axes(knife(edge_at_negative_x=False), np.eye(4), "knife")
    assert (guess.up, guess.front) == ("NEG_Z", "NEG_Y")
    right = np.cross(vector(guess.up), vector(guess.front))
    assert axis_of(-right) == "POS_X"  # the edge, at canonical -x


def test_a_pourer_faces_its_spout_not_its_handle():
    guess = detect_axes(pourer(), np.eye(4), "pitcher")
    assert guess.front == "NEG_X"


def test_an_unknown_pourer_finds_its_spout_when_the_relation_pours():
    assert detect_axes(pourer(), np.eye(4), "moka thing").front == "NEG_Y"  # convention only
    hinted = detect_axes(pourer(), np.eye(4), "moka thing", part_hint="spout")
    assert hinted.front == "NEG_X"


@pytest.mark.parametrize(("prompt", "part"), [
    ("A teapot pouring tea into a teacup", "spout"),
    ("Pour the milk into the glass", "spout"),
    ("A knife cutting the bread", "edge"),
    ("A cleaver chopping onions", "edge"),
    ("A mug on the table", ""),
    ("The pouring jug next to a cutting board", "spout"),
])
def test_the_prompt_says_which_working_side_matters(prompt, part):
    assert part_the_prompt_needs(prompt) == part


@pytest.mark.parametrize(("name", "category"), [
    ("bedside table", "nightstand"), ("chopping board", "cutting board"),
    ("big oak bookcase", "bookshelf"), ("table knife", "knife"), ("xyzzy", None)])
def test_object_names_find_their_library_category(name, category):
    found = library_category(name)
    assert (found.name if found else None) == category


def test_a_mesh_without_vertices_or_with_nan_is_refused():
    with pytest.raises(ValueError, match="no vertices"):
        LocalMesh.from_arrays(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        LocalMesh.from_arrays([[0, 0, np.nan]], [])


def test_a_slab_made_z_up_in_blender_is_never_stood_on_its_edge():
    slab = merge(box((-0.5, -0.5, 0.0), (0.5, 0.5, 0.2)))
    assert detect_axes(slab, np.eye(4), "slab").up == "POS_Z"
