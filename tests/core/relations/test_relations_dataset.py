"""Prompts, splits, dataset build -> load round trip, hash stability, captured samples, CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pytest

from oor_core.dataset import append_captured, load_dataset, save_dataset
from oor_core.relations import CATEGORIES, build_library, library_contexts
from oor_core.relations.build import DEFAULT_SEED
from oor_core.relations.prompts import context_prompts
from oor_core.relations.splits import assign_splits


@pytest.fixture(scope="module")
def library():
    return build_library(DEFAULT_SEED, samples_per_context=4)


def test_prompt_counts_and_distinctness(library):
    texts = [p.text for p in library.prompts]
    assert len(texts) >= 30000
    assert len(set(texts)) == len(texts)
    assert len(library.prompts) / len(library.contexts) >= 45


def test_prompt_rules(library):
    for p in library.prompts[::7]:
        assert re.match(r"^(A|An|The) ", p.text), p.text
        assert p.base_name.lower() in p.text.lower() and p.target_name.lower() in p.text.lower()
        ctx = library.contexts[p.context_index]
        assert p.base_name in CATEGORIES[ctx.base].names
        assert p.target_name in CATEGORIES[ctx.target].names


def test_prompt_forms_include_passive_and_noun_phrase(library):
    texts = [p.text for p in library.prompts]
    assert any(" is " in t and " by " in t for t in texts)  # passive voice
    assert any(not re.search(r"\b(is|are|sits|rests|pours|cuts|hits)\b", t) for t in texts)


def test_prompts_are_deterministic():
    ctx = library_contexts()[17]
    assert context_prompts(ctx, "train") == context_prompts(ctx, "train")


def test_no_heldout_prompt_in_train(library):
    train = {p.text for p in library.prompts if p.split == "train"}
    held = [p.text for p in library.prompts if p.split != "train"]
    assert held and not (train & set(held))
    splits = {p.split for p in library.prompts}
    assert splits == {"train", "heldout_paraphrase", "heldout_category", "heldout_combo"}


def test_prompt_split_matches_context_split(library):
    for p in library.prompts:
        c = library.contexts[p.context_index]
        if c.split == "train":
            assert p.split in ("train", "heldout_paraphrase")
        else:
            assert p.split == c.split


def test_split_definitions_hold():
    contexts = library_contexts()
    splits = assign_splits(contexts)
    kind = {n: c.kind for n, c in CATEGORIES.items()}
    train = [c for c in contexts if splits[c.id] == "train"]
    seen_cats = {c.base for c in train} | {c.target for c in train}
    train_fams = {c.family for c in train}
    train_kind_triples = {(c.family, kind[c.base], kind[c.target]) for c in train}
    n_combo = n_cat = 0
    for c in contexts:
        triple = (c.family, kind[c.base], kind[c.target])
        if splits[c.id] == "heldout_combo":
            n_combo += 1
            assert c.family in train_fams and c.base in seen_cats and c.target in seen_cats
            assert triple not in train_kind_triples
        elif splits[c.id] == "heldout_category":
            n_cat += 1
            assert triple in train_kind_triples  # seen with similar categories
            assert not any(t.id == c.id for t in train)
    assert n_combo >= 30 and n_cat >= 30


def test_build_load_roundtrip_and_hash_stability(tmp_path, library):
    out = save_dataset(library, tmp_path / "data")
    assert out.name == "oor-v1"
    loaded = load_dataset(tmp_path / "data")
    assert loaded.content_hash == library.content_hash
    assert np.array_equal(loaded.phi, library.phi) and loaded.phi.dtype == np.float32
    assert loaded.context_index.dtype == np.int64
    assert loaded.contexts == library.contexts and loaded.prompts == library.prompts
    again = build_library(DEFAULT_SEED, samples_per_context=4)
    assert again.content_hash == library.content_hash
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["contexts"] == len(library.contexts)
    ci = 3
    assert all(p.context_index == ci for p in loaded.prompts_for(ci, "train"))


def test_hash_detects_tampering(tmp_path, library):
    out = save_dataset(library, tmp_path / "d")
    z = dict(np.load(out / "samples.npz"))
    z["phi"][0, 6] += 1
    np.savez(out / "samples.npz", **z)
    with pytest.raises(ValueError, match="hash"):
        load_dataset(out)


def test_append_captured(tmp_path, library):
    save_dataset(library, tmp_path / "d")
    before = load_dataset(tmp_path / "d")
    phi = before.phi[0].tolist()
    recs = [{"prompt": "A mug on my desk.", "base": "desk", "target": "mug", "phi": phi},
            {"prompt": "A mug on the desk.", "base": "desk", "target": "mug", "phi": phi,
             "family": "on"}]
    ds = append_captured(tmp_path / "d", recs)
    reloaded = load_dataset(tmp_path / "d")
    assert reloaded.content_hash == ds.content_hash != before.content_hash
    assert len(reloaded.phi) == len(before.phi) + 2
    assert list(reloaded.source[-2:]) == ["capture", "capture"]
    assert len(reloaded.contexts) == len(before.contexts) + 2
    new = reloaded.contexts[-1]
    assert new.split == "train" and new.family == "on"
    with pytest.raises(ValueError):
        append_captured(tmp_path / "d", [{"prompt": "x", "base": "a", "target": "b", "phi": [0]}])


def test_stats_cli_has_required_fields():
    out = subprocess.run([sys.executable, "-m", "oor_core.relations", "stats"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    stats = json.loads(out)
    for key in ("families", "categories", "contexts", "prompts", "contexts_per_split",
                "prompts_per_split"):
        assert key in stats
    assert stats["families"] >= 30 and stats["categories"] >= 250 and stats["prompts"] >= 30000


def test_prompt_per_context_split_balance(library):
    per = defaultdict(set)
    for p in library.prompts:
        per[p.context_index].add(p.split)
    train_ctx = [i for i, c in enumerate(library.contexts) if c.split == "train"]
    with_para = sum("heldout_paraphrase" in per[i] for i in train_ctx)
    assert with_para >= 0.9 * len(train_ctx)
