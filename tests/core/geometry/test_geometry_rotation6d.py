import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geometry_strategies import rotations
from oor_core.geometry.oor_vector import PHI_DIM, pack_phi, target_points_in_base, unpack_phi
from oor_core.geometry.rotation6d import matrix_to_r6, r6_to_matrix


@given(rotations())
def test_6d_round_trip(rotation):
    np.testing.assert_allclose(r6_to_matrix(matrix_to_r6(rotation)), rotation, atol=1e-12)


def test_6d_uses_columns_not_rows():
    # 90 degrees about z: columns and rows differ, so a row convention would invert it.
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(matrix_to_r6(rotation), [0, 1, 0, -1, 0, 0])


@given(st.lists(st.floats(-5, 5), min_size=6, max_size=6))
def test_gram_schmidt_gives_proper_rotation_or_clear_error(values):
    r6 = np.array(values)
    try:
        rotation = r6_to_matrix(r6)
    except ValueError as error:
        assert "6-D rotation" in str(error)
        return
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(3), atol=1e-9)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    # The first column keeps the direction of the first 6-D vector.
    np.testing.assert_allclose(rotation[:, 0], r6[:3] / np.linalg.norm(r6[:3]), atol=1e-9)


@pytest.mark.parametrize("bad", [np.zeros(6), [1, 0, 0, 2, 0, 0], [np.nan, 0, 0, 0, 1, 0]])
def test_degenerate_6d_is_an_error_not_nan(bad):
    with pytest.raises(ValueError, match="6-D rotation"):
        r6_to_matrix(np.array(bad, dtype=float))


@given(rotations(), st.lists(st.floats(-3, 3), min_size=9, max_size=9))
def test_phi_pack_unpack_and_eq2(rotation, values):
    t, s_tb, s_b = np.array(values[:3]), np.abs(values[3:6]) + 0.1, np.abs(values[6:9]) + 0.1
    phi = pack_phi(rotation, t, s_tb, s_b)
    assert phi.shape == (PHI_DIM,)
    oor = unpack_phi(phi)
    np.testing.assert_allclose(oor.rotation, rotation, atol=1e-12)
    np.testing.assert_allclose(oor.translation, t)
    # Eq. 2: the unit cube's centre lands on t, a corner on R (s * corner) + t.
    corner = np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    mapped = target_points_in_base(phi, corner)
    np.testing.assert_allclose(mapped[1], t, atol=1e-12)
    np.testing.assert_allclose(mapped[0], rotation @ (s_tb * 0.5) + t, atol=1e-12)


def test_unpack_rejects_wrong_length():
    with pytest.raises(ValueError, match="15 components"):
        unpack_phi(np.zeros(14))


def test_nearly_parallel_columns_still_give_an_orthonormal_rotation():
    # found by hypothesis: one Gram-Schmidt pass left these columns 1.8e-9 off orthogonal
    rotation = r6_to_matrix(np.array([3.0, 3.0, 1.192092896e-07, 3.0, 3.0, 0.0]))
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(3), atol=1e-12)
