"""Which of two objects a prompt places: "A mug on the table" places the mug, "The table has a
mug on it" too, "A table under the mug" the table. Both readings of the prompt are written in
role words and compared, word by word, with the relation library's templates in role words; the
reading closer to how relations are phrased wins, and where both read alike the object named
first. Nothing is guessed when the prompt does not name both objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

from ..relations.templates import TEMPLATES
from .imperatives import as_statement
from .mentions import BASE_WORD, TARGET_WORD, find_mentions, replace_mentions, words_of


@dataclass(frozen=True)
class RoleReading:
    swap: bool  # the prompt places what the selection calls the base
    named: tuple[bool, bool]  # (selected target, selected base) found in the prompt
    scores: tuple[float, float]  # template likeness as selected, and swapped

    def explain(self, target: str, base: str) -> str:
        if self.swap:
            return (f"the prompt places '{base}', not '{target}': swapped base and target")
        if not any(self.named):
            return f"the prompt names neither '{target}' nor '{base}': the selection decides"
        if not all(self.named):
            missing = target if not self.named[0] else base
            return f"the prompt does not name '{missing}': the selection decides"
        return ""


@cache
def _template_words() -> tuple[tuple[str, ...], ...]:
    texts = {template.lstrip("!").format(T=f"the {TARGET_WORD}", B=f"the {BASE_WORD}")
             for templates in TEMPLATES.values() for template in templates}
    return tuple(tuple(w for w, _, _ in words_of(text)) for text in sorted(texts))


@lru_cache(maxsize=1024)  # ~5 ms a reading; Apply Relation reads the same prompt again and again
def _likeness(marked: str) -> float:
    words = [w for w, _, _ in words_of(marked)]
    best = 0.0
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(words)  # difflib caches the second sequence: the prompt
    for template in _template_words():
        matcher.set_seq1(template)
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())  # upper bounds first: most templates stop there
    return best


def read_roles(prompt: str, target_name: str, base_name: str) -> RoleReading:
    spans = find_mentions(prompt, target_name, base_name)
    named = (spans["target"] is not None, spans["base"] is not None)
    if not all(named) or target_name.lower() == base_name.lower():
        return RoleReading(False, named, (0.0, 0.0))
    selected_text = replace_mentions(prompt, spans)
    swapped_text = replace_mentions(prompt, {"target": spans["base"], "base": spans["target"]})
    # An instruction places its verb's object: "Put the backpack below the coat" places the
    # backpack, however the rest reads ("the reference below the object" is also a template);
    # not "Set the table with a mug on it", where the rest says what goes on the table.
    if _instruction_places(selected_text):
        return RoleReading(False, named, (1.0, 0.0))
    if _instruction_places(swapped_text):
        return RoleReading(True, named, (0.0, 1.0))
    as_selected = _likeness(selected_text)
    swapped = _likeness(swapped_text)
    if abs(swapped - as_selected) > 1e-9:
        return RoleReading(swapped > as_selected, named, (as_selected, swapped))
    # Read both ways alike ("A mouse to the left of the laptop" is also how right_of puts the
    # laptop): the object named first, the sentence's subject, is the one placed.
    return RoleReading(spans["base"][0] < spans["target"][0], named, (as_selected, swapped))


def _instruction_places(marked: str) -> bool:
    """`marked` opens with an instruction whose object is 'the object', followed by where to put
    it (not by "with ...")."""
    mention = f"the {TARGET_WORD}"
    statement = as_statement(marked, mention)
    return statement != marked and not statement[len(mention):].lstrip().lower().startswith("with")
