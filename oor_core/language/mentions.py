"""Where a prompt names its two objects, and the prompt with those mentions replaced by role words.

Conditioning on "the object to the left of the reference" instead of "A mouse to the left of the
laptop" separates the relation (the words the model must obey) from the objects (given to it
apart, as category names and sizes), so a relation learnt on some pairs carries over to pairs it
never saw. Training prompts name their objects exactly; a user's prompt may say "mug" for an
object whose category is "coffee cup", or "the monitor" for "screen": then the head noun, then
any word of the name, then (given an embedding function) the closest noun phrase is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np

from ..relations.category_table import CATEGORIES
from .object_names import UNKNOWN as UNKNOWN_NAME
from .object_names import aliases, singular_forms

TARGET_WORD = "object"
BASE_WORD = "reference"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "my", "your", "our", "its",
                "his", "her", "their", "some", "one", "another"}
_COUNTERS = {"pair", "set", "bunch", "piece", "stack", "pile", "sheet", "slice", "cup", "bottle"}
# Words a mention never is: relation words, pronouns, verbs of the templates.
_NOT_NOUNS = _DETERMINERS | {
    "of", "on", "in", "into", "onto", "under", "below", "beneath", "above", "over", "atop",
    "behind", "front", "left", "right", "next", "to", "beside", "near", "by", "with", "at",
    "from", "and", "or", "is", "are", "it", "its", "it's", "side", "top", "bottom", "inside",
    "outside", "against", "across", "facing", "toward", "towards", "around", "between", "up",
    "down", "sits", "rests", "stands", "placed", "put", "set", "lies", "lying", "leaning",
    "hanging", "pouring", "cutting", "has", "have", "be", "been", "being", "for", "as", "back",
    "middle", "center", "centre", "corner", "edge", "floor", "there", "here", "which", "who"}
Similarity = Callable[[list[str], str], np.ndarray]  # (phrases, name) -> cosine per phrase
MIN_SIMILARITY = 0.45


def words_of(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _same(word: str, name_word: str) -> bool:
    """The same word, or one the plural of the other ('mugs' / 'mug', 'knives' / 'knife')."""
    return word == name_word or name_word in singular_forms(word) or \
        word in singular_forms(name_word)


def _free(span, taken) -> bool:
    return all(span[1] <= a or span[0] >= b for a, b in taken)


def _whole(words, name_words, taken) -> tuple[int, int] | None:
    n = len(name_words)
    for i in range(len(words) - n + 1):
        if all(_same(words[i + k][0], name_words[k]) for k in range(n)) and \
                _free((i, i + n), taken):
            return i, i + n
    return None


def _name_word(words, name_words, taken) -> tuple[int, int] | None:
    """The name's head noun (last word), else any longer word of it."""
    for candidates in ([name_words[-1]], [w for w in name_words[:-1] if len(w) > 3]):
        for i, (word, _, _) in enumerate(words):
            if word not in _NOT_NOUNS and any(_same(word, c) for c in candidates) and \
                    _free((i, i + 1), taken):
                return i, i + 1
    return None


def _closest(words, name, taken, similarity: Similarity) -> tuple[int, int] | None:
    spans = [(i, i + k) for k in (1, 2) for i in range(len(words) - k + 1)
             if _free((i, i + k), taken)
             and all(w not in _NOT_NOUNS for w, _, _ in words[i:i + k])]
    if not spans:
        return None
    phrases = [" ".join(w for w, _, _ in words[a:b]) for a, b in spans]
    scores = np.asarray(similarity(phrases, name), dtype=np.float64)
    best = int(np.argmax(scores))
    return spans[best] if scores[best] >= MIN_SIMILARITY else None


def _by_position(words, taken, last: bool) -> tuple[int, int] | None:
    """An object whose name tells nothing ('Mesh_23'): the prompt's first noun for the object
    placed, its last for the reference, as relations are phrased ('A mug on the table')."""
    nouns = [i for i, (w, _, _) in enumerate(words)
             if w not in _NOT_NOUNS and len(w) > 2 and _free((i, i + 1), taken)]
    if len(nouns) < (1 if taken else 2):
        return None
    i = nouns[-1] if last else nouns[0]
    return i, i + 1


def _with_determiner(words, span, taken) -> tuple[int, int]:
    """Widen a mention over 'a pair of', 'the', and up to two words between its article and it
    ('a tall vase': sizes reach the model apart)."""
    start = span[0]
    if start >= 2 and words[start - 1][0] == "of" and words[start - 2][0] in _COUNTERS:
        start -= 2
    for gap in (0, 1, 2):
        article = start - gap - 1
        if article < 0 or not _free((article, start), taken):
            break
        if words[article][0] in _DETERMINERS:
            return article, span[1]
        if words[article][0] in _NOT_NOUNS:
            break
    return start, span[1]


@cache
def _head_nouns() -> frozenset[str]:
    """The last word of every category name and synonym ('shaker', 'mug', 'table')."""
    return frozenset(words_of(name)[-1][0] for category in CATEGORIES.values()
                     for name in category.names if words_of(name)) - _NOT_NOUNS


def _with_head_noun(words, span, taken) -> tuple[int, int]:
    """Widen a mention over up to two object words right after it: an object called 'salt' is
    mentioned as 'the salt shaker', not as 'the salt' followed by a stray 'shaker'."""
    end = span[1]
    while end < len(words) and end - span[1] < 2 and words[end][0] in _head_nouns() \
            and _free((end, end + 1), taken) and words[end - 1][2] == words[end][1] - 1:
        end += 1
    return span[0], end


def find_mentions(prompt: str, target_name: str, base_name: str,
                  similarity: Similarity | None = None) -> dict[str, tuple[int, int] | None]:
    """Character spans of the target's and the base's mentions (None where not found): the name
    or a synonym of its category, its head noun, another word of it, else (with `similarity`)
    the closest phrase. With the same name for both, the first mention is the target's."""
    words = words_of(prompt)
    roles = (("target", target_name), ("base", base_name))
    # Whole names and synonyms of both objects before any single word: in "A coat rack with a
    # coat on it" the coat is the second 'coat', the first belongs to the whole 'coat rack'.
    whole: dict[str, tuple[int, int] | None] = {}
    for role, name in sorted(roles, key=lambda rn: -len(words_of(rn[1]))):  # longer name first
        whole[role] = _whole_alias(words, name, [s for s in whole.values() if s])
    taken: list[tuple[int, int]] = []
    found: dict[str, tuple[int, int] | None] = {}
    for role, name in roles:
        name_words = [w for w, _, _ in words_of(name)]
        blocked = taken + [s for r, s in whole.items() if r != role and s]
        span = whole[role]
        if span is None and name_words:
            span = _name_word(words, name_words, blocked)
        if span is None and similarity is not None and name_words:
            span = _closest(words, name, blocked, similarity)
        if span is None and name == UNKNOWN_NAME:
            span = _by_position(words, blocked, last=role == "base")
        if span is None:
            found[role] = None
            continue
        start, end = _with_determiner(words, _with_head_noun(words, span, blocked), blocked)
        taken.append((start, end))
        found[role] = (words[start][1], words[end - 1][2])
    return found


def _whole_alias(words, name: str, taken) -> tuple[int, int] | None:
    """The first free mention of the whole name or a synonym of its category."""
    for alias in aliases(name):
        alias_words = [w for w, _, _ in words_of(alias)]
        span = _whole(words, alias_words, taken) if alias_words else None
        if span is not None:
            return span
    return None


def replace_mentions(prompt: str, spans: dict[str, tuple[int, int] | None],
                     words: dict[str, str] | None = None) -> str:
    """Each role's span replaced by 'the ' and its word: the role words ('the object', 'the
    reference') unless `words` gives others (other objects' names)."""
    words = words or {"target": TARGET_WORD, "base": BASE_WORD}
    text = prompt
    for role, span in sorted(((r, s) for r, s in spans.items() if s), key=lambda rs: -rs[1][0]):
        text = text[:span[0]] + f"the {words[role]}" + text[span[1]:]
    return text


def mark_roles(prompt: str, target_name: str, base_name: str,
               similarity: Similarity | None = None) -> str:
    """The prompt with each object's mention (and its article) replaced by 'the object' (the
    target) or 'the reference' (the base), an instruction read as a statement ("Put the mug on
    the table" -> "the object on the reference", language/imperatives.py)."""
    from .imperatives import as_statement

    marked = replace_mentions(prompt, find_mentions(prompt, target_name, base_name, similarity))
    return as_statement(marked, f"the {TARGET_WORD}")


_ROLE_MENTION = re.compile(rf"\bthe (?:{TARGET_WORD}|{BASE_WORD})\b", re.IGNORECASE)
_COPULAS = {"is", "are", "was", "were", "be", "being", "been"}


def relation_words(marked: str) -> str:
    """The relation alone: a prompt in role words without its role mentions, copulas and
    punctuation ("the object is under the reference." -> "under"). Whole sentences in role
    words differ little to a sentence encoder ("... on the reference" and "... under the
    reference" are 0.96 cosine-similar in MiniLM; "on" and "under" alone 0.43), so the network
    also reads these few words on their own. The marked prompt when nothing else is left."""
    kept = [w for w, _, _ in words_of(_ROLE_MENTION.sub(" ", marked))
            if w.lower() not in _COPULAS]
    return " ".join(kept).lower() or marked


# How a model reads its prompt (`prompt_roles` in its metadata): as written, in role words, or
# in role words plus the relation's own words as a fourth text (relation_words).
PROMPT_ROLES = ("raw", "marked", "phrase")


def condition_parts(text: str, base_name: str, target_name: str,
                    prompt_roles: str) -> tuple[str, ...]:
    """The texts a model embeds for one query, in its order: the conditioning text (already
    in role words where the model reads them), the base's and the target's names, and for
    'phrase' models the relation words."""
    parts = (text, base_name, target_name)
    return (*parts, relation_words(text)) if prompt_roles == "phrase" else parts


def text_parts(prompt_roles: str) -> int:
    return 4 if prompt_roles == "phrase" else 3
