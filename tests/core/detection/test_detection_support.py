"""Support polygons and standing scores: how an object could rest on each of its sides."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from synthetic_meshes import chair, mug

from oor_arrange.oor_core.detection.hull2d import (
    convex_hull,
    exact_hull,
    inside_margin,
    polygon_area,
)
from oor_arrange.oor_core.detection.support import standing_scores

points_2d = st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=3,
                     max_size=40).map(np.array)


def test_a_square_and_its_inner_points_make_the_square():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5], [0.2, 0.7]], dtype=float)
    hull = convex_hull(square)
    assert len(hull) == 4
    assert polygon_area(hull) == 1.0
    assert inside_margin(hull, np.array([0.5, 0.5])) == 0.5
    assert inside_margin(hull, np.array([1.5, 0.5])) < 0.0


@given(points_2d)
def test_the_hull_holds_every_point_and_no_triangle_is_larger(points):
    hull = convex_hull(points)
    if len(hull) < 3:
        return
    area = polygon_area(hull)
    a, b, c = points[0], points[1], points[2]
    triangle = 0.5 * abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    assert area >= triangle - 1e-6
    for point in points:
        assert inside_margin(hull, point) >= -1e-6 * max(1.0, np.abs(points).max())


@given(st.integers(0, 2**32 - 1), st.sampled_from(["disc", "square", "blob"]))
def test_the_fast_hull_of_many_points_keeps_nearly_all_the_area(seed, shape):
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, (3000, 2))
    if shape == "disc":
        points = points[np.linalg.norm(points, axis=1) <= 1]
    elif shape == "blob":
        points = points * rng.uniform(0.1, 3.0, 2) + rng.normal(0, 5, 2)
    exact = polygon_area(exact_hull(points))
    assert exact * 0.99 <= polygon_area(convex_hull(points)) <= exact * (1 + 1e-9)


def test_a_mug_stands_on_its_base_not_on_its_rounded_side():
    scores = standing_scores(mug())
    assert scores["POS_Z"] > 0.45
    for side in ("POS_X", "NEG_X", "POS_Y", "NEG_Y"):
        assert scores[side] < 0.5 * scores["POS_Z"], side


def test_a_chair_stands_on_its_legs_better_than_on_its_back_rest():
    scores = standing_scores(chair())
    assert scores["POS_Z"] > 0.8
    assert scores["NEG_Z"] < scores["POS_Z"]  # upside down it rests on the top of its back
