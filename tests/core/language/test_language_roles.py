"""Which object a prompt places, and the prompt in role words, as users type them."""

import numpy as np
import pytest

from oor_core.language.mentions import condition_parts, mark_roles, relation_words
from oor_core.language.object_names import category_for_object_name
from oor_core.language.roles import read_roles
from oor_core.relations.category_table import CATEGORIES
from oor_core.relations.prompts import render, with_article
from oor_core.relations.templates import TEMPLATES


@pytest.mark.parametrize("prompt, placed, other", [
    ("A mug on the table", "mug", "table"),
    ("The table has a mug on it", "mug", "table"),
    ("A table under the mug", "table", "mug"),
    ("A mouse to the left of the laptop", "mouse", "laptop"),
    ("A ball lying under the desk", "ball", "desk"),
    ("A book on the floor under the chair", "book", "chair"),
    ("A cardboard box beside the sofa", "cardboard box", "sofa"),
    ("A sofa in front of the bookshelf", "sofa", "bookshelf"),
    ("A knife to the right of the plate", "knife", "plate"),
    ("The plate has a knife to its right", "knife", "plate"),
    ("A teapot pouring tea into a teacup", "teapot", "teacup"),
    ("A tall vase to the right of the TV", "vase", "tv"),
    ("A lamp on the left corner of the desk", "lamp", "desk"),
])
def test_the_placed_object_is_read_from_the_prompt_whichever_way_it_was_selected(
        prompt, placed, other):
    assert not read_roles(prompt, placed, other).swap
    reading = read_roles(prompt, other, placed)
    assert reading.swap
    assert reading.explain(placed, other) == (f"the prompt places '{other}', not '{placed}': "
                                              "swapped base and target")


def test_a_prompt_naming_one_or_neither_object_leaves_the_selection():
    neither = read_roles("Put it over there", "cup", "table")
    assert not neither.swap and "names neither 'cup' nor 'table'" in neither.explain("cup",
                                                                                      "table")
    one = read_roles("Put the cup over there", "table", "cup")
    assert not one.swap and "does not name 'table'" in one.explain("table", "cup")


def test_library_templates_with_any_category_pair_read_the_right_way_round():
    """Every template of every relation, objects from the whole category table (not only the
    library's pairs), selected both ways. Templates that name the base first ('{B} to the right
    of {T}' for left_of) describe the same layout read the other way, and count as misses."""
    rng = np.random.default_rng(0)
    names = sorted(CATEGORIES)
    right = total = 0
    for templates in TEMPLATES.values():
        for template in templates:
            for _ in range(3):
                target, base = rng.choice(names, 2, replace=False)
                t_name = str(rng.choice(CATEGORIES[target].names))
                b_name = str(rng.choice(CATEGORIES[base].names))
                prompt = render(template, with_article(t_name, "a"), with_article(b_name, "the"))
                right += (not read_roles(prompt, t_name, b_name).swap) and \
                    read_roles(prompt, b_name, t_name).swap
                total += 1
    assert right / total >= 0.95


@pytest.mark.parametrize("prompt, target, base, marked", [
    ("A mouse to the left of the laptop.", "mouse", "laptop",
     "the object to the left of the reference."),
    ("The laptop has a mouse to its left.", "mouse", "laptop",
     "the reference has the object to its left."),
    ("A pair of pliers rests on the workbench.", "pliers", "workbench",
     "the object rests on the reference."),
    ("A tall vase to the right of the TV", "vase", "tv",
     "the object to the right of the reference"),
    ("Mugs on the shelf", "mug", "shelf", "the object on the reference"),
    ("A book stacked on a book.", "book", "book", "the object stacked on the reference."),
    ("A mug on the dining table", "coffee mug", "dining table", "the object on the reference"),
])
def test_mentions_become_role_words(prompt, target, base, marked):
    assert mark_roles(prompt, target, base) == marked


@pytest.mark.parametrize("prompt, target, base, words", [
    ("A mouse to the left of the laptop.", "mouse", "laptop", "to the left of"),
    ("The laptop has a mouse to its left.", "mouse", "laptop", "has to its left"),
    ("A ball lying under the desk", "ball", "desk", "lying under"),
    ("The mug is on the table", "mug", "table", "on"),
    ("The teapot is pouring tea into the teacup.", "teapot", "teacup", "pouring tea into"),
    ("Desk with a lamp on it", "lamp", "desk", "with on it"),
])
def test_the_relation_words_are_the_prompt_without_its_objects(prompt, target, base, words):
    assert relation_words(mark_roles(prompt, target, base)) == words


def test_a_prompt_that_is_only_its_objects_keeps_its_marked_text_as_relation_words():
    assert relation_words("the object, the reference") == "the object, the reference"


def test_phrase_models_read_a_fourth_text_and_the_others_three():
    marked = "the object under the reference"
    assert condition_parts(marked, "desk", "ball", "phrase") == (marked, "desk", "ball", "under")
    assert condition_parts(marked, "desk", "ball", "marked") == (marked, "desk", "ball")
    assert condition_parts("A ball under a desk", "desk", "ball", "raw") == \
        ("A ball under a desk", "desk", "ball")


def test_a_mention_the_names_miss_is_found_by_similarity():
    def similarity(phrases, name):  # a stand-in embedding: 'cup' is close to 'mug'
        return np.array([1.0 if p == "cup" and name == "mug" else 0.0 for p in phrases])

    assert mark_roles("A cup on the table", "mug", "table") == "A cup on the reference"
    assert mark_roles("A cup on the table", "mug", "table", similarity) == \
        "the object on the reference"


@pytest.mark.parametrize("object_name, category", [
    ("SM_Mug_01", "mug"), ("mug_low.002", "mug"), ("Cup (1)", "cup"),
    ("Coffee_Cup.001", "coffee cup"), ("Mesh_23", "object"), ("Cube.001", "object"),
    ("kitchen_knife_LOD0", "knife"), ("Chair_v2", "chair"), ("wine glasses", "wine glass"),
    ("SM_Desk_Lamp_A", "desk lamp"), ("Bookshelves", "bookshelf"), ("TeaPot", "tea pot"),
])
def test_object_names_as_users_leave_them(object_name, category):
    assert category_for_object_name(object_name) == category
