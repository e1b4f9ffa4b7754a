"""Instructions ("Put the mug on the table") read as the statements the model learnt from."""

from __future__ import annotations

import numpy as np
import pytest

from oor_core.language.imperatives import as_statement
from oor_core.language.mentions import mark_roles


@pytest.mark.parametrize("prompt, target, base, read", [
    ("Put the mug on the table", "mug", "table", "the object on the reference"),
    ("Please place a mug on the table.", "mug", "table", "the object on the reference."),
    ("Now, set the lamp behind the sofa", "lamp", "sofa", "the object behind the reference"),
    ("Hang the coat on the hook", "coat", "hook", "the object hanging on the reference"),
    ("lean the ladder against the wall", "ladder", "wall", "the object leaning against the "
                                                           "reference"),
    # statements and prompts that open with something else are left as they are
    ("The mug on the table.", "mug", "table", "the object on the reference."),
    ("Set the table with a mug on it", "mug", "table", "Set the reference with the object on it"),
    ("Put it on the table", "mug", "table", "Put it on the reference"),
])
def test_an_instruction_is_read_as_the_statement_it_makes(prompt, target, base, read):
    assert mark_roles(prompt, target, base) == read


def test_only_an_opening_verb_whose_object_is_the_mention_is_dropped():
    assert as_statement("the object is put on the reference", "the object") == \
        "the object is put on the reference"
    assert as_statement("Put the reference under the object", "the object") == \
        "Put the reference under the object"
    assert as_statement("PLACE THE OBJECT ON THE REFERENCE", "the object") == \
        "THE OBJECT ON THE REFERENCE"


def test_the_shipped_model_places_an_instruction_as_its_statement(shipped_model):
    """Known sizes of a mug and a dining table: the instruction lands where the statement
    does (the library's 'on' predicate), best of 16 each."""
    from oor_core.relations.contexts import context_from_id

    base = np.array([1.6, 0.75, 0.9])
    known = np.concatenate([np.array([0.09, 0.10, 0.09]) / base.max(), base / base.max()])
    on = context_from_id("on|dining table|mug")
    for prompt in ("Place the mug on the dining table", "Please put a mug on the dining table",
                   "The mug on the dining table"):
        found = shipped_model.sample(prompt, "dining table", "mug", known_scales=known,
                                     num_candidates=16, seed=0)
        assert on.accept(found.phi[:1])[0], prompt


@pytest.mark.parametrize("prompt, placed, other", [
    ("Put the backpack below the coat", "backpack", "coat"),  # also reads as "{B} below {T}"
    ("Place the table under the mug", "table", "mug"),
    ("Please hang the coat on the wall hook", "coat", "wall hook"),
])
def test_an_instruction_places_the_object_of_its_verb(prompt, placed, other):
    """... and an instruction whose rest says what goes on its object reads as before."""
    from oor_core.language.roles import read_roles

    assert read_roles(prompt, placed, other).swap is False
    swapped = read_roles(prompt, other, placed)
    assert swapped.swap is True and f"places '{placed}'" in swapped.explain(other, placed)
    from oor_core.language.roles import read_roles as read

    assert read("Set the table with a mug on it", "mug", "table").swap is False
    assert read("Set the table with a mug on it", "table", "mug").swap is True
