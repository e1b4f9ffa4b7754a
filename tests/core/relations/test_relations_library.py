"""Relation library: categories, contexts, sampler determinism, predicates, sizes, contact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oor_core.geometry.oor_vector import unpack_phi
from oor_core.relations import CATEGORIES, FAMILIES, Context, library_contexts
from oor_core.relations.contexts import is_feasible
from oor_core.relations.fam_common import support_region
from oor_core.relations.frames import aabb_half, box_overlap_depth, corners, rot_x, rot_y

CONTEXTS = library_contexts()
BY_FAMILY = {f: [c for c in CONTEXTS if c.family == f] for f in FAMILIES}


def test_library_sizes():
    assert len(CATEGORIES) >= 250
    assert len(FAMILIES) >= 30
    assert len(CONTEXTS) >= 600
    assert all(BY_FAMILY[f] for f in FAMILIES), "every family has contexts"
    assert len({c.id for c in CONTEXTS}) == len(CONTEXTS)


def test_names_unique_across_categories():
    names = [n for c in CATEGORIES.values() for n in c.names]
    assert len(names) == len(set(names))


def test_sampler_is_deterministic_and_seed_dependent():
    ctx = BY_FAMILY["pouring_into"][0]
    a, b = ctx.sample(50, seed=3), ctx.sample(50, seed=3)
    assert np.array_equal(a, b)
    assert not np.allclose(a, ctx.sample(50, seed=4))


def _spread(contexts, k):
    """Every k-th context of each family (keeps the test fast, covers all families)."""
    out = []
    for f in FAMILIES:
        out += BY_FAMILY[f][::k]
    return out


@pytest.mark.parametrize("ctx", _spread(CONTEXTS, 6), ids=lambda c: c.id)
def test_predicate_accepts_own_samples(ctx):
    phi = ctx.sample(120, seed=11)
    assert ctx.accept(phi).mean() >= 0.99


def test_sizes_within_category_ranges():
    for ctx in _spread(CONTEXTS, 10):
        phi, base_len = ctx.sample(60, seed=5, return_base_len=True)
        o = unpack_phi(phi)
        base_m = o.base_scale * base_len[:, None]
        target_m = o.target_scale * base_len[:, None]
        for cat, sizes in ((ctx.base_cat, base_m), (ctx.target_cat, target_m)):
            lo = np.array([r[0] for r in cat.size]) - 1e-9
            hi = np.array([r[1] for r in cat.size]) + 1e-9
            assert np.all((sizes >= lo) & (sizes <= hi)), (ctx.id, cat.name)
        assert np.allclose(o.base_scale.max(-1), 1.0)


def test_on_contact_within_a_millimetre():
    for ctx in BY_FAMILY["on"][::4]:
        phi, base_len = ctx.sample(80, seed=2, return_base_len=True)
        o = unpack_phi(phi)
        bottom = o.translation[:, 1] - aabb_half(o.rotation, o.target_scale)[:, 1]
        y = support_region(ctx.base_cat, o.base_scale)[0]
        assert np.all(np.abs(bottom - y) * base_len <= 1e-3), ctx.id


def test_no_interpenetration_for_contact_free_families():
    for f, fam in FAMILIES.items():
        if not fam.contact_free:
            continue
        for ctx in BY_FAMILY[f][::5]:
            o = unpack_phi(ctx.sample(60, seed=9))
            half = o.base_scale / 2
            centre = np.zeros_like(half)
            if f == "on":  # the base's solid part ends at its support surface (seats, shelves)
                y = support_region(ctx.base_cat, o.base_scale)[0]
                half = half.copy()
                half[:, 1] = (y + o.base_scale[:, 1] / 2) / 2
                centre[:, 1] = (y - o.base_scale[:, 1] / 2) / 2
            if f == "under":  # only the top slab is solid above the target
                slab = ctx.base_cat.part("underside")[0] * o.base_scale[:, 1]
                half = half.copy()
                half[:, 1] = slab / 2
                centre[:, 1] = o.base_scale[:, 1] / 2 - slab / 2
            depth = box_overlap_depth(o.rotation, o.translation, o.target_scale, half, centre)
            assert np.all(depth <= 1e-6), (ctx.id, float(depth.max()))


def test_multimodality_pouring_and_next_to():
    pour = BY_FAMILY["pouring_into"][0]
    assert len(np.unique(pour.mode(pour.sample(400, seed=1)))) == 8  # any azimuth
    nxt = BY_FAMILY["next_to"][0]
    modes = nxt.mode(nxt.sample(400, seed=1))
    assert 0.3 < modes.mean() < 0.7  # left and right both common


def test_pouring_tilt_and_spout_over_opening():
    for ctx in BY_FAMILY["pouring_into"][::6]:
        o = unpack_phi(ctx.sample(100, seed=4))
        tilt = np.degrees(np.arccos(o.rotation[:, 1, 1]))
        assert tilt.min() >= 29.9 and tilt.max() <= 70.1
        spout = np.einsum("nij,nj->ni", o.rotation,
                          np.array(ctx.target_cat.part("spout")) * o.target_scale) + o.translation
        assert np.all(spout[:, 1] >= o.base_scale[:, 1] / 2)  # above the rim


def test_predicates_reject_obvious_failures():
    on = BY_FAMILY["on"][0]
    phi = on.sample(20, seed=1)
    floating = phi.copy()
    floating[:, 7] += 0.2
    assert not on.accept(floating).any()
    pour = BY_FAMILY["pouring_into"][0]
    upright = pour.sample(20, seed=1)
    upright[:, :6] = [1, 0, 0, 0, 1, 0]
    assert not pour.accept(upright).any()


@settings(max_examples=40, deadline=None)
@given(yaw=st.floats(0, 2 * np.pi), pitch=st.floats(-0.6, 0.6),
       dx=st.floats(-2, 2), dz=st.floats(-2, 2), sx=st.floats(0.05, 1), sz=st.floats(0.05, 1))
def test_box_overlap_matches_corner_test_for_separated_boxes(yaw, pitch, dx, dz, sx, sz):
    rot = (rot_y(np.array([yaw])) @ rot_x(np.array([pitch])))
    s_t = np.array([[sx, 0.3, sz]])
    t = np.array([[dx, 0.0, dz]])
    depth = box_overlap_depth(rot, t, s_t, np.array([0.5, 0.5, 0.5]))[0]
    c = corners(rot, t, s_t)[0]
    if np.any(np.all(np.abs(c) < 0.5 - 1e-9, -1)):  # a corner inside the base -> overlap
        assert depth > 0
    far = np.all(np.abs(c[:, [0]]) > 0.5 + 1e-9) and (np.all(c[:, 0] > 0) or np.all(c[:, 0] < 0))
    if far:  # separated along x -> no overlap
        assert depth <= 1e-9


def test_context_roundtrip_by_id():
    from oor_core.relations import context_from_id

    ctx = CONTEXTS[5]
    assert context_from_id(ctx.id) == ctx
    assert isinstance(ctx, Context)


def test_a_seat_near_the_end_of_a_long_table_faces_the_edge_in_front_of_it():
    """Chairs set along a long table face the edge before them, as people set tables; a chair
    that faces the centre is as much 'around' it, one turned sideways is not."""
    from oor_core.relations.frames import to_phi

    ctx = Context("around", "dining table", "chair")
    s_b = np.array([[1.0, 0.42, 0.5]])  # 2 m x 1 m table, normalised by its length
    s_t = np.array([[0.22, 0.45, 0.24]])
    t = np.array([[0.4, -0.21 + 0.225, -(0.25 + 0.12 + 0.03)]])  # long side, near the corner
    square = rot_y(np.array([0.0]))  # front (+z) towards the table, square to its edge
    towards_centre = rot_y(np.arctan2(-t[:, 0], -t[:, 2]))
    sideways = rot_y(np.array([np.pi / 2]))
    assert np.degrees(np.abs(np.arctan2(-t[0, 0], -t[0, 2]))) > 40  # far off the centre line
    clear_when_turned = t + np.array([[0, 0, -0.05]])  # a turned chair's box is wider
    for rot, where, held in ((square, t, True), (towards_centre, clear_when_turned, True),
                             (sideways, clear_when_turned, False)):
        assert bool(ctx.accept(to_phi(rot, where, s_t, s_b))[0]) is held
    beyond_the_corner = t + np.array([[0.7, 0, 0]])
    assert not ctx.accept(to_phi(square, beyond_the_corner, s_t, s_b))[0]
    # the library's own chairs around dining tables are now feasible contexts
    assert is_feasible(FAMILIES["around"], CATEGORIES["dining table"], CATEGORIES["chair"])
