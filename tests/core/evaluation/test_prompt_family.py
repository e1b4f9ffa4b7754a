"""The relation a free prompt asks for, read against the library's prompts."""

import pytest

from oor_core.evaluation.prompt_family import PromptFamilies
from oor_core.model.text_encoder import TextEncoder


@pytest.fixture(scope="module")
def families():
    return PromptFamilies(TextEncoder())


@pytest.mark.parametrize("prompt, target, base, family", [
    ("The laptop is on the desk", "laptop", "desk", "on"),
    ("The suitcase is under the bed", "suitcase", "bed", "under"),
    ("A saucer in the middle of the table", "saucer", "table", "on"),
    ("The teapot pouring tea into the cup", "teapot", "teacup", "pouring_into"),
    ("A mouse to the right of the keyboard", "mouse", "keyboard", "right_of"),
    ("The keyboard in front of the monitor", "keyboard", "monitor", "in_front_of"),
])
def test_free_prompts_find_their_relation(families, prompt, target, base, family):
    assert families.family(prompt, target, base)[0] == family
