"""World-matrix writes reach their target or change nothing; operators that fail after they
started writing leave the scene as it was."""

import math

import bpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mathutils import Euler, Matrix

from oor_arrange.bridge import pair as pair_pipeline
from oor_arrange.bridge.objects import BridgeError, unchanged_on_error, write_world_matrix
from oor_arrange.bridge.pair import PREVIOUS_MATRIX_KEY
from scene_helpers import add_box, select

angles = st.floats(-math.pi, math.pi, allow_nan=False)
stretch = st.floats(0.05, 20.0, allow_nan=False)


def state(obj):
    return (np.array(obj.matrix_basis), np.array(obj.matrix_parent_inverse),
            list(obj[PREVIOUS_MATRIX_KEY]) if PREVIOUS_MATRIX_KEY in obj else None)


def assert_same_state(obj, before):
    after = state(obj)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2] == before[2]


@pytest.fixture
def knife(addon):
    return add_box("Knife", (0.02, 0.2, 0.01), location=(-1.0, 0.5, 0.3), rotation=(20, 35, 70),
                   scale=(1, 1, 3))


ROTATION_MODES = ['XYZ', 'XZY', 'YXZ', 'YZX', 'ZXY', 'ZYX', 'QUATERNION', 'AXIS_ANGLE']


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rx=angles, ry=angles | st.sampled_from([math.pi / 2, -math.pi / 2, 1.5703125]),
       rz=angles, sx=stretch, sy=stretch, sz=stretch, flip=st.booleans(),
       mode=st.sampled_from(ROTATION_MODES), x=st.floats(-3, 3), y=st.floats(-3, 3),
       z=st.floats(-3, 3))
def test_an_unparented_stretched_object_reaches_any_rotation_without_a_shear(
        knife, rx, ry, rz, sx, sy, sz, flip, mode, x, y, z):
    """Float32 storage lands ~5e-6 away and Blender's float32 Euler decomposition ~1e-4 near
    gimbal lock; neither is a shear, and neither may be taken for one."""
    knife.rotation_mode = mode
    scale = Matrix.Diagonal((-sx if flip else sx, sy, sz, 1.0))
    target = Matrix.Translation((x, y, z)) @ Euler((rx, ry, rz)).to_matrix().to_4x4() @ scale
    assert write_world_matrix(knife, np.array(target)) is False
    bpy.context.view_layer.update()
    reached = np.array(knife.matrix_world)
    assert np.max(np.abs(reached - np.array(target))) <= 2e-5 * max(1.0, np.abs(target).max())


def test_a_sheared_target_without_a_parent_is_refused_and_nothing_moves(knife):
    before = state(knife)
    shear = np.eye(4)
    shear[0, 1] = 0.5  # no location/rotation/scale holds this
    with pytest.raises(BridgeError, match="'Knife': the placement needs a shear"):
        write_world_matrix(knife, shear)
    assert_same_state(knife, before)


def test_a_non_finite_target_is_refused_and_nothing_moves(knife):
    before = state(knife)
    target = np.eye(4)
    target[2, 3] = np.inf
    with pytest.raises(BridgeError, match="non-finite"):
        write_world_matrix(knife, target)
    assert_same_state(knife, before)


def test_a_shear_under_a_rotated_stretched_parent_is_absorbed(addon):
    parent = add_box("Parent", (1, 1, 1), rotation=(0, 0, 30), scale=(3.0, 0.5, 1.0))
    child = add_box("Child", (0.2, 0.2, 0.2), location=(0.3, 0.1, 0.0), parent=parent)
    target = np.array(Euler((0.3, 0.2, 0.9)).to_matrix().to_4x4())
    target[:3, 3] = (1.0, -2.0, 0.5)
    assert write_world_matrix(child, target) is True
    bpy.context.view_layer.update()
    np.testing.assert_allclose(np.array(child.matrix_world), target, atol=2e-5)


def test_several_objects_are_restored_together_when_one_write_fails(addon):
    a = add_box("A", (1, 1, 1), location=(1, 2, 3))
    b = add_box("B", (1, 1, 1), location=(-1, 0, 0))
    a[PREVIOUS_MATRIX_KEY] = [0.0] * 16
    before = {obj.name: state(obj) for obj in (a, b)}
    broken = np.eye(4)
    broken[0, 0] = np.nan
    with pytest.raises(BridgeError), unchanged_on_error([a, b], (PREVIOUS_MATRIX_KEY,)):
        a[PREVIOUS_MATRIX_KEY] = [1.0] * 16
        b[PREVIOUS_MATRIX_KEY] = [2.0] * 16
        write_world_matrix(a, np.diag([2.0, 2.0, 2.0, 1.0]))  # succeeds ...
        write_world_matrix(b, broken)  # ... then this one fails
    for obj in (a, b):
        assert_same_state(obj, before[obj.name])


def test_apply_relation_failing_while_it_writes_leaves_the_target_where_it_was(addon,
                                                                              monkeypatch):
    """A fault placed inside the write (it moves the object, then fails): the operator restores
    the target and its Reset memory, reports why, and adds no undo step."""
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Cup", (0.08, 0.08, 0.09), location=(2, 0, 0), center=(0, 0, 0.045))
    select(table, cup)
    bpy.context.scene.oor.prompt = "A cup on a table"
    before = state(cup)

    def moves_then_fails(obj, matrix):
        write_world_matrix(obj, matrix)
        raise BridgeError(f"'{obj.name}': simulated failure after moving it")

    monkeypatch.setattr(pair_pipeline, "write_world_matrix", moves_then_fails)
    with bpy.context.temp_override(active_object=table, selected_objects=[table, cup]), \
            pytest.raises(RuntimeError, match="simulated failure after moving it"):
        bpy.ops.oor.apply_relation('EXEC_DEFAULT')
    assert_same_state(cup, before)
