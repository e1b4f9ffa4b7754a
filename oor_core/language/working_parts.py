"""Which working side a prompt asks of the placed object: pouring needs a spout, cutting an edge.

An object the category library does not know ('French press', 'santoku') still gets its spout or
edge found when the relation itself says it pours or cuts.
"""

from __future__ import annotations

from .mentions import words_of

_PART_OF_VERB = {
    "spout": ("pour", "pours", "pouring", "poured", "decant", "decanting", "fill", "filling"),
    "edge": ("cut", "cuts", "cutting", "slice", "slices", "slicing", "chop", "chops",
             "chopping", "carve", "carves", "carving", "dice", "dicing"),
}


def part_the_prompt_needs(prompt: str) -> str:
    """'spout', 'edge' or ''."""
    words = {word for word, _start, _end in words_of(prompt)}
    for part, verbs in _PART_OF_VERB.items():
        if words.intersection(verbs):
            return part
    return ""
