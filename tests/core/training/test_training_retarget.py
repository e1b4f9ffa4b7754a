"""Few-shot augmentation: a capture re-posed for other sizes keeps what the artist arranged."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oor_core.evaluation.teach_eval import RELATIONS, captures_for, typical
from oor_core.geometry.oor_vector import unpack_phi
from oor_core.training.captures import Capture
from oor_core.training.retarget import augment_captures, repose, substitutes

CORNER, EDGE_OF_TOP, LEAN = RELATIONS
sizes = st.tuples(*[st.floats(0.05, 2.0)] * 3)


def _metres(phi, base_m):
    oor = unpack_phi(phi)
    unit = max(base_m)
    half_t = np.abs(oor.rotation) @ (oor.target_scale * unit / 2)
    return oor.translation * unit, half_t, np.asarray(base_m) / 2


def test_repose_at_the_captured_sizes_is_the_capture():
    rng = np.random.default_rng(0)
    for relation in RELATIONS:
        for variant in range(4):
            base_m, target_m = typical(relation.base, rng), typical(relation.target, rng)
            phi = relation.arrange(base_m, target_m, variant, rng)
            np.testing.assert_allclose(repose(phi, target_m, base_m), phi, atol=1e-9)


@given(base=sizes, fraction=st.tuples(*[st.floats(0.02, 0.4)] * 3), variant=st.integers(0, 3))
def test_a_candle_on_a_corner_stays_on_the_top_at_any_size(base, fraction, variant):
    """Any base, and any target that fits on it turned any way, with room to spare."""
    footprint = min(base[0], base[2])
    target = np.multiply([footprint, base[1], footprint], fraction)
    rng = np.random.default_rng(variant)
    captured = CORNER.arrange(typical("dining table", rng), typical("candle", rng), variant, rng)
    phi = repose(captured, target, base)
    position, half_t, half_b = _metres(phi, base)
    assert position[1] - half_t[1] == pytest.approx(half_b[1], abs=1e-9)  # resting on the top
    corner = [(1, 1), (-1, 1), (-1, -1), (1, -1)][variant]
    assert np.sign(position[[0, 2]]).tolist() == list(corner)  # the same corner


@given(base=sizes, target=sizes, variant=st.integers(0, 3))
def test_a_leaning_book_keeps_its_angle_and_its_contact(base, target, variant):
    rng = np.random.default_rng(variant)
    captured = LEAN.arrange(typical("bookend", rng), typical("book", rng), variant, rng)
    phi = repose(captured, target, base)
    np.testing.assert_allclose(unpack_phi(phi).rotation, unpack_phi(captured).rotation,
                               atol=1e-9)
    position, half_t, half_b = _metres(phi, base)
    assert abs(position[0]) - half_t[0] == pytest.approx(half_b[0], abs=1e-9)  # touching
    assert position[1] - half_t[1] == pytest.approx(-half_b[1], abs=1e-9)  # on the floor


def test_the_taught_predicates_accept_the_captures_and_refuse_other_poses():
    rng = np.random.default_rng(3)
    for relation in RELATIONS:
        for capture in captures_for(relation, 5):
            assert relation.holds(np.asarray(capture.phi), capture.base_size, capture.target_size)
        base_m, target_m = typical(relation.base, rng), typical(relation.target, rng)
        phi = relation.arrange(base_m, target_m, 0, rng)
        lifted = phi.copy()
        lifted[7] += 0.3  # 30 % of the base's size higher: neither on the top nor on the floor
        assert not relation.holds(lifted, base_m, target_m)


def test_substitutes_share_a_kind_or_a_size():
    assert "candlestick" in substitutes("candle", None)
    assert "desk" in substitutes("dining table", None)
    assert "candle" not in substitutes("candle", None)
    unnamed = substitutes("object", [0.07, 0.2, 0.07])  # by size alone
    assert unnamed and "dining table" not in unnamed


def test_augmented_rows_rename_the_prompt_and_keep_the_captured_pair():
    captures = captures_for(CORNER, 3)
    ds = augment_captures(captures, rows=600, seed=0)
    assert 500 <= len(ds.phi) <= 700 and np.all(np.isfinite(ds.phi))
    texts = {(p.base_name, p.target_name): p.text for p in ds.prompts}
    assert texts[("dining table", "candle")] == "A candle at the corner of the table"
    renamed = [t for (b, c), t in texts.items() if (b, c) != ("dining table", "candle")]
    assert renamed and all(t.endswith(f"corner of the {b}") for (b, _), t in texts.items()
                           if (b, _) != ("dining table", "candle"))
    assert {c.split for c in ds.contexts} == {"train"}


def test_an_unnamed_capture_is_augmented_by_its_size():
    phi = CORNER.arrange(np.array([1.6, 0.75, 0.9]), np.array([0.06, 0.2, 0.06]), 0,
                         np.random.default_rng(0))
    capture = Capture("A thing at the corner of the object", "object", "object",
                      tuple(phi), base_size=(1.6, 0.75, 0.9), target_size=(0.06, 0.2, 0.06))
    ds = augment_captures([capture], rows=200)
    assert len({c.base for c in ds.contexts}) > 1 and np.all(np.isfinite(ds.phi))


def test_the_beyond_pairs_are_outside_what_the_augmentation_re_poses():
    """teach_eval's 'beyond' columns measure objects the fine-tune never saw in any form."""
    for relation in RELATIONS:
        seen_bases, seen_targets = {relation.base}, {relation.target}
        for capture in captures_for(relation, 5):  # the sizes the eval's captures have
            seen_bases.update(substitutes(relation.base, capture.base_size))
            seen_targets.update(substitutes(relation.target, capture.target_size))
        assert not seen_bases & set(relation.beyond_bases)
        assert not seen_targets & set(relation.beyond_targets)
