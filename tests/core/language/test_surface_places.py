"""Places on a reference's top read from a prompt: the middle and the corners, nothing else."""

import pytest

from oor_core.geometry.surface_place import EDGE
from oor_core.language.surface_places import read_place


@pytest.mark.parametrize("prompt, resting, x, z", [
    ("A saucer in the middle of the table", "A saucer on the table", 0, 0),
    ("A mug at the very centre of the desk", "A mug on the desk", 0, 0),
    ("A lamp on the left corner of the desk", "A lamp on the desk", -1, EDGE),
    ("A candle at the front right corner of the dresser", "A candle on the dresser", 1, 1),
    ("A vase on the back left-hand corner of the shelf", "A vase on the shelf", -1, -1),
    ("A plant in the corner of the cabinet", "A plant on the cabinet", EDGE, EDGE),
])
def test_places_on_the_top(prompt, resting, x, z):
    read, place = read_place(prompt)
    assert read == resting and (place.x, place.z) == (x, z)


@pytest.mark.parametrize("prompt", [
    "A cup on the left side of the plate",  # the library's left_of: beside it
    "A chair at the end of the table",  # beside it
    "A mug on top of the desk",
    "A lamp to the left of the desk",
    "A mug on the desk",
])
def test_other_relations_are_left_alone(prompt):
    assert read_place(prompt) == (prompt, None)
