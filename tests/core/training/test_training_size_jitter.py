"""Resized training samples: valid for their relation, wider in size, only for train contexts."""

from __future__ import annotations

import numpy as np
import pytest

from oor_core.relations.contexts import context_from_id
from oor_core.training.size_jitter import with_size_jitter


@pytest.fixture(scope="module")
def library(small_library):
    return small_library


@pytest.fixture(scope="module")
def jittered(library):
    return with_size_jitter(library, 0.3, per_context=24, seed=0)


def test_resized_rows_belong_to_train_contexts_and_pass_their_relation(library, jittered):
    merged, added = jittered
    n = len(library.phi)
    assert added > 0.9 * 24 * sum(c.split == "train" for c in library.contexts)
    np.testing.assert_array_equal(merged.phi[:n], library.phi)
    new_ctx = merged.context_index[n:]
    assert {library.contexts[i].split for i in np.unique(new_ctx)} == {"train"}
    assert merged.prompts == library.prompts and merged.contexts == library.contexts
    for ci in np.unique(new_ctx)[::5]:
        ctx = context_from_id(library.contexts[ci].id)
        # judged exactly as the evaluation judges a sample of this context
        assert ctx.accept(merged.phi[n:][new_ctx == ci]).all(), ctx.id


def test_resized_rows_reach_sizes_the_categories_never_have(library, jittered):
    merged, _ = jittered
    n = len(library.phi)
    # base aspect (height / longest edge) per context: the resized rows spread much wider
    orig, new = library.phi[:, 13], merged.phi[n:, 13]
    orig_ci, new_ci = library.context_index, merged.context_index[n:]
    wider = [np.ptp(new[new_ci == ci]) > 1.5 * np.ptp(orig[orig_ci == ci])
             for ci in np.unique(new_ci)[:200] if np.ptp(orig[orig_ci == ci]) > 1e-3]
    assert np.mean(wider) > 0.7


def test_size_jitter_is_deterministic_and_off_at_zero(library):
    a, _ = with_size_jitter(library, 0.3, per_context=4, seed=1)
    b, _ = with_size_jitter(library, 0.3, per_context=4, seed=1)
    c, _ = with_size_jitter(library, 0.3, per_context=4, seed=2)
    np.testing.assert_array_equal(a.phi, b.phi)
    assert not np.array_equal(a.phi, c.phi)
    assert with_size_jitter(library, 0.0, per_context=4) == (library, 0)
