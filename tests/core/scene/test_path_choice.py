"""An object placed by two relations ends where the likelier of them puts it, and the layout is
one consistent arrangement (every parent path gives the same pose)."""

import numpy as np
import pytest

from oor_core.geometry.box_pose import BoxPose, relative_phi
from oor_core.geometry.oor_vector import TRANSLATION
from oor_core.scene.path_choice import agree_on_likeliest_paths
from oor_core.scene.scene_graph import poses_through_paths

TABLE = BoxPose(np.eye(3), np.zeros(3), np.array([1.6, 0.75, 0.9]))
PLATE = BoxPose(np.eye(3), np.array([0.0, 0.385, 0.0]), np.array([0.27, 0.02, 0.27]))
KEYS = [("table", "plate"), ("table", "glass"), ("plate", "glass")]


def glass_at(x):
    return BoxPose(np.eye(3), np.array([x, 0.42, 0.0]), np.array([0.08, 0.09, 0.08]))


def layout(from_table: float, from_plate: float) -> np.ndarray:
    """(3, 1, 15): the table puts the glass at x = from_table, the plate at x = from_plate."""
    rows = [relative_phi(TABLE, PLATE), relative_phi(TABLE, glass_at(from_table)),
            relative_phi(PLATE, glass_at(from_plate))]
    return np.stack(rows)[:, None, :]


def beside_the_plate(phi: np.ndarray) -> np.ndarray:
    """A stand-in for the model: the plate's relation is unlikely unless the glass is 0.2 plate
    lengths to its right; the table's accepts anywhere on the table."""
    energy = np.zeros(phi.shape[:2])
    energy[2] = (phi[2, :, TRANSLATION.start] - 0.2) ** 2 * 100
    return energy


def glass_poses(phi):
    """The glass's box through each parent path, in table lengths (the root's frame)."""
    paths = poses_through_paths({key: phi[i, 0] for i, key in enumerate(KEYS)})
    return [p.pose for p in paths["glass"]]


def test_the_glass_goes_where_the_likelier_relation_puts_it_and_both_paths_agree():
    phi = agree_on_likeliest_paths(KEYS, layout(-0.5, 0.2 * 0.27), beside_the_plate)
    poses = glass_poses(phi)
    assert len(poses) == 2
    for pose in poses:  # beside the plate, not halfway to where the table put it
        np.testing.assert_allclose(pose.center, np.array([0.2 * 0.27, 0.42, 0.0]) / 1.6,
                                   atol=1e-9)
        np.testing.assert_allclose(pose.size, np.array([0.08, 0.09, 0.08]) / 1.6, atol=1e-9)
    np.testing.assert_array_equal(phi[0], layout(-0.5, 0.2 * 0.27)[0])  # the plate stays


def test_when_no_path_is_likelier_than_their_mean_the_mean_is_kept():
    def likes_the_middle(phi):
        energy = np.zeros(phi.shape[:2])
        energy[1] = (phi[1, :, TRANSLATION.start] - (-0.2 / 1.6)) ** 2 * 100
        return energy

    phi = agree_on_likeliest_paths(KEYS, layout(-0.4, 0.0), likes_the_middle)
    for pose in glass_poses(phi):  # halfway: -0.2 m
        np.testing.assert_allclose(pose.center[0], -0.2 / 1.6, atol=1e-9)


def test_a_fixed_relation_keeps_the_pose_it_gives():
    phi = agree_on_likeliest_paths(KEYS, layout(-0.5, 0.2 * 0.27), beside_the_plate,
                                   fixed=np.array([False, True, False]))
    for pose in glass_poses(phi):
        np.testing.assert_allclose(pose.center[0], -0.5 / 1.6, atol=1e-9)


@pytest.mark.parametrize("keys", [[("table", "plate"), ("table", "glass")],
                                  [("table", "plate"), ("plate", "glass")]])
def test_objects_with_one_parent_are_left_as_sampled(keys):
    phi = np.random.default_rng(0).normal(size=(2, 3, 15))

    def fail(_phi):
        raise AssertionError("no object has two parents: nothing to choose")

    np.testing.assert_array_equal(agree_on_likeliest_paths(keys, phi, fail), phi)


def test_a_leading_relation_places_the_object_and_the_others_follow_it():
    """Speakers laid out beside the monitor: the relation that laid them out places them, and
    their other relations (to the desk) are rewritten to agree, not averaged with it."""
    from oor_core.scene.path_choice import follow_leading_relations

    for leading, x in ((2, 0.2 * 0.27), (1, -0.5)):
        phi = follow_leading_relations(KEYS, layout(-0.5, 0.2 * 0.27), [leading])
        for pose in glass_poses(phi):
            np.testing.assert_allclose(pose.center, np.array([x, 0.42, 0.0]) / 1.6, atol=1e-9)
        np.testing.assert_array_equal(phi[0], layout(-0.5, 0.2 * 0.27)[0])  # the plate stays
