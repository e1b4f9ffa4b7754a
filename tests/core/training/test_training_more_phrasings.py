"""More phrasings for training: new train prompts that leave every held-out paraphrase unseen."""

from __future__ import annotations

import re

import pytest

from oor_core.relations.more_phrasings import (
    _words,
    check_phrasings,
    held_out_only_words,
    more_templates,
)
from oor_core.relations.templates import TEMPLATES
from oor_core.training.more_phrasings import with_more_phrasings


@pytest.fixture(scope="module")
def augmented(small_library):
    return with_more_phrasings(small_library, 6)


def test_no_phrasing_uses_a_word_only_the_held_out_paraphrases_use():
    assert check_phrasings() == []
    assert {"positioned", "located", "ahead", "fronted", "perched"} <= held_out_only_words()
    for family in TEMPLATES:
        held = {t.lstrip("!") for t in TEMPLATES[family] if t.startswith("!")}
        for template in more_templates(family):
            assert template not in held and not _words(template) & held_out_only_words()


def test_the_checker_catches_a_held_out_word(monkeypatch):
    from oor_core.relations import more_phrasings

    monkeypatch.setitem(more_phrasings.WRITTEN, "in_front_of", ("{T} is located ahead of {B}.",))
    problems = more_phrasings.check_phrasings()
    assert any("['ahead', 'located']" in p for p in problems)


def test_every_family_gets_phrasings_that_name_both_objects():
    for family in TEMPLATES:
        templates = more_templates(family)
        assert len(templates) >= 8, family
        assert all("{T}" in t and "{B}" in t for t in templates)
        assert not {t.lstrip("!") for t in TEMPLATES[family]} & set(templates)


def test_more_phrasings_are_train_prompts_of_train_contexts_only(small_library, augmented):
    merged, added = augmented
    assert added > 0 and len(merged.prompts) == len(small_library.prompts) + added
    assert merged.phi is small_library.phi and merged.content_hash == small_library.content_hash
    new = merged.prompts[len(small_library.prompts):]
    assert all(p.split == "train" for p in new)
    assert all(merged.contexts[p.context_index].split == "train" for p in new)
    old_texts = {p.text for p in small_library.prompts}
    assert not {p.text for p in new} & old_texts
    per_context = {}
    for p in new:
        per_context[p.context_index] = per_context.get(p.context_index, 0) + 1
        # each names its own context's objects, as the library's prompts do
        assert re.search(re.escape(p.target_name), p.text, re.IGNORECASE)
        assert re.search(re.escape(p.base_name), p.text, re.IGNORECASE)
    assert max(per_context.values()) <= 6


def test_more_phrasings_are_deterministic(small_library, augmented):
    again, added = with_more_phrasings(small_library, 6)
    assert added == augmented[1]
    assert [p.text for p in again.prompts] == [p.text for p in augmented[0].prompts]
    assert with_more_phrasings(small_library, 0) == (small_library, 0)
