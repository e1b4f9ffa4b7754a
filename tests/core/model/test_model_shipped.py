"""The shipped weights (oor_core/weights/oor_model.safetensors): load fast, sample well.

Never skipped: a checkout without the weights is broken and must fail here.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from oor_core.model.inference import DEFAULT_WEIGHTS
from oor_core.model.text_encoder import shared_encoder


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


def test_metadata_and_size(model):
    meta = model.metadata
    assert DEFAULT_WEIGHTS.stat().st_size <= 20 * 2**20
    assert meta["encoder"] == shared_encoder().identity
    assert meta["dataset"]["content_hash"] and meta["known_scale_mode"] == "learned"
    assert DEFAULT_WEIGHTS.with_suffix(".json").exists()


def test_mug_on_table_touches_the_top(model):
    """Known real sizes: a 9 x 10 x 9 cm mug on a 1.6 x 0.75 x 0.9 m table."""
    from oor_core.relations.contexts import context_from_id

    base = np.array([1.6, 0.75, 0.9])
    s_b = base / base.max()
    s_t = np.array([0.09, 0.10, 0.09]) / base.max()
    known = np.concatenate([s_t, s_b])
    t0 = time.perf_counter()
    cands = model.sample("A mug sits on the dining table", "dining table", "mug",
                         known_scales=known, num_candidates=16, seed=0)
    assert time.perf_counter() - t0 < 5.0
    np.testing.assert_array_equal(cands.phi[:, 9:15], np.broadcast_to(known, (16, 6)))
    ok = context_from_id("on|dining table|mug").accept(cands.phi)
    assert ok[0] and ok.mean() >= 0.5
    bottom = cands.phi[0, 7] - s_t[1] / 2  # upright mug: bottom height in base units
    assert abs(bottom - s_b[1] / 2) < 0.012


def test_small_quality_check(model):
    """Top-ranked candidates pass the relation library's predicates on a few train contexts."""
    from oor_core.evaluation import default_dataset, evaluate
    from oor_core.model.inference import load_eval_sampler

    ds = default_dataset()
    sampler = load_eval_sampler(model=model, rank_from=8)
    result = evaluate(sampler, "train", per_context=2, dataset=ds, max_contexts=40, seed=1)
    assert result["success_rate"] >= 0.75


def test_make_train_is_the_recipe_of_the_shipped_weights(model):
    """`make train` must reproduce the shipped model: same steps, width, batch, seed, precision."""
    import re
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    recipe = re.search(r"^train:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1).replace("\\\n", " ")

    def flag(name, kind=int):
        return kind(re.search(rf"--{name} (\S+)", recipe).group(1))

    training = model.metadata["training"]
    assert training["steps"] == flag("steps")
    assert training["batch_size"] == flag("batch-size")
    assert training["lr"] == flag("lr", float)
    assert training["sigma_focus"] == flag("sigma-focus", float)
    assert training["text_noise"] == flag("text-noise", float)
    assert training["name_dropout"] == flag("name-dropout", float)
    assert model.metadata["dataset"]["size_jitter"]["log_std"] == flag("size-jitter", float)
    assert model.metadata["dataset"]["size_jitter"]["per_context"] == 100  # the default
    assert training["seed"] == flag("seed")
    assert training["prompt_roles"] == flag("prompt-roles", str)
    assert model.metadata["prompt_roles"] == "marked"
    assert model.metadata["dataset"]["extra_contexts"]["siblings"] == ("--sibling-contexts"
                                                                       in recipe)
    ratio = float(re.search(r"--extra-contexts (\S+)", recipe).group(1)) \
        if "--extra-contexts" in recipe else 0.0
    assert model.metadata["dataset"]["extra_contexts"]["ratio"] == ratio
    assert model.metadata["dataset"]["extra_contexts"].get("seats_on_tops", False) == (
        "--seats-on-tops" in recipe)
    more = flag("more-phrasings") if "--more-phrasings" in recipe else 0
    assert model.metadata["dataset"].get("more_phrasings", {}).get("per_context", 0) == more
    assert model.metadata["network"]["hidden"] == flag("hidden")
    assert training.get("bf16", False) == ("--bf16" in recipe)
    assert model.metadata["metrics"]["threads"] == flag("threads")


def test_the_shipped_weights_were_trained_on_the_library_make_data_builds(model):
    """A change to the relation library (a predicate, a rule) changes the data `make train`
    reads: the shipped weights must then be retrained, or `make train` no longer gives them."""
    from oor_core.relations.build import DEFAULT_SEED, build_library

    assert model.metadata["dataset"]["content_hash"] == build_library(DEFAULT_SEED).content_hash
