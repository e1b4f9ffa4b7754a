"""Which spatial relation a prompt's own words state, read from the words rather than from a
sentence embedding.

Sentence embeddings barely tell "the object is on the reference" from "... under the reference"
(0.96 cosine in MiniLM), and "the reference to the right of the object" from "the object to the
right of the reference": the words decide, and so does their order. This reader looks at the
words between the two role mentions of a marked prompt (language/mentions.py: "the object",
"the reference"), or after both ("the reference with the object on its left"), and returns the
relation of the object to the reference for the few relations whose words are unambiguous and
whose geometry is easy to get wrong: left of, right of, in front of, behind, on, under, next
to, near and in ("a pencil in the cup": standing in it, not lying across it), and four
functional relations whose verbs say them plainly with the object doing it (leaning against,
hitting, slicing, lying across). Anything else (a verb that makes it another relation, "hanging
on", "stacked on", "pouring into"; two directions at once; no relation word) reads as None: the
model's own reading stands.

Its words are those of the library's train phrasings (relations/templates.py,
relations/more_phrasings.py); none is a word only the held-out paraphrases use (test), so
heldout_paraphrase still measures phrasings nothing in the project was written from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .mentions import BASE_WORD, TARGET_WORD

# Families this reader can return (the relation of the object to the reference).
READ_FAMILIES = ("left_of", "right_of", "in_front_of", "behind", "on", "under", "next_to", "near",
                 "in", "leaning_against", "hitting", "slicing", "lying_across")

# Each relation in its plainest words, as the library's first template says it (the check
# tells 'inside' a closed container from 'in' an open one).
PLAIN_WORDS = {"leaning_against": "{T} leaning against {B}.", "hitting": "{T} hitting {B}.",
               "slicing": "{T} slicing {B}.", "lying_across": "{T} lying across {B}.",
               "left_of": "{T} to the left of {B}.", "right_of": "{T} to the right of {B}.",
               "in_front_of": "{T} in front of {B}.", "behind": "{T} behind {B}.",
               "on": "{T} on {B}.", "under": "{T} under {B}.", "next_to": "{T} next to {B}.",
               "near": "{T} near {B}.", "in": "{T} in {B}.", "inside": "{T} inside {B}."}

# The object's relation when the words state the reference's relation to the object ("the
# reference to the right of the object": the object is to its left). 'above' is only ever read
# this way round ("the reference above the object": the object is under it); an object above
# its reference may hang, be mounted or rest, which this reader does not tell apart.
_INVERSE = {"left_of": "right_of", "right_of": "left_of", "in_front_of": "behind",
            "behind": "in_front_of", "next_to": "next_to", "near": "near", "on": "under",
            "under": "on", "above": "under"}

# Words that make the phrase another relation, whatever preposition follows them.
_OTHER_RELATION = re.compile(
    r"\b(?:lean\w*|propped|against|hang\w*|hung|mounted|fixed|attached|fastened|displays|"
    r"stack\w*|piled|cover\w*|closing|lid|across|spans?|laid|balanced|around|surrounded|"
    r"fac(?:e|es|ed|ing)|toward|towards|turned|oriented|pointed|pointing|looking|"
    r"back to back|aligned|lined|flush|row|between|"
    r"into|swirl\w*|in line|"
    r"pour\w*|fills|filling|filled|tilted|tipped|sprinkl\w*|shak\w*|season\w*|stir\w*|mix\w*|"
    r"scoop\w*|dip\w*|cut\w*|slic\w*|chopping|hit\w*|strik\w*|writ\w*|draw\w*|mark\w*|sketch\w*|"
    r"plug\w*|inserted|connected|suspended|dangles|wall|while|drap\w*|crosswise|crossways|"
    r"scribbl\w*|jot\w*|doodl\w*|with its (?:back|tip|point)|with the (?:front|back)|as a|"
    r"in a)\b")
_NOT_IN = re.compile(r"\bin (?:the )?(front|neighbourhood)\b")  # 'in front of' is not 'in'
_PASSIVE_BY = re.compile(r"\b(\w+ed) by\b")  # "the reference covered by the object"

# (family, pattern) in the order they are tried; the first family whose pattern matches wins,
# except that two sides at once ("in front of and to the left of") read as None.
_SIDES = (
    ("left_of", re.compile(r"\b(?:to|on|at|off to) (?:the |its |one )?(?:far )?left\b"
                           r"|\bleft (?:side )?of\b|\bleft side\b")),
    ("right_of", re.compile(r"\b(?:to|on|at|off to) (?:the |its |one )?(?:far )?right\b"
                            r"|\bright (?:side )?of\b|\bright side\b")),
    ("in_front_of", re.compile(r"\bin (?:the )?front\b|\bfront (?:side )?of\b|\bbefore\b"
                               r"|\bat (?:the |its )?front\b|\bto the front\b")),
    ("behind", re.compile(r"\bbehind\b|\bat (?:the |its )?back\b|\bback (?:side )?of\b"
                          r"|\bfar side of\b")),
)
# "on each side of", "on both sides", "at the end of": beside it, not on it.
_AT_A_SIDE = re.compile(r"\b(?:on|at) (?:the other|\w+) (?:sides?|ends?)\b|\bat the ends?\b")
# "on the side of the desk" (on it near its side, or beside it?), "lying on its side": unclear.
_ON_THE_SIDE = re.compile(r"\bon (?:the|its) (?:sides?|ends?)\b")
_LEVELS = (
    ("under", re.compile(r"\bunder(?:neath)?\b|\bbeneath\b|\bbelow\b")),
    ("above", re.compile(r"\babove\b|\bover\b")),
    ("on", re.compile(r"\bon(?: top| the top)?\b|\bonto\b")),
)
# What may stand before a plain "by" that means "next to" ("the lamp stands by the sofa"); any
# other word makes it an agent ("struck by", "lit by") or another relation ("close by": near).
_AT_REST_WORDS = ("is", "are", "sits", "stands", "rests", "lies", "placed", "set", "put", "kept",
                  "sitting", "standing", "resting", "lying", "situated", "seen", "right", "just")
_AT_REST = r"\b(?:" + "|".join(_AT_REST_WORDS) + ")"
_BESIDE = (
    ("next_to", re.compile(r"\bnext to\b|\bbeside\b|\balongside\b|\bat the side of\b"
                           r"|\bside by side\b|\bto one side\b|\bat (?:its|the) side\b"
                           r"|(?:^|" + _AT_REST + r") by\b")),
    ("near", re.compile(r"\bnear(?:by)?\b|\bclose (?:to|by)\b|\bnot (?:too )?far from\b"
                        r"|\bnot (?:too )?far\b|\bsteps from\b|\bneighbourhood of\b")),
)
# In it (an open container or a closed one: the check tells them apart by the reference), after
# nothing or after a word of being put there ("is kept in", "sits deep in"); after any other
# word it is how something else is done there ("stirring in"), and "in the <noun> of" names
# another place.
_PUT_IN_WORDS = (*_AT_REST_WORDS, "stored", "down", "deep", "well", "safely", "completely",
                 "sealed", "up", "enclosed")
_WITHIN = re.compile(r"(?:^|\b(?:" + "|".join(_PUT_IN_WORDS) + r") )in(?:side(?: of)?)?\b")
_IN_A_PLACE_OF = re.compile(r"\bin (?:the |a )?\w+ of\b")
# "{B} supports {T}", "{B} holds {T}": the second mention is the one placed, on it or in it.
_SUPPORTS = re.compile(r"^\s*(?:supports|carries|bears)\s*$")
_HOLDS = re.compile(r"^\s*(?:holds|holding|contains|containing)\s*$")

# Functional relations whose verbs say them plainly: (family, the words with the object doing
# it first, the words with the reference first: "the reference hit by the object").
_FUNCTIONAL = (
    ("leaning_against", re.compile(r"\blean\w* (?:against|on)\b|\b(?:propped|resting|rests|"
                                   r"stood|set) (?:up |leaning )?against\b"),
     re.compile(r"\bpropping up\b")),
    ("hitting", re.compile(r"\b(?:hits?|hitting|strikes|striking|smack\w*|bashing|swings? into|"
                           r"swinging into|makes contact with|making contact with)\b"),
     re.compile(r"\b(?:hit|struck) (?:by|with)\b")),
    ("slicing", re.compile(r"\bslic(?:es|ing)\b|\bcut(?:s|ting)? (?:a )?slices?\b|\bsawing "
                           r"(?:a slice|through)\b|\btaking a slice\b"),
     re.compile(r"\bsliced (?:by|with)\b|\bcut into slices by\b")),
    ("lying_across", re.compile(r"\b(?:lying|lies|laid|rests|resting|placed|balanced|set)"
                                r"(?: flat)? across\b|\bacross (?:the top|the rim|it)\b|"
                                r"\bspans\b|\bcross(?:wise|ways)\b"), None),
)
FUNCTIONAL = tuple(family for family, *_ in _FUNCTIONAL)
_AFTER_BOTH = ("", "with", "has", "and", "holds", "carries", "holding")

_ROLE = re.compile(rf"\bthe ({TARGET_WORD}|{BASE_WORD})\b('s)?")


@dataclass(frozen=True)
class RelationReading:
    family: str  # the relation of the object (target) to the reference (base)
    words: str  # the words it was read from


def read_relation(marked: str) -> RelationReading | None:
    """The object's relation to the reference that a prompt in role words states, or None."""
    text = " ".join(marked.lower().replace(",", " , ").split())
    found = {}
    for m in _ROLE.finditer(text):
        found.setdefault(m.group(1), m)
    if len(found) < 2:
        return None
    first, second = sorted(found.values(), key=lambda m: m.start())
    middle, tail = text[first.end():second.start()], text[second.end():]
    if second.group(2):  # "on the reference's left": the words after it belong to the phrase
        middle, tail = f"{middle} {tail}", ""
    placed_first = first.group(1) == TARGET_WORD
    doing = _functional(middle)  # "the object leaning against the reference", "... hit by ..."
    if doing is not None:
        family, reference_first = doing
        return _doing(family, placed_first != reference_first, middle)
    if middle.strip(" ,") in _AFTER_BOTH and _functional(tail) is not None:
        family, reference_first = _functional(tail)  # "the reference with the object across it"
        return _doing(family, not placed_first and not reference_first, tail)
    if _names_other_relation(tail):  # "the reference supports the object leaning on it"
        return None
    if _SUPPORTS.match(middle):
        return _oriented("on", not placed_first, middle)
    if _HOLDS.match(middle) and tail.strip(" .") in ("", "inside"):
        return _oriented("in", not placed_first, middle)
    read = _family_of(middle)
    if read is not None:
        return _oriented(read, placed_first, middle)
    if middle.strip(" ,") in _AFTER_BOTH:
        read = _family_of(tail)  # "the reference with the object on its left"
        if read is not None:
            return _oriented(read, not placed_first, tail)
    return None


def _functional(words: str) -> tuple[str, bool] | None:
    """(family, whether the words put the one it is done to first) of a functional relation the
    words say plainly, else None."""
    for family, doing, done_to in _FUNCTIONAL:
        if done_to is not None and done_to.search(words):
            return family, True
        if doing.search(words):
            return family, False
    return None


def _doing(family: str, object_does_it: bool, words: str) -> RelationReading | None:
    """A functional relation is read only with the object doing it (no inverse: "the reference
    hits the object" is not a relation of the object's)."""
    return RelationReading(family, words.strip()) if object_does_it else None


def _oriented(family: str, object_is_placed: bool, words: str) -> RelationReading | None:
    """The reading for the object: `family` as stated, or its inverse when the words place the
    reference."""
    family = family if object_is_placed else _INVERSE.get(family)
    if family not in READ_FAMILIES:
        return None
    return RelationReading(family, words.strip())


def _names_other_relation(words: str) -> bool:
    return bool(_OTHER_RELATION.search(_NOT_IN.sub(r"\1", words)))


def _family_of(words: str) -> str | None:
    """The relation `words` state of whatever comes first to whatever follows, or None."""
    words = f" {words.strip(' .,;')} "
    if any(m.group(1) not in _AT_REST_WORDS for m in _PASSIVE_BY.finditer(words)):
        return None
    if _names_other_relation(words):
        return None
    sides = [family for family, pattern in _SIDES if pattern.search(words)]
    if len(sides) > 1:
        return None
    if sides:
        return sides[0]
    if _ON_THE_SIDE.search(words):
        return None
    if _AT_A_SIDE.search(words):
        return "next_to"
    within = _NOT_IN.sub(r"\1", words).strip()
    if _WITHIN.search(within) and not _IN_A_PLACE_OF.search(within):
        return "in"
    for patterns in (_LEVELS, _BESIDE):
        for family, pattern in patterns:
            if pattern.search(words):
                return family
    return None
