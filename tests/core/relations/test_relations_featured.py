"""The scenes users try first are always learned: featured contexts exist and are in train."""

from oor_core.relations import assign_splits, library_contexts
from oor_core.relations.context_rules import FEATURED


def test_featured_contexts_are_in_the_library_and_in_train():
    contexts = library_contexts()
    splits = assign_splits(contexts)
    for family, base, target in FEATURED:
        assert splits["|".join((family, base, target))] == "train"


def test_object_names_artists_use_are_known_categories():
    from oor_core.relations import CATEGORIES

    names = {n for c in CATEGORIES.values() for n in (c.name, *c.synonyms)}
    for name in ("table", "teacup", "cup", "teapot", "desk", "monitor", "keyboard", "lamp"):
        assert name in names, name
