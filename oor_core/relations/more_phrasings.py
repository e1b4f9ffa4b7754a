"""More ways to say each relation, for training only (`--more-phrasings`).

The library's templates (`templates.py`) give each family about a dozen phrasings, and a phrasing
the training never used lands between them in the text encoder's space: the model places it
well when a trained phrasing is close and badly when none is (heldout_paraphrase). These add,
per family, the resting verbs that go with its prepositions ("sits", "is kept", "can be seen"
x "just in front of", "directly in front of", ...) and further phrasings written by hand, so
that each relation is learnt from many more points of that space.

The held-out paraphrases stay unseen: no phrasing here uses a word that only the held-out
templates use (`held_out_only_words`, checked by `check_phrasings` and its test), and none is a
held-out template.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .templates import TEMPLATES

# Verbs (and none) that say "is placed there" for an object at rest.
RESTING_VERBS = ("", "is", "sits", "stands", "rests", "is placed", "is set", "is put", "is kept",
                 "has been set", "was put", "is sitting", "is standing", "can be seen",
                 "is situated", "placed", "set", "kept", "sitting", "standing", "resting")

# Where a resting object is, per family: "{T} <verb> <place> {B}."
PLACES: dict[str, tuple[str, ...]] = {
    "on": ("on", "on top of", "up on", "right on top of", "directly on", "on the top of",
           "set down on", "up on top of", "flat on"),
    "under": ("under", "underneath", "beneath", "below", "directly under", "right underneath",
              "on the floor under", "down below", "on the ground beneath", "low under"),
    "next_to": ("next to", "beside", "by", "alongside", "at the side of", "right next to",
                "close beside", "just beside", "by the side of", "side by side with",
                "to one side of"),
    "left_of": ("to the left of", "left of", "on the left of", "on the left side of",
                "at the left of", "just left of", "to the left side of", "off to the left of",
                "directly to the left of", "a little to the left of", "just to the left of"),
    "right_of": ("to the right of", "right of", "on the right of", "on the right side of",
                 "at the right of", "just right of", "to the right side of",
                 "off to the right of", "directly to the right of", "a little to the right of",
                 "just to the right of"),
    "in_front_of": ("in front of", "before", "at the front of", "just in front of",
                    "right in front of", "directly in front of", "out in front of",
                    "a little in front of", "on the front side of", "in the front of",
                    "to the front of"),
    "behind": ("behind", "at the back of", "just behind", "right behind", "directly behind",
               "round the back of", "to the back of", "on the back side of", "back behind",
               "on the far side of", "a little behind"),
    "near": ("near", "close to", "not far from", "near to", "quite close to", "fairly near",
             "not too far from", "close by", "somewhat near", "a few steps from",
             "in the neighbourhood of"),
    "in": ("in", "inside", "inside of", "down in", "deep in", "right in", "down inside",
           "in the middle of", "well down in"),
    "inside": ("inside", "inside of", "safely inside", "deep inside", "well inside",
               "closed up inside", "sealed inside", "completely inside", "enclosed in"),
    "facing": ("facing", "turned toward", "turned to face", "pointing toward", "looking toward",
               "turned towards", "looking at", "angled toward", "directly facing",
               "squarely facing"),
}

# Phrasings that do not follow "{T} <verb> <place> {B}.", written per family.
WRITTEN: dict[str, tuple[str, ...]] = {
    "on": ("{B} has {T} on top.", "{B} with {T} sitting on top.", "{B} with {T} up on top.",
           "{T} set down on {B}.", "{B} carries {T} on top.", "{T} placed on the top of {B}.",
           "{B}, with {T} resting on it."),
    "stacked_on": ("{T} stacked up on {B}.", "{T} piled up on top of {B}.",
                   "{B} at the bottom with {T} stacked above.", "{T} stacked neatly on {B}.",
                   "{T} sits stacked on {B}.", "{T} in a stack on top of {B}.",
                   "{B} with {T} piled on top.", "{T} placed in a stack on {B}.",
                   "{T} is sitting stacked on {B}."),
    "covering": ("{T} lies over {B} as a lid.", "{T} covering the top of {B}.",
                 "{B} kept under {T}.", "{T} spread over {B}.", "{B} with {T} covering it.",
                 "{T} is covering {B}.", "{T} closing off {B}.", "{B} is closed by {T}.",
                 "{T} placed over the top of {B}."),
    "lying_across": ("{T} lying flat across {B}.", "{T} laid across {B}.",
                     "{T} across the top of {B}.", "{B} with {T} lying across the top.",
                     "{T} rests flat across {B}.", "{T} is laid across the rim of {B}.",
                     "{T} placed crosswise on {B}.", "{T} lying crossways over {B}.",
                     "{T} balanced across the top of {B}."),
    "next_to": ("{B} with {T} beside it.", "{B} has {T} next to it.", "{T} and {B} side by side.",
                "{B} with {T} at its side.", "{T} placed by {B}.", "{B} next to {T}.",
                "{B} beside {T}."),
    "left_of": ("{B} with {T} to its left.", "{B} has {T} on its left.",
                "{B} to the right of {T}.", "{T} on the left, {B} on the right.",
                "{B} with {T} on the left side.", "{T} off to the left of {B}.",
                "{B} sits to the right of {T}."),
    "right_of": ("{B} with {T} to its right.", "{B} has {T} on its right.",
                 "{B} to the left of {T}.", "{T} on the right, {B} on the left.",
                 "{B} with {T} on the right side.", "{T} off to the right of {B}.",
                 "{B} sits to the left of {T}."),
    "in_front_of": ("{B} with {T} right in front of it.", "{B} has {T} in front of it.",
                    "{B} sits behind {T}.", "{B} stands behind {T}.", "{B} is behind {T}.",
                    "{T} in front, {B} behind.", "{B} with {T} just in front.",
                    "{T} out in front of {B}."),
    "behind": ("{B} with {T} right behind it.", "{B} has {T} at its back.",
               "{B} sits in front of {T}.", "{B} stands in front of {T}.",
               "{B} is in front of {T}.", "{T} behind, {B} in front.",
               "{B} with {T} at the back.", "{T} round the back of {B}."),
    "near": ("{B} with {T} close by.", "{B} has {T} near it.", "{T} close to {B}.",
             "{B} with {T} not far away.", "{T} and {B} close to each other.",
             "{B} near {T}.", "{T} is kept close to {B}."),
    "around": ("{T} set around {B}.", "{T} placed at the side of {B}.", "{T} up against {B}.",
               "{T} pulled in to {B}.", "{B} with {T} at its side.", "{T} at the side of {B}.",
               "{T} is drawn up to {B}.", "{T} sits at {B}.", "{T} standing around {B}.",
               "{B} with {T} pulled up to it."),
    "facing": ("{B} with {T} turned toward it.", "{T} turned round to face {B}.",
               "{B} is faced by {T}.", "{T} sits facing {B}.", "{T} points toward {B}.",
               "{T} looks toward {B}.", "{T} stands facing {B}."),
    "back_to_back": ("{T} and {B} set back to back.", "{T} turned away from {B}, back to back.",
                     "{B} and {T} placed back to back.", "{T} with its back to the back of {B}.",
                     "{T} faces away from {B}.", "{T} is facing away from {B}.",
                     "{T} stands back to back with {B}.", "{T} set with its back to {B}.",
                     "{B} and {T} back to back, touching."),
    "aligned_with": ("{T} lined up beside {B}.", "{T} is kept lined up with {B}.",
                     "{T} is lined up with {B}.", "{T} set flush with {B}.",
                     "{T} placed in a row beside {B}.", "{B} and {T} in a row.",
                     "{T} kept in line with {B}.", "{T} aligned side by side with {B}.",
                     "{T} and {B} lined up in a row.", "{T} standing in line with {B}."),
    "in": ("{B} with {T} inside.", "{B} has {T} in it.", "{T} left in {B}.",
           "{T} put into {B}.", "{T} placed into {B}.", "{B} holding {T}.",
           "{B} that contains {T}.", "{T} set into {B}.", "{T} sitting down in {B}."),
    "inside": ("{B} with {T} kept inside.", "{B} has {T} inside it.", "{T} put inside {B}.",
               "{T} placed into {B}.", "{B} containing {T}.", "{T} locked inside {B}.",
               "{T} stored away in {B}.",
               "{B} holds {T} inside."),
    "hanging_above": ("{T} hanging down over {B}.", "{T} hangs over {B}.",
                      "{T} is hanging above {B}.", "{T} suspended over {B}.",
                      "{B} with {T} hanging over it.", "{T} hung above {B}.",
                      "{T} hanging high above {B}.", "{B} underneath {T}.",
                      "{T} dangles over {B}."),
    "mounted_on": ("{T} fixed on {B}.", "{T} is attached to {B}.", "{T} mounted onto {B}.",
                   "{B} with {T} mounted on it.", "{T} is fixed to {B}.",
                   "{T} fastened onto {B}.", "{T} hung up on {B}.", "{B} has {T} fixed to it.",
                   "{T} put up on {B}."),
    "mounted_above": ("{T} on the wall over {B}.", "{T} fixed above {B}.",
                      "{T} mounted on the wall above {B}.", "{T} is hung above {B}.",
                      "{B} with {T} on the wall above it.", "{T} put up above {B}.",
                      "{T} fastened to the wall above {B}.", "{B} under {T} on the wall.",
                      "{T} hangs above {B}."),
    "hanging_on": ("{T} is hanging from {B}.", "{T} hangs from {B}.", "{T} hung up on {B}.",
                   "{B} with {T} hanging from it.", "{T} left hanging on {B}.",
                   "{B} has {T} hanging on it.", "{T} hung over {B}.", "{T} draped on {B}.",
                   "{B} holding {T} up."),
    "pouring_into": ("{T} pouring out into {B}.", "{T} tipped over {B}.",
                     "{T} tilted to pour into {B}.", "{B} being filled by {T}.",
                     "{T} is filling {B}.", "{T} pouring a drink into {B}.",
                     "{T} emptying out into {B}.", "{B} filled from {T}.",
                     "{T} tipped up over {B}, pouring."),
    "cutting": ("{T} cutting through {B}.", "{T} is cutting into {B}.", "{B} cut with {T}.",
                "{T} chops {B}.", "{T} is chopping {B}.", "{B} being chopped by {T}.",
                "{T} pressed into {B}.", "{B} with {T} stuck in it.", "{T} cutting up {B}."),
    "slicing": ("{T} slicing through {B}.", "{T} is slicing into {B}.",
                "{B} being cut into slices by {T}.", "{T} cutting slices from {B}.",
                "{T} slicing up {B}.", "{B} sliced by {T}.", "{T} slices off a bit of {B}.",
                "{T} sawing a slice off {B}.", "{T} taking a slice off {B}."),
    "sprinkling_over": ("{T} sprinkling onto {B}.", "{T} shaking out over {B}.",
                        "{T} is shaking over {B}.", "{T} tipped upside down over {B}.",
                        "{B} seasoned from {T}.", "{T} is seasoning {B}.",
                        "{T} dusting over {B}.", "{B} being seasoned by {T}.",
                        "{T} sprinkles onto {B}."),
    "stirring": ("{T} stirring the contents of {B}.", "{T} is mixing in {B}.",
                 "{B} stirred by {T}.", "{T} mixing {B}.", "{T} stirs inside {B}.",
                 "{T} swirls in {B}.", "{B} being stirred with {T}.", "{T} stirring round in {B}.",
                 "{T} is swirling in {B}."),
    "scooping": ("{T} scooping out {B}.", "{T} is scooping from {B}.", "{T} dipped into {B}.",
                 "{B} being emptied with {T}.", "{T} ladles from {B}.",
                 "{T} is dipping into {B}.", "{T} digs into {B}.", "{T} taking some from {B}.",
                 "{T} ladling out of {B}."),
    "hitting": ("{T} is striking {B}.", "{B} being struck by {T}.", "{T} smacking {B}.",
                "{T} hits {B} hard.", "{T} swings into {B}.", "{B} hit by {T}.",
                "{T} bashing {B}.", "{T} striking {B} hard.", "{T} makes contact with {B}."),
    "writing_on": ("{T} is jotting on {B}.", "{T} scribbles on {B}.", "{B} written on by {T}.",
                   "{T} marking on {B}.", "{T} writing something on {B}.",
                   "{B} being marked by {T}.", "{T} with its point on {B}.",
                   "{T} pressed to {B}, writing.", "{T} jots on {B}."),
    "drawing_on": ("{T} is sketching on {B}.", "{T} sketches on {B}.", "{B} drawn on by {T}.",
                   "{T} marking on {B}.", "{T} drawing a picture on {B}.",
                   "{B} being marked with {T}.", "{T} with its point on {B}.",
                   "{T} doodling on {B}.", "{T} making marks on {B}."),
    "plugging_into": ("{T} plugged in to {B}.", "{T} is plugging into {B}.",
                      "{B} with {T} plugged into it.", "{T} fitted in {B}.",
                      "{T} connected into {B}.", "{B} connected to {T}.",
                      "{T} inserted in {B}.", "{T} is plugged in to {B}.",
                      "{T} fitted into {B}."),
    "leaning_against": ("{T} is leaning on {B}.", "{T} propped up against {B}.",
                        "{T} leans on {B}.", "{B} with {T} propped against it.",
                        "{T} resting up against {B}.", "{T} stood up against {B}.",
                        "{T} set leaning against {B}.", "{T} is resting against {B}.",
                        "{B} propping up {T}."),
}

_WORD = re.compile(r"[a-z][a-z\-']*")


def _words(template: str) -> set[str]:
    return set(_WORD.findall(template.lstrip("!").replace("{T}", " ").replace("{B}", " ")
                             .lower()))


@lru_cache(maxsize=1)
def held_out_only_words() -> frozenset[str]:
    """Words of the held-out templates that no train template of any family uses."""
    train, held = set(), set()
    for templates in TEMPLATES.values():
        for t in templates:
            (held if t.startswith("!") else train).update(_words(t))
    return frozenset(held - train)


def more_templates(family: str) -> list[str]:
    """Phrasings of `family` beyond the library's templates, in a fixed order, none of them a
    library template (train or held out)."""
    library = {t.lstrip("!") for t in TEMPLATES.get(family, ())}
    out = [f"{{T}} {verb} {place} {{B}}.".replace("  ", " ")
           for place in PLACES.get(family, ()) for verb in RESTING_VERBS]
    out += list(WRITTEN.get(family, ()))
    return [t for t in dict.fromkeys(out) if t not in library]


def check_phrasings() -> list[str]:
    """What would make the held-out paraphrases no longer unseen (empty when nothing)."""
    banned = held_out_only_words()
    problems = []
    for family in sorted({*PLACES, *WRITTEN}):
        if family not in TEMPLATES:
            problems.append(f"{family}: not a family of the library")
            continue
        held = {t.lstrip("!") for t in TEMPLATES[family] if t.startswith("!")}
        for t in more_templates(family):
            used = _words(t) & banned
            if used:
                problems.append(f"{family}: {t!r} uses held-out word(s) {sorted(used)}")
            if t in held:
                problems.append(f"{family}: {t!r} is a held-out template")
            if "{T}" not in t or "{B}" not in t:
                problems.append(f"{family}: {t!r} does not name both objects")
    return problems
