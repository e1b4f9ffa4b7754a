"""Sets laid out as patterns (oor_core/scene/sets.py): balanced sides, no corners, one gap."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from oor_core.geometry.oor_vector import pack_phi, unpack_phi
from oor_core.scene.sets import (
    around,
    free_length,
    group_within_support,
    in_front_on_base,
    into_free_end,
    is_beside,
    is_on_top,
    on_top,
    patterns,
)

BASE = np.array([1.0, 0.42, 0.5])  # a 1.8 x 0.75 x 0.9 m table in its own units
CHAIR = np.array([0.25, 0.5, 0.28])


def sampled_chairs(n, rng):
    """Chairs as a model might sample them: beside the table, anywhere, facing anywhere."""
    out = []
    for _ in range(n):
        side = rng.integers(4)
        t = np.array([rng.uniform(-0.5, 0.5), -0.21 + 0.25, rng.uniform(-0.25, 0.25)])
        axis = (0, 2)[side % 2]
        t[axis] = (1 if side < 2 else -1) * (BASE[axis] / 2 + 0.05 + CHAIR[2] / 2)
        angle = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(angle), np.sin(angle)
        out.append(pack_phi(np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]), t, CHAIR, BASE))
    return np.stack(out)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 2**16))
def test_every_pattern_balances_opposite_sides_and_keeps_chairs_off_the_corners(n, seed):
    laid = around(sampled_chairs(n, np.random.default_rng(seed)), variants=4)
    assert laid
    for pattern, phis in laid:
        c = pattern.counts
        assert abs(c["front"] - c["back"]) <= 1 and abs(c["left"] - c["right"]) <= 1
        oor = unpack_phi(phis)
        extents = np.abs(oor.rotation) @ CHAIR / 2  # (n, 3) half extents
        gaps = []
        for t, e in zip(oor.translation, extents, strict=True):
            out = np.abs(t) - BASE / 2 - e
            normal = 0 if out[0] > out[2] else 2
            gaps.append(out[normal])
            along = 2 - normal
            assert abs(t[along]) + e[along] <= BASE[along] / 2 + 1e-9  # within its side
        assert max(gaps) - min(gaps) < 1e-9  # one distance from the edge for all
        facing = np.einsum("nij,j->ni", oor.rotation, [0.0, 0.0, 1.0])
        assert np.all(np.einsum("ni,ni->n", facing[:, [0, 2]], -oor.translation[:, [0, 2]])
                      > 0)  # each faces the table


def test_the_best_pattern_of_a_long_table_uses_its_long_sides_evenly():
    lengths = {"front": 1.0, "right": 0.5, "back": 1.0, "left": 0.5}
    assert patterns(4, lengths, 0.26)[0].counts == {"front": 2, "right": 0, "back": 2,
                                                    "left": 0}
    assert patterns(6, lengths, 0.26)[0].describe() == "3 front + 3 back"
    assert patterns(30, lengths, 0.26) == []  # more chairs than the sides hold


def test_beside_versus_on_top():
    rng = np.random.default_rng(0)
    assert is_beside(sampled_chairs(4, rng))
    on_top = pack_phi(np.eye(3), [0.1, BASE[1] / 2 + 0.01, 0.0], [0.1, 0.02, 0.1], BASE)
    assert not is_beside(on_top[None])


def test_a_place_setting_lies_on_the_table_in_front_of_its_chair():
    (_, chairs), *_ = around(sampled_chairs(2, np.random.default_rng(3)), variants=1)
    plate = pack_phi(np.eye(3), [0.0, 0.0, 1.0], [0.5, 0.04, 0.5], CHAIR)  # anywhere
    for chair in chairs:
        setting = in_front_on_base(chair, plate)
        c = unpack_phi(chair)
        unit = np.max(c.target_scale)
        placed = c.rotation @ (unpack_phi(setting).translation * unit) + c.translation
        assert abs(placed[1] - (BASE[1] / 2 + 0.04 * unit / 2)) < 1e-9  # on the top
        assert np.all(np.abs(placed[[0, 2]]) <= BASE[[0, 2]] / 2)  # within the table
        axis = 0 if abs(c.translation[0]) > BASE[0] / 2 else 2
        assert np.sign(placed[axis]) == np.sign(c.translation[axis])  # on the chair's side
        assert abs(placed[2 - axis] - c.translation[2 - axis]) < 1e-9  # square to the chair


SHELF = np.array([1.0, 0.3, 0.35])  # a 0.8 m shelf board, 24 cm high, 28 cm deep, in its units
BOOK = np.array([0.04, 0.3, 0.2])  # a book standing, spine out


def sampled_on_top(n, size, rng, base=SHELF):
    """Objects as a model might sample them on a top: anywhere on it, turned anywhere."""
    out = []
    for _ in range(n):
        angle = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(angle), np.sin(angle)
        t = [rng.uniform(-0.4, 0.4), base[1] / 2 + size[1] / 2, rng.uniform(-0.1, 0.1)]
        out.append(pack_phi(np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]), t, size, base))
    return np.stack(out)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 2**16))
def test_members_on_a_top_rest_in_even_rows_squared_to_its_edges(n, seed):
    sampled = sampled_on_top(n, BOOK, np.random.default_rng(seed))
    assert is_on_top(sampled) and not is_beside(sampled)
    laid = on_top(sampled, variants=3)
    assert laid and len(laid[0][0].counts) == 1  # one row first when it fits
    for rows, phis in laid:
        oor = unpack_phi(phis)
        np.testing.assert_allclose(oor.rotation, oor.rotation[:1].repeat(n, 0), atol=1e-9)
        front = oor.rotation[0] @ [0, 0, 1]
        assert min(abs(front[0]), abs(front[2])) < 1e-9  # squared to the edges
        extents = np.abs(oor.rotation) @ BOOK / 2
        assert extents[0, 0] <= extents[0, 2] + 1e-9  # the narrower side along the row
        bottom = oor.translation[:, 1] - extents[:, 1]
        np.testing.assert_allclose(bottom, SHELF[1] / 2, atol=1e-9)  # resting on the top
        assert np.all(np.abs(oor.translation[:, [0, 2]]) + extents[:, [0, 2]]
                      <= SHELF[[0, 2]] / 2 + 1e-9)  # inside the top
        start = 0
        for k in rows.counts:  # evenly spaced along each row, no two overlapping
            xs = np.sort(oor.translation[start:start + k, 0])
            if k > 1:
                np.testing.assert_allclose(np.diff(xs), SHELF[0] / k, atol=1e-9)
                assert np.min(np.diff(xs)) >= 2 * extents[0, 0]
            start += k


def test_a_row_that_does_not_fit_becomes_two():
    plate = np.array([0.14, 0.012, 0.14])  # 25 cm plates on the 1.8 m table above
    sampled = sampled_on_top(8, plate, np.random.default_rng(1), base=BASE)
    laid = on_top(sampled, variants=3)
    assert laid[0][0].counts == (4, 4)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_a_set_in_front_of_the_base_stays_in_front_facing_it(n, seed):
    """'Two chairs in front of the desk': the front side only, every chair facing the desk."""
    laid = around(sampled_chairs(n, np.random.default_rng(seed)), variants=4, sides=("front",))
    assert laid
    for pattern, phis in laid:
        assert pattern.counts["front"] == n
        oor = unpack_phi(phis)
        assert np.all(oor.translation[:, 2] > BASE[2] / 2)
        facing = oor.rotation @ np.array([0.0, 0.0, 1.0])
        assert np.allclose(facing[:, 2], -1.0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_a_set_on_each_side_keeps_its_sampled_turn_squared(seed):
    """'A nightstand on each side of the bed': one left, one right, each turned as sampled to
    the nearest quarter turn (not turned to face the bed), its box clear of the base."""
    sampled = sampled_chairs(2, np.random.default_rng(seed))
    laid = around(sampled, variants=2, sides=("left", "right"), facing=False)
    assert laid
    pattern, phis = laid[0]
    assert pattern.counts["left"] == 1 and pattern.counts["right"] == 1
    oor = unpack_phi(phis)
    assert sorted(np.sign(oor.translation[:, 0])) == [-1.0, 1.0]
    before = unpack_phi(sampled).rotation @ np.array([0.0, 0.0, 1.0])
    after = oor.rotation @ np.array([0.0, 0.0, 1.0])
    for b, a in zip(before, after, strict=True):
        turn = np.arctan2(b[0], b[2]) - np.arctan2(a[0], a[2])
        assert abs((turn + np.pi) % (2 * np.pi) - np.pi) <= np.pi / 4 + 1e-9
        assert np.isclose(abs(a[0]) + abs(a[2]), 1.0)  # squared to the base's edges
    extents = np.abs(oor.rotation) @ CHAIR / 2
    assert np.all(np.abs(oor.translation[:, 0]) - extents[:, 0] >= BASE[0] / 2 - 1e-9)


def _plan_boxes(phis):
    oor = unpack_phi(np.atleast_2d(phis))
    half = np.abs(oor.rotation) @ oor.target_scale[..., None] / 2
    return oor.translation - half[..., 0], oor.translation + half[..., 0]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_a_row_on_a_top_leaves_room_for_another_object_on_it(n, seed):
    """Three books in a row on the shelf and a vase on it too: the row keeps one end free and
    the vase goes there, nothing overlapping, everything on the top."""
    rng = np.random.default_rng(seed)
    books = sampled_on_top(n, BOOK, rng)
    vase = sampled_on_top(1, np.array([0.15, 0.35, 0.15]), rng)
    free = free_length(vase)
    laid = on_top(books, 1, *free)
    assert laid
    placed = np.concatenate([laid[0][1], into_free_end(vase, *free)])
    low, high = _plan_boxes(placed)
    assert np.all(low[:, [0, 2]] >= -SHELF[[0, 2]] / 2 - 1e-9)
    assert np.all(high[:, [0, 2]] <= SHELF[[0, 2]] / 2 + 1e-9)
    for i in range(len(placed)):
        for j in range(i + 1, len(placed)):
            assert high[i, 0] <= low[j, 0] + 1e-9 or high[j, 0] <= low[i, 0] + 1e-9
    assert np.sign(unpack_phi(placed[-1]).translation[0]) == free[1]  # the end it was nearer


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-0.6, 0.6), z=st.floats(-0.3, 0.3))
def test_a_base_and_the_set_beside_it_stay_on_its_support(x, z):
    """A monitor sampled anywhere on the desk, a speaker either side of it: moved by the least
    that keeps all three on the desk's top."""
    desk = np.array([1.0, 0.53, 0.5])
    monitor = pack_phi(np.eye(3), [x, 0.4, z], [0.4, 0.3, 0.12], desk)
    speakers = np.stack([pack_phi(np.eye(3), [side * 0.75, -0.2, 0.0], [0.25, 0.5, 0.3],
                                  [1.0, 0.75, 0.3]) for side in (-1, 1)])
    region = (-0.5, 0.5, -0.25, 0.25)
    moved = group_within_support(monitor, speakers, region)
    oor = unpack_phi(moved)
    group_low = oor.translation[0] - 0.75 * 0.4 - 0.25 * 0.4 / 2
    group_high = oor.translation[0] + 0.75 * 0.4 + 0.25 * 0.4 / 2
    assert group_low >= -0.5 - 1e-9 and group_high <= 0.5 + 1e-9
    assert abs(oor.translation[2]) + 0.3 * 0.4 / 2 <= 0.25 + 1e-9
    inside = abs(x) + 0.35 <= 0.5 and abs(z) + 0.06 <= 0.25
    if inside:  # already on the top: unchanged
        np.testing.assert_allclose(moved, monitor, atol=1e-12)
