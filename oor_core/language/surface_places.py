"""Places on a surface: "a saucer in the middle of the table", "a lamp on the left corner of the
desk", "a candle at the front right corner of the dresser".

The model knows such relations only as resting on the reference (it has no notion of middles
and corners: "in the middle of the desk" put the monitor on the floor in 2 of 3 seeds), so the
prompt it reads says "on", and the place is applied to its samples afterwards
(geometry/surface_place.place_on_top): the same height and turn, the footprint moved to the middle,
or to a corner a few centimetres in from both edges. Only these two words of place are read:
"on the left side of" is a relation beside the reference in the library's prompts, and "at the
end of the bed" is beside it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..geometry.surface_place import EDGE

SURFACE_PLACES = ("middle", "centre", "center", "corner")  # the words of place read here
# "in the middle of", "at the very centre of", "on the back left corner of", "in the corner of"
_PLACE = re.compile(
    r"\b(?:in|on|at)\s+(?:the\s+|a\s+|one\s+|each\s+)?(?:very\s+)?"
    r"(?P<sides>(?:(?:front|back|rear|far|near|left-hand|right-hand|left|right)\s+)*)"
    rf"(?P<noun>{'|'.join(SURFACE_PLACES)})s?\s+of\s+",
    re.IGNORECASE)
_X = {"left": -1, "left-hand": -1, "right": 1, "right-hand": 1}
_Z = {"front": 1, "near": 1, "back": -1, "rear": -1, "far": -1}


@dataclass(frozen=True)
class SurfacePlace:
    """Where on the reference's top: per base axis (x right, z front) -1 / +1 (that edge),
    0 (the middle) or EDGE (the edge the sample is nearer)."""

    x: int | str
    z: int | str
    words: str  # the place as written, for messages

    def describe(self) -> str:
        return self.words


def read_place(prompt: str) -> tuple[str, SurfacePlace | None]:
    """(the prompt as the model reads it, the place on the reference's top or None)."""
    match = _PLACE.search(prompt)
    if match is None:
        return prompt, None
    sides = match["sides"].lower().split()
    if match["noun"].lower() == "corner":
        x = next((_X[w] for w in sides if w in _X), EDGE)
        z = next((_Z[w] for w in sides if w in _Z), EDGE)
    else:
        x = z = 0
    resting = prompt[:match.start()] + "on " + prompt[match.end():]
    return resting, SurfacePlace(x, z, " ".join([*sides, match["noun"].lower()]))
