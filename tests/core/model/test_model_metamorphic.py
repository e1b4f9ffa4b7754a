"""Mirror the prompt, and the shipped model's result must mirror: left <-> right, in front of
<-> behind, on <-> under, for pairs drawn from the whole category table (most of which the
relation library never paired)."""

import pytest

from oor_core.evaluation.metamorphic import mirror_pass_rates


@pytest.fixture(scope="module")
def rates(shipped_model):
    return mirror_pass_rates(shipped_model, pairs_per_relation=40, seed=1)


@pytest.mark.parametrize("relation, floor", [
    ("left_right", 0.95), ("front_behind", 0.95),
    ("on_under", 0.75),  # measured 77-83 % (docs/MODEL.md): short of the 95 % aimed at
])
def test_mirrored_prompts_put_the_target_on_the_mirrored_side(rates, relation, floor):
    record = rates[relation]
    assert record["pass_rate"] >= floor, record["failures"]
