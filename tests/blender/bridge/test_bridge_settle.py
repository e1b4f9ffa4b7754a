"""Settling a candidate onto the real surface under it: a tray's floor, a bin's bottom, not the
rim height that the base's bounding box suggests; targets meant to hang above or lean stay.
Scenes pushed apart when they collide. Pours brought down to just above the rim, bottles tipped
past horizontal."""

import math

import bpy
import numpy as np
import pytest
from mathutils import Euler, Matrix

from oor_arrange.bridge.candidates import settle_on_base
from oor_arrange.bridge.meshes import WorldMesh, support_gap
from oor_arrange.bridge.request import build_request
from scene_helpers import add_box, add_cup

BIN_HEIGHT, FLOOR = 0.3, 0.004  # the bin's bottom is as thick as its wall


def bin_and_can():
    container = add_cup("Bin", radius=0.15, height=BIN_HEIGHT, wall=FLOOR)
    can = add_box("Can", (0.06, 0.06, 0.1), location=(2, 0, 0), center=(0, 0, 0.05))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_request(container, can, "A can in the bin", depsgraph)
    return request, WorldMesh.from_object(can, depsgraph), WorldMesh.from_object(container,
                                                                                 depsgraph)


def placed(location, tilt_deg=0.0):
    return np.array(Matrix.Translation(location) @ Euler((math.radians(tilt_deg), 0, 0))
                    .to_matrix().to_4x4())


def settled_gap(request, can, container, matrix):
    settled = settle_on_base(request.target.geometry, matrix, can, container)
    return settled, support_gap(can.moved(settled), container)


def test_a_can_left_at_rim_height_or_inside_drops_to_the_bins_bottom(addon):
    request, can, container = bin_and_can()
    for height in (BIN_HEIGHT, BIN_HEIGHT + 0.01, 0.12):
        settled, gap = settled_gap(request, can, container, placed((0.02, -0.03, height)))
        assert abs(gap) <= 1e-4, height
        assert settled[2, 3] < height
        np.testing.assert_allclose(settled[:2, 3], (0.02, -0.03))  # only moved down


def test_a_can_well_above_beside_or_tilted_is_left_as_sampled(addon):
    request, can, container = bin_and_can()
    for matrix in (placed((0.0, 0.0, BIN_HEIGHT + 0.2)),  # hanging above: not resting
                   placed((0.5, 0.0, 0.0)),  # beside the bin: nothing of it below
                   placed((0.0, 0.0, BIN_HEIGHT), tilt_deg=30)):  # tilted: pouring, leaning
        settled, _ = settled_gap(request, can, container, matrix)
        np.testing.assert_array_equal(settled, matrix)


def test_a_scene_settles_bases_first_and_what_rests_on_them_follows(addon):
    from oor_arrange.bridge.relation_rows import RelationRow
    from oor_arrange.bridge.scene import build_scene_request, scene_meshes, settle_layout

    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    tray = add_cup("Tray", radius=0.2, height=0.05, wall=FLOOR, location=(3, 0, 0))
    mug = add_box("Mug", (0.08, 0.08, 0.1), location=(4, 0, 0), center=(0, 0, 0.05))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_scene_request([RelationRow(table, tray, "A tray on the table"),
                                   RelationRow(tray, mug, "A mug on the tray")], depsgraph)
    meshes = scene_meshes(request, depsgraph)
    floating = {"Tray": placed((0.1, 0.0, 0.76)),  # 1 cm above the table top
                "Mug": placed((0.1, 0.0, 0.81))}  # at the floating tray's rim height
    settled = settle_layout(request, floating, meshes)
    tray_mesh = meshes["Tray"].moved(settled["Tray"])
    assert abs(support_gap(tray_mesh, meshes["Table"])) <= 1e-4
    assert abs(support_gap(meshes["Mug"].moved(settled["Mug"]), tray_mesh)) <= 1e-4
    assert settled["Mug"][2, 3] < 0.81 - 0.01 - 0.04  # followed the tray, then to its floor


def desk_with_two_overlapping_items():
    from oor_arrange.bridge.relation_rows import RelationRow
    from oor_arrange.bridge.scene import build_scene_request, scene_meshes

    desk = add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    keyboard = add_box("Keyboard", (0.45, 0.15, 0.03), location=(3, 0, 0))
    mouse = add_box("Mouse", (0.06, 0.11, 0.04), location=(4, 0, 0))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_scene_request([RelationRow(desk, keyboard, "A keyboard on a desk"),
                                   RelationRow(desk, mouse, "A mouse on a desk")], depsgraph)
    # Both resting on the desk top, the mouse half inside the keyboard.
    layout_matrices = {"Keyboard": placed((0.0, 0.0, 0.75)), "Mouse": placed((0.2, 0.0, 0.75))}
    return request, scene_meshes(request, depsgraph), layout_matrices


def test_colliding_objects_are_pushed_apart_and_stay_on_the_desk(addon):
    from oor_arrange.bridge.scene import check_layout, separate

    request, meshes, matrices = desk_with_two_overlapping_items()
    layout = check_layout(request, matrices, meshes)
    assert layout.colliding_pairs == [("Keyboard", "Mouse")]
    separated = check_layout(request, separate(request, layout, meshes), meshes)
    assert separated.colliding_pairs == []
    assert set(separated.resting) == {"Keyboard", "Mouse"}
    moved = separated.matrices["Mouse"][:3, 3] - matrices["Mouse"][:3, 3]
    assert 0.0 < np.linalg.norm(moved) <= 0.2 and moved[2] == 0.0  # sideways, not far


def test_a_layout_that_still_collides_is_refused_naming_the_pair(addon):
    import pytest

    from oor_arrange.bridge.request import RequestError
    from oor_arrange.bridge.scene import check_layout, require_no_collisions, separate

    request, meshes, matrices = desk_with_two_overlapping_items()
    layout = check_layout(request, matrices, meshes)
    stuck = check_layout(request, separate(request, layout, meshes, movable=set()), meshes)
    with pytest.raises(RequestError, match="'Keyboard' and 'Mouse' would interpenetrate"):
        require_no_collisions(stuck)


def teapot_over_cup(prompt):
    from oor_arrange.bridge.candidates import _spout_point

    cup = add_cup("Teacup", radius=0.045, height=0.07, wall=0.003)
    pot = add_box("Teapot", (0.16, 0.24, 0.16), location=(1, 0, 0), center=(0, 0, 0.08))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_request(cup, pot, prompt, depsgraph)
    # Tilted 50 degrees towards the cup (its front, -Y, dips), spout 12 cm above the rim.
    matrix = placed((0.0, 0.14, 0.0), tilt_deg=50)
    spout = _spout_point(request, matrix)
    matrix[:3, 3] += np.array([-spout[0], -spout[1], 0.07 + 0.12 - spout[2]])
    return request, matrix, WorldMesh.from_object(pot, depsgraph), WorldMesh.from_object(
        cup, depsgraph)


def test_a_pour_brings_the_spout_down_to_a_few_centimetres_above_the_rim(addon):
    from oor_arrange.bridge.candidates import _spout_point, lower_pour

    request, matrix, pot, cup = teapot_over_cup("A teapot pouring tea into a teacup")
    lowered = lower_pour(request, matrix, pot, cup)
    above = _spout_point(request, lowered)[2] - 0.07
    assert 0.01 <= above <= 0.06
    np.testing.assert_allclose(lowered[:2, 3], matrix[:2, 3])  # straight down


def test_only_a_pour_is_lowered(addon):
    from oor_arrange.bridge.candidates import lower_pour

    request, matrix, pot, cup = teapot_over_cup("A teapot above a teacup")
    np.testing.assert_array_equal(lower_pour(request, matrix, pot, cup), matrix)


def test_a_bottle_pours_tipped_past_horizontal_with_its_mouth_just_above_the_rim(addon):
    from oor_arrange.bridge.candidates import _spout_point, lower_pour

    glass = add_cup("Glass", radius=0.04, height=0.12, wall=0.003)
    bottle = add_box("Wine bottle", (0.075, 0.075, 0.31), location=(1, 0, 0), center=(0, 0, 0.155))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_request(glass, bottle, "A wine bottle pouring wine into a glass", depsgraph)
    matrix = placed((0.0, 0.2, 0.0), tilt_deg=55)  # as the model leaves it: tipped 55 degrees
    mouth = _spout_point(request, matrix)
    matrix[:3, 3] += np.array([-mouth[0], -mouth[1], 0.12 + 0.15 - mouth[2]])
    poured = lower_pour(request, matrix, WorldMesh.from_object(bottle, depsgraph),
                        WorldMesh.from_object(glass, depsgraph))
    up = poured[:3, 2] / np.linalg.norm(poured[:3, 2])  # the box's local +Z is its up
    assert math.degrees(math.acos(up[2])) == pytest.approx(110.0, abs=0.5)
    mouth = _spout_point(request, poured)
    assert 0.01 <= mouth[2] - 0.12 <= 0.06 and np.linalg.norm(mouth[:2]) <= 0.04


def desk_with_a_keyboard_off_its_edge():
    """A monitor on the front half of a desk and a keyboard in front of it at the desk's height,
    but past the desk's front edge: standing on nothing."""
    from oor_arrange.bridge.relation_rows import RelationRow
    from oor_arrange.bridge.scene import build_scene_request, scene_meshes

    desk = add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    monitor = add_box("Monitor", (0.6, 0.25, 0.45), location=(3, 0, 0), center=(0, 0, 0.225))
    keyboard = add_box("Keyboard", (0.45, 0.15, 0.03), location=(4, 0, 0), center=(0, 0, 0.015))
    depsgraph = bpy.context.evaluated_depsgraph_get()
    request = build_scene_request(
        [RelationRow(desk, monitor, "A monitor on the desk"),
         RelationRow(monitor, keyboard, "The keyboard in front of the monitor")], depsgraph)
    matrices = {"Monitor": placed((0.0, -0.18, 0.75)), "Keyboard": placed((0.0, -0.45, 0.75))}
    return request, scene_meshes(request, depsgraph), matrices


def test_an_object_beside_a_base_on_the_desk_is_brought_onto_the_desk(addon):
    from oor_arrange.bridge.scene import check_layout, describe, onto_supports

    request, meshes, matrices = desk_with_a_keyboard_off_its_edge()
    layout = check_layout(request, matrices, meshes)
    assert layout.colliding_pairs == [] and layout.resting == ["Monitor"]
    assert layout.unsupported == [("Keyboard", "Desk")]
    assert "'Keyboard' stands off 'Desk'" in describe(layout)
    fixed = check_layout(request, onto_supports(request, layout, meshes), meshes)
    assert fixed.unsupported == [] and fixed.colliding_pairs == []
    keyboard, monitor = fixed.matrices["Keyboard"][:3, 3], fixed.matrices["Monitor"][:3, 3]
    assert keyboard[1] - 0.075 >= -0.35 - 1e-6 and keyboard[2] == pytest.approx(0.75, abs=1e-6)
    # the monitor made room: moved back with the keyboard, which stays in front of it
    assert monitor[1] > -0.18 and keyboard[1] < monitor[1] - 0.2
    assert keyboard[1] - monitor[1] == pytest.approx(-0.45 + 0.18, abs=1e-6)


def test_a_keyboard_on_the_desk_in_front_of_the_monitor_is_supported(addon):
    from oor_arrange.bridge.scene import check_layout

    request, meshes, matrices = desk_with_a_keyboard_off_its_edge()
    matrices["Monitor"], matrices["Keyboard"] = placed((0, 0.1, 0.75)), placed((0, -0.15, 0.75))
    assert check_layout(request, matrices, meshes).unsupported == []
