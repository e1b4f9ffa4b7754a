"""A whole scene from one description: "A desk with a monitor in the middle, the keyboard in
front of it, a mouse to its right and a lamp on the left corner" -> one relation per clause
between the scene's own objects, each with the clause as its prompt.

Rules and the category table only (no network, no model download):
- the text is cut into sentences, then clauses at commas, "and", "while", "where", "with"
  ("aligned with" and the like stay whole); a clause without a relation word ("A desk") only
  sets the topic that later clauses lean on;
- a clause's mentions are matched to scene objects by category name, synonym, plural, head noun,
  the words of the object's own name and its material names ("the red mug");
- "it", "its", "them", "their" refer to the object mentioned last before them; a clause that
  names one object places it relative to the topic ("a monitor in the middle" of the desk);
- "four chairs around the table" gives one relation per chair (as many as the number says, or
  every chair), "a plate in front of each chair" one per chair, each with its own plate;
- which of two mentions is placed is read as Apply Relation reads it (language/roles.py);
- a mention of a known category with no such object in the scene is reported, never guessed;
  objects the description never names are listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from ..relations.category_table import CATEGORIES
from .implied_supports import implied_supports
from .mentions import words_of
from .object_names import aliases, singular_forms
from .roles import read_roles
from .surface_places import SURFACE_PLACES

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a pair of": 2,
           "both": 2, "several": 0, "some": 0, "all": 0, "the": 0}
EACH = {"each", "every"}
COLLECTIVE = {"all", "everything", "both", "together"}  # "..., all on the kitchen table"
OPPOSITE = {"left": "right", "right": "left", "front": "behind", "behind": "front",
            "back": "front", "above": "below", "below": "above", "over": "under",
            "under": "over", "on": "under"}
SUPPORT_WORDS = {"on", "onto", "atop", "upon", "in", "into", "inside", "within", "under",
                 "underneath", "beneath", "below", "above", "over", "top", "mounted", "hanging"}
RELATIVES = {"which", "that", "who", "whose"}  # at a clause's start: the object just named
# "a pencil cup holding three pencils": the second object goes in or on the first.
REVERSE_VERBS = {"holding": "in", "holds": "in", "containing": "in", "contains": "in",
                 "carrying": "on", "carries": "on", "supporting": "on", "supports": "on",
                 "bearing": "on"}
PRONOUNS = {"it": "single", "its": "single", "itself": "single", "them": "group",
            "their": "group", "they": "group"}
# Words that make a clause a relation ("a lamp on the desk") rather than a topic ("A desk").
RELATION_WORDS = {
    "on", "onto", "atop", "upon", "in", "into", "inside", "within", "under", "underneath",
    "beneath", "below", "above", "over", "behind", "front", "left", "right", "beside", "next",
    "near", "nearby", "by", "against", "around", "across", "facing", "faces", "face", "toward",
    "towards", "between", "along", "aligned", "back", "pouring", "pours", "pour", "cutting",
    "cuts", "slicing", "stirring", "scooping", "sprinkling", "leaning", "leans", "hanging",
    "hangs", "mounted", "stacked", "lying", "lies", "covering", "covers", "plugged", "plugging",
    "writing", "drawing", "hitting", "middle", "centre", "center", "corner", "end", "top",
    "side", "close", "far", "opposite", "alongside", "sitting", "sits", "stands",
    "standing", "rests", "resting", "placed", "put", "set"}
# A clause ending in one of these lacks its reference: "a lamp on the left corner" (of what?).
PLACE_NOUNS = {"middle", "centre", "center", "corner", "side", "edge", "end", "top", "bottom",
               "left", "right", "front", "back", "rear"}
OPEN_PREPOSITIONS = {"on", "onto", "in", "into", "inside", "under", "beneath", "below", "above",
                     "over", "behind", "beside", "near", "by", "against", "around", "facing",
                     "toward", "towards", "to", "next", "across", "atop", "underneath"}
_KEEP_WITH = {"aligned", "level", "flush", "together", "filled", "covered", "back", "along",
              "paired", "lined", "topped"}
_SENTENCES = re.compile(r"[.;!?\n]+")
_CLAUSES = re.compile(r"\s*,\s*(?:and\s+|then\s+|while\s+)?|\s+and\s+(?:then\s+)?|\s+while\s+|"
                      r"\s+whereas\s+|\s+where\s+|\s+with\s+")


@dataclass(frozen=True)
class SceneThing:
    """An object the description may name: its Blender name, its category (from the name),
    words that single it out among objects of the same category (material and colour names) and
    its size (largest dimension, metres; None: the category's typical size)."""
    name: str
    category: str
    words: tuple[str, ...] = ()
    size: float | None = None

    @property
    def extent(self) -> float | None:
        if self.size:
            return self.size
        category = CATEGORIES.get(self.category)
        if category is None:
            return None
        return max((lo + hi) / 2 for lo, hi in category.size)


@dataclass(frozen=True)
class DescribedRelation:
    base: str
    target: str
    prompt: str  # the clause, with pronouns and a missing reference filled in
    clause: str  # as written
    note: str = ""  # how a pronoun or an unnamed reference was read
    implied: bool = False  # no clause says it; another implies it (language/implied_supports.py)


@dataclass
class Description:
    relations: list[DescribedRelation] = field(default_factory=list)
    not_in_scene: list[str] = field(default_factory=list)  # mentions no object answers
    unmentioned: list[str] = field(default_factory=list)  # objects the text never names
    skipped: list[str] = field(default_factory=list)  # clauses that could not become relations


@dataclass
class _Mention:
    start: int  # word index in the clause
    end: int
    things: list[SceneThing]  # the objects it stands for (several for "four chairs")
    count: int | None  # how many the text asks for (None: as the mention's number says)
    each: bool = False  # "each chair": one relation per object
    pronoun: bool = False
    text: str = ""


def split_clauses(description: str) -> list[list[tuple[str, bool]]]:
    """Sentences, each a list of (clause, whether it follows 'with'); 'with' stays inside
    'aligned with' and the like."""
    return [clauses for clauses, _ in _sentences(description)]


def _sentences(description: str):
    """Per sentence: its clauses (as split_clauses gives them) and whether its first clause is
    joined to the next by a bare 'and' ('A wine bottle and two glasses on the tray'), so that it
    shares the next clause's relation instead of being the sentence's topic ('A desk, a lamp on
    it')."""
    for sentence in _SENTENCES.split(description):
        sentence = sentence.strip()
        if not sentence:
            continue
        parts, start, with_, first = [], 0, False, None
        for match in _CLAUSES.finditer(sentence):
            first = match.group() if first is None else first
            before = sentence[:match.start()].split()
            joins_with = "with" in match.group()
            if joins_with and before and before[-1].lower() in _KEEP_WITH:
                continue
            parts.append((sentence[start:match.start()], with_))
            start, with_ = match.end(), joins_with
        parts.append((sentence[start:], with_))
        coordinated = first is not None and "," not in first and first.split()[:1] == ["and"]
        yield [(p.strip(), w) for p, w in parts if p.strip()], coordinated


def _names_of(thing: SceneThing) -> list[list[str]]:
    """Word sequences that name the object: its category's names and synonyms, the category's
    head noun, and the readable words of the object's own name."""
    names = [[w for w, _, _ in words_of(alias)] for alias in aliases(thing.category)]
    category_words = [w for w, _, _ in words_of(thing.category)]
    if len(category_words) > 1:
        names.append(category_words[-1:])  # 'desk lamp' answers to 'lamp'
    return [n for n in names if n]


def _same(word: str, name_word: str) -> bool:
    return word == name_word or name_word in singular_forms(word)


def _plural(word: str, name_word: str) -> bool:
    return word != name_word and name_word in singular_forms(word)


def _library_mention(words: list[str], i: int) -> str | None:
    """A known object named at word i that the scene may not have: a library category or
    synonym ('a vase'), or after an article or a number a category's head noun ('a clock')."""
    names, heads = _library_names()
    for size in (3, 2, 1):
        if i + size > len(words):
            continue
        head = words[i:i + size - 1]
        for last in singular_forms(words[i + size - 1]):
            text = " ".join([*head, last])
            if text in names or (size == 1 and text in heads and i > 0 and
                                 (words[i - 1] in _ARTICLES or words[i - 1] in NUMBERS)):
                return " ".join(words[i:i + size])
    return None


_ARTICLES = {"a", "an", "the", "another", "some", "two", "three", "four"}


@cache
def _library_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every category name and synonym, and the head nouns of the longer ones ('clock' of
    'wall clock') that are not words of place ('corner', 'side')."""
    names = {name.lower() for category in CATEGORIES.values() for name in category.names}
    heads = {name.split()[-1] for name in names if " " in name} - PLACE_NOUNS
    return frozenset(names), frozenset(heads)


class _Reader:
    def __init__(self, things: list[SceneThing]):
        self.things = things
        self.result = Description()
        self.based: set[str] = set()  # objects already given a base
        self.named: set[str] = set()
        self.history: list[list[SceneThing]] = []  # what each mention stood for, in order
        self.topic: list[SceneThing] = []
        self.sentence: list[SceneThing] = []  # named in the sentence at hand ("all on ...")
        self.previous: tuple | None = None  # (targets, bases, direction) of the last relation
        self.owner: list[SceneThing] = []  # 'A desk with ...': what the with-list is about
        self.after_with = False  # the clause right after 'with'
        self.after_with_seen = False
        self.contained: set[str] = set()  # objects put in others: poor landmarks for 'it'
        self.pending: list[_Mention] = []  # "a lamp and ...": waiting for the relation
        self.coordinated = False  # the sentence's first clause, joined to the next by 'and'

    # ---- mentions ----------------------------------------------------------------------
    def mentions(self, clause: str) -> tuple[list[_Mention], list[str]]:
        """The clause's mentions in order, and the known objects it names that the scene
        lacks."""
        words = [w for w, _, _ in words_of(clause)]
        found: list[_Mention] = []
        taken: set[int] = set()
        for i, word in enumerate(words):
            if word in PRONOUNS or (i == 0 and word in RELATIVES):
                found.append(_Mention(i, i + 1, [], None, pronoun=True, text=word))
                taken.add(i)
        candidates = []
        for thing in self.things:
            for name in _names_of(thing):
                n = len(name)
                for i in range(len(words) - n + 1):
                    if all(_same(words[i + k], name[k]) for k in range(n)):
                        candidates.append((i, i + n, thing, _plural(words[i + n - 1], name[-1])))
        # the longest names first ('coffee table' before 'table'), then left to right
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        spans: dict[tuple[int, int], list] = {}
        for start, end, thing, plural in candidates:
            if any(k in taken for k in range(start, end)) and (start, end) not in spans:
                continue
            spans.setdefault((start, end), []).append((thing, plural))
            taken.update(range(start, end))
        for (start, end), matches in sorted(spans.items()):
            plural = any(p for _, p in matches)
            count, each = self._quantity(words, start, end, plural)
            things = self._pick(words, start, [t for t, _ in matches], count, each)
            found.append(_Mention(start, end, things, count, each,
                                  text=" ".join(words[start:end])))
        missing = []
        for i in range(len(words)):  # known objects the scene lacks: reported, not guessed
            if i not in taken:
                name = _library_mention(words, i)
                if name and i + len(name.split()) - 1 in taken:
                    continue  # 'a kitchen table' for the scene's Table: its head noun answers
                if name:
                    missing.append(name)
                    taken.update(range(i, i + len(name.split())))
        found.sort(key=lambda m: m.start)
        return found, missing

    @staticmethod
    def _quantity(words, start, end, plural) -> tuple[int | None, bool]:
        before = words[max(0, start - 3):start]
        if before and before[-1] in EACH:
            return None, True
        if {"each", "either", "both"} & set(words[end:end + 4]) and \
                {"side", "sides", "end", "ends"} & set(words[end:end + 5]):
            return 2, False  # "a candle on each side of the vase": one per side
        for size in (3, 1):
            phrase = " ".join(words[max(0, start - size):start])
            if phrase in NUMBERS and (size == 3 or plural or NUMBERS[phrase] == 1):
                return (NUMBERS[phrase] or None) if plural else 1, False
        if before and before[-1].isdigit():
            return int(before[-1]), False
        return (None, False) if plural else (1, False)

    def _pick(self, words, start, things, count, each) -> list[SceneThing]:
        """The objects a mention stands for: its colour or material words first ('the red
        mug'), then objects not yet placed, in their order; `count` of them."""
        before = set(words[max(0, start - 3):start])
        marked = [t for t in things if before & {w.lower() for w in t.words}]
        if marked:
            things = marked
        if count is None or each:
            return things
        fresh = [t for t in things if t.name not in self.based]
        return (fresh + [t for t in things if t not in fresh])[:count]

    # ---- pronouns ----------------------------------------------------------------------
    def _referent(self, pronoun: _Mention, target: _Mention | None, direction: str | None,
                  vertical: bool) -> list[SceneThing]:
        """What 'it' or 'them' stands for: with a contrasting direction ('a fork to its left'
        after '... to the right of the plate') the last relation's reference; else among the
        recent objects the one whose size suits the relation (for 'in front of it' the object
        closest in size, for 'on it' or 'under it' one larger than what is placed)."""
        if pronoun.text in RELATIVES:  # "..., which stands on a tray": the object just named
            return self.history[-1] if self.history else []
        single = PRONOUNS[pronoun.text] == "single"
        own = {t.name for t in target.things} if target else set()
        recent: list[list[SceneThing]] = []
        if self.previous:
            recent += [self.previous[0], self.previous[1]]
        recent += [self.topic, *reversed(self.history)]
        options = []
        for things in recent:
            if things and (len(things) == 1) == single and not own & {t.name for t in things} \
                    and things not in options:
                options.append(things)
        free = [o for o in options if not all(t.name in self.contained for t in o)]
        options = free or options
        if not options:
            return []
        if self.after_with and self.owner in options:  # 'a desk with a lamp beside it'
            return self.owner
        if self.previous and direction and self.previous[2] == OPPOSITE.get(direction) \
                and self.previous[1] in options:
            return self.previous[1]
        size = target.things[0].extent if target and target.things else None
        if size is None or (direction is None and not vertical):
            return options[0]  # 'the knife slicing it', 'at its end': the last object placed
        sized = [o for o in options if o[0].extent]
        if vertical:
            larger = [o for o in sized if o[0].extent > size]
            return larger[0] if larger else options[0]
        if not sized:
            return options[0]
        return min(sized, key=lambda o: abs(math.log(o[0].extent / size)))  # first of equals

    # ---- clauses -----------------------------------------------------------------------
    def clause(self, clause: str) -> None:
        spans = words_of(clause)
        words = [w for w, _, _ in spans]
        mentions, missing = self.mentions(clause)
        for name in missing:
            if name not in self.result.not_in_scene:
                self.result.not_in_scene.append(name)
        direction = next((w for w in words if w in OPPOSITE and w != "on"), None)
        vertical = direction not in ("left", "right", "front", "behind", "back") and any(
            w in SUPPORT_WORDS and not (w == "in" and words[i + 1:i + 2] == ["front"])
            for i, w in enumerate(words))
        named = [m for m in mentions if not m.pronoun]
        for mention in mentions:
            if mention.pronoun:
                mention.things = self._referent(mention, named[0] if named else None,
                                                direction, vertical)
        objects = [m for m in mentions if m.things]
        self.named.update(t.name for m in objects if not m.pronoun for t in m.things)
        inside_mentions = {i for m in mentions if not m.pronoun for i in range(m.start, m.end)}
        relational = any(w in RELATION_WORDS for i, w in enumerate(words)
                         if i not in inside_mentions) or len(objects) > 1
        if missing and len(objects) < 2:  # one side is not in the scene: report, never guess
            self.result.skipped.append(clause)
            return
        if not relational:
            if objects and (self.sentence or self.after_with or self.coordinated):
                # "a lamp and a clock on it", "A bottle and two glasses on the tray":
                self.pending += objects  # the next relation holds for these too
                self._remember(objects)
            elif objects:  # "A desk": the topic of what follows
                self._remember(objects)
                self.topic = objects[0].things
            return
        if not objects:
            self.result.skipped.append(clause)
            return
        if words and words[0] in COLLECTIVE and len(objects) == 1:
            self._collective(clause, spans, objects[0], direction)
            return
        if words and words[0] in ("one", "each") and len(objects) == 1 and self.previous \
                and len(self.previous[0]) > 1:  # "two speakers ..., one on each side of X"
            for thing in self.previous[0]:
                text = f"The {thing.category} {clause[spans[1][1]:]}"
                self._add(DescribedRelation(objects[0].things[0].name, thing.name, text, clause,
                                            "one each"), direction)
            return
        if len(objects) == 1:
            if not self.topic:
                self.result.skipped.append(clause)
                return
            note = f"placed relative to '{self.topic[0].name}', the object the sentence is about"
            self._link(clause, words, objects[0], None, self.topic, note, direction)
        else:
            cut = spans[objects[1].end - 1][2] if len(objects) > 2 else len(clause)
            first, second = self._roles(clause[:cut], objects[0], objects[1])
            self._link(clause[:cut], words, first, second, second.things, "", direction)
            for earlier, mention in pairwise(objects[1:]):
                self._attach(clause, spans, first, earlier, mention, direction)
        if self.pending and len(objects) >= 1:
            self._share(clause, spans, objects, direction)
        self._remember(objects)
        if not self.topic:
            self.topic = objects[-1].things if len(objects) > 1 else []

    def _share(self, clause, spans, objects, direction) -> None:
        """'a lamp and an alarm clock on it': the lamp gets the clock's relation."""
        placed = self.previous[0] if self.previous else []
        target = next((m for m in objects if m.things == placed), None)
        bases = self.previous[1] if self.previous else []
        if target is None or not bases:
            return
        rest = clause[spans[target.end - 1][2]:]
        for pending in self.pending:
            text = " ".join(w for w, _, _ in words_of(clause)[:0]) + \
                clause[:0] + self._mention_text(pending) + rest
            base = next((m for m in objects if m.things == bases), None)
            self._link(text, [w for w, _, _ in words_of(text)], pending, base, bases,
                       "shares the relation of the object named with it", direction)
        self.pending = []

    @staticmethod
    def _mention_text(mention: _Mention) -> str:
        return f"the {mention.things[0].category}" if mention.things else mention.text

    def _attach(self, clause, spans, first, earlier, mention, direction) -> None:
        """'X on Y next to Z': Z places Y when Y is new here ('a vase on the side table next to
        the armchair'), X when Y was already in place or is more than twice Z's size ('the
        lamp on the desk behind the laptop'); 'X on Y holding Z' puts Z in X."""
        between = [w for w, a, _ in spans
                   if spans[earlier.end - 1][2] <= a < spans[mention.start][1]]
        verb = next((w for w in between if w in REVERSE_VERBS), None)
        if verb:
            for thing in mention.things:
                text = f"A {thing.category} {REVERSE_VERBS[verb]} the {first.things[0].category}"
                self._add(DescribedRelation(first.things[0].name, thing.name, text, clause,
                                            f"'{verb}' puts it {REVERSE_VERBS[verb]} "
                                            f"'{first.things[0].name}'"), direction)
            return
        established = any(t.name in self.based or t in self.topic or
                          any(t in h for h in self.history) for t in earlier.things)
        rest = clause[spans[earlier.end - 1][2]:]
        if (established or _dwarfs(earlier, mention)) and earlier is not first:
            text = clause[spans[first.start][1]:spans[first.end - 1][2]] + rest
            self._link(text, [w for w, _, _ in words_of(text)], first, mention, mention.things,
                       "", direction)
        else:
            text = clause[spans[earlier.start][1]:]
            self._link(text, [w for w, _, _ in words_of(text)], earlier, mention,
                       mention.things, "", direction)

    def _collective(self, clause, spans, base: _Mention, direction) -> None:
        """'..., all on the kitchen table': what the sentence named and nothing holds yet."""
        loose = [t for t in self.sentence if t.name not in self.based and t not in base.things]
        rest = clause[spans[1][1]:] if len(spans) > 1 else clause
        for thing in loose[-2:] if words_of(clause)[0][0] == "both" else loose:
            prompt = f"The {thing.category} {rest}"
            self._add(DescribedRelation(base.things[0].name, thing.name, prompt, clause,
                                        "what the sentence named, placed together"), direction)

    def _remember(self, objects: list[_Mention]) -> None:
        for mention in objects:
            if not mention.pronoun:
                self.history.append(mention.things)
                self.sentence += [t for t in mention.things if t not in self.sentence]
            self.named.update(t.name for t in mention.things)

    def _roles(self, clause, first: _Mention, second: _Mention):
        """Which mention is placed: a pronoun never is when the other is a noun ('the keyboard
        in front of it') unless it opens a relative clause ('which stands on a tray'); a verb
        such as 'holding' places the second; else as Apply Relation reads the prompt."""
        if first.text in RELATIVES and first.pronoun:
            return first, second
        between = [w for w, _, _ in words_of(clause)][first.end:second.start]
        if any(w in REVERSE_VERBS for w in between):
            return second, first
        if first.pronoun != second.pronoun:
            return (second, first) if first.pronoun else (first, second)
        a, b = first.things[0], second.things[0]
        reading = read_roles(clause, a.category, b.category)
        return (second, first) if reading.swap else (first, second)

    def _link(self, text, words, target, base, bases, note, direction) -> None:
        if base is not None and base.pronoun:
            note = f"'{base.text}' read as '{bases[0].name}'"
        if base is not None and base.each:  # "a plate in front of each chair": one plate each,
            pairs = list(zip(self._all_of(target), bases, strict=False))  # in order
        else:  # "four chairs around the table": every chair named, one base
            pairs = [(t, bases[0]) for t in target.things]
        inside = any(w in ("in", "inside", "into", "within") and
                     words[i + 1:i + 3] not in (["the", "middle"], ["the", "centre"],
                                                ["the", "center"], ["the", "corner"])
                     and words[i + 1:i + 2] != ["front"] for i, w in enumerate(words))
        for thing, under in pairs:
            if thing.name != under.name:
                prompt = self._prompt(text, words, target, base, thing, under)
                self._add(DescribedRelation(under.name, thing.name, prompt, text, note),
                          direction)
                if inside:
                    self.contained.add(thing.name)
        self.previous = (target.things, bases, direction)

    def _add(self, relation: DescribedRelation, direction) -> None:
        if relation.base == relation.target or any(
                r.base == relation.base and r.target == relation.target
                for r in self.result.relations):
            return  # an object is not placed relative to itself; said twice, once is enough
        self.result.relations.append(relation)
        self.based.add(relation.target)

    def _all_of(self, mention: _Mention) -> list[SceneThing]:
        category = mention.things[0].category
        return [t for t in self.things if t.category == category]

    @staticmethod
    def _prompt(clause, words, target, base, thing, under) -> str:
        """The clause as a prompt naming both objects: pronouns by their referent ('to its
        right' -> 'to the right of the keyboard'), a missing reference added ('a lamp on the
        left corner' -> '... of the desk'), plurals singular."""
        text = clause.strip()
        if base is not None and base.pronoun:
            side = re.compile(rf"\b{re.escape(base.text)}\s+(left|right|front|back|side|rear|"
                              rf"top|end)\b", re.IGNORECASE)
            if base.text in ("its", "their") and side.search(text):
                text = side.sub(rf"the \1 of the {under.category}", text, count=1)
            else:
                text = re.sub(rf"\b{re.escape(base.text)}\b", f"the {under.category}", text,
                              count=1, flags=re.IGNORECASE)
        if target.pronoun:
            text = re.sub(rf"\b{re.escape(target.text)}\b", f"the {thing.category}", text,
                          count=1, flags=re.IGNORECASE)
        if base is None:
            last = words[-1] if words else ""
            place = [w for w in words[target.end:] if w not in ("a", "an", "the", "of")]
            if place and place[0] in ("in", "on", "at") and set(place[1:]) <= _ON_TOP | _SIDES \
                    and last in _PLACES:
                # "a monitor in the middle", "a lamp on the left corner": a place on the
                # reference's top (language/surface_places.py reads it from the prompt)
                text += f" of the {under.category}"
            elif place and place[0] in ("in", "on") and set(place[1:]) <= _ON_TOP | _SIDES:
                # "a lamp on top": resting on the reference
                text = f"{text[:words_of(text)[target.end - 1][2]]} on the {under.category}"
            elif last in PLACE_NOUNS:
                text += f" of the {under.category}"
            elif last in OPEN_PREPOSITIONS or last in RELATION_WORDS:
                text += f" the {under.category}"
            else:
                text += f", with the {under.category}"
        if len(target.things) > 1 or target.each or (base is not None and base.each) or \
                target.count not in (None, 1):
            text = _singular_clause(text, thing, under)
        text = _ON_TOP_OF.sub("on ", text)
        return text[:1].upper() + text[1:]


# Places on a reference's top: "in the middle of the desk", "on the left corner of the desk"
# stay in the prompt (language/surface_places.py places them); "on top of the shelf" -> "on the
# shelf". "At the end of the bed" or "on each side" stay: beside it.
_PLACES = set(SURFACE_PLACES)
_ON_TOP = {*_PLACES, "top"}
_SIDES = {"left", "right", "front", "back", "far", "near", "rear"}
_ON_TOP_OF = re.compile(r"\b(?:in|on)\s+(?:the\s+)?top\s+of\s+", re.IGNORECASE)


def _singular_clause(text: str, thing, under) -> str:
    """'four chairs around the table' -> 'a chair around the table'; 'a plate in front of each
    chair' -> 'a plate in front of the chair'."""
    words = text.split()
    out, i = [], 0
    while i < len(words):
        word = words[i].lower().strip(",")
        if word in NUMBERS or word in EACH or word.isdigit():
            nxt = words[i + 1].lower() if i + 1 < len(words) else ""
            if any(nxt.startswith(w) for w in thing.category.split()[:1]):
                out.append("a")
                i += 1
                continue
            if any(nxt.startswith(w) for w in under.category.split()[:1]):
                out.append("the")
                i += 1
                continue
        out.append(words[i])
        i += 1
    text = " ".join(out)
    for name in {thing.category, under.category}:
        last = name.split()[-1]
        text = re.sub(rf"\b{re.escape(last)}(e?s)\b", last, text)
    return text


def _dwarfs(support: _Mention, landmark: _Mention) -> bool:
    """Is the support more than twice the landmark's size ('the lamp stands on the desk behind
    the laptop': a desk is not placed behind a laptop, the lamp is)?"""
    sizes = [max((t.extent or 0.0) for t in m.things) if m.things else 0.0
             for m in (support, landmark)]
    return sizes[1] > 0 and sizes[0] > 2 * sizes[1]


def read_description(description: str, things: list[SceneThing]) -> Description:
    """The description as relations between `things`, with what it names that the scene does
    not have and the objects it never names."""
    reader = _Reader(things)
    for clauses, coordinated in _sentences(description):
        reader.topic, reader.sentence, reader.owner, reader.pending = [], [], [], []
        for number, (clause, after_with) in enumerate(clauses):
            reader.coordinated = coordinated and number == 0
            if after_with and not reader.owner:  # the with-list is about the object before it
                reader.owner = reader.previous[0] if reader.previous else reader.topic
                if reader.owner:
                    reader.topic = reader.owner
            reader.after_with = after_with and not reader.after_with_seen
            reader.after_with_seen = reader.after_with_seen or after_with
            reader.clause(clause)
        reader.after_with_seen = False
    result = reader.result
    categories = {t.name: t.category for t in things}
    result.relations += [
        DescribedRelation(support, name, prompt, clause, f"'{name}' on '{support}': implied by "
                          f"'{clause}'", implied=True)
        for support, name, prompt, clause in implied_supports(result.relations, categories)]
    named = reader.named | reader.based | {r.base for r in result.relations}
    result.unmentioned = [t.name for t in things if t.name not in named]
    return result
