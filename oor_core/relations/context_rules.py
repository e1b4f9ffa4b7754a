"""Which (base, target) category pairs each family is built for: declarative rules over tags.

A rule names the family, a test on the base, a test on the target and how many contexts to
keep at most. Candidates are ranked by a content hash and picked greedily so that categories are
spread evenly; pairs whose sizes cannot realise the relation are dropped by a feasibility probe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .categories import Category


def has(tags: str) -> Callable[[Category], bool]:
    want = set(tags.split())
    return lambda c: want <= c.tags


def kind_in(*kinds: str) -> Callable[[Category], bool]:
    return lambda c: c.kind in kinds


def both(*tests: Callable[[Category], bool]) -> Callable[[Category], bool]:
    return lambda c: all(t(c) for t in tests)


def _span(c: Category) -> float:
    return max((lo + hi) / 2 for lo, hi in c.size)


def similar_scale(ratio: float) -> Callable[[Category, Category], bool]:
    return lambda b, t: max(_span(b), _span(t)) <= ratio * min(_span(b), _span(t))


def same_kind(b: Category, t: Category) -> bool:
    return b.kind == t.kind


def _any_pair(b: Category, t: Category) -> bool:
    return True


def _cover_fit(b: Category, t: Category) -> bool:
    foot_b = max(b.size[0][1], b.size[2][1])
    foot_t = max(t.size[0][0], t.size[2][0])
    return foot_b <= foot_t <= 1.7 * foot_b


HIT_PAIRS = {"bat": {"ball", "drum"}, "racket": {"ball"}, "club": {"ball"}, "hammer": {"nail"}}


def _hit_pair(b: Category, t: Category) -> bool:
    return b.kind in HIT_PAIRS.get(t.kind, set())


AREAS = [{"kitchen", "dining", "food"}, {"office", "living"}, {"living", "bedroom"},
         {"bathroom", "bedroom"}, {"workshop", "garden"}, {"sports", "garden", "living"}]


def same_area(b: Category, t: Category) -> bool:
    """Objects one would find together (same room or a neighbouring one)."""
    return any(b.room in area and t.room in area for area in AREAS)


def nearby(ratio: float) -> Callable[[Category, Category], bool]:
    scale = similar_scale(ratio)
    return lambda b, t: same_area(b, t) and scale(b, t)


@dataclass(frozen=True)
class Rule:
    family: str
    base: Callable[[Category], bool]
    target: Callable[[Category], bool]
    cap: int
    pair: Callable[[Category, Category], bool] = _any_pair


ITEM = has("item")
FLOOR = has("floor")
TABLE_LIKE = both(has("floor"), kind_in("table", "desk", "counter", "pit"))

RULES: list[Rule] = [
    Rule("on", both(has("surface"), has("floor")), has("item"), 80),
    Rule("on", both(has("surface"), has("item")), has("item"), 40, nearby(8.0)),
    Rule("stacked_on", has("stack"), has("stack"), 30, same_kind),
    Rule("covering", has("lidded"), has("lid"), 30, _cover_fit),
    Rule("lying_across", has("rimbase"), has("across"), 40),
    Rule("next_to", ITEM, ITEM, 40, nearby(4.0)),
    Rule("next_to", FLOOR, FLOOR, 30, nearby(6.0)),
    Rule("left_of", ITEM, ITEM, 20, nearby(4.0)),
    Rule("left_of", FLOOR, FLOOR, 15, nearby(6.0)),
    Rule("right_of", ITEM, ITEM, 20, nearby(4.0)),
    Rule("right_of", FLOOR, FLOOR, 15, nearby(6.0)),
    Rule("in_front_of", ITEM, ITEM, 20, nearby(4.0)),
    Rule("in_front_of", FLOOR, FLOOR, 15, nearby(6.0)),
    Rule("behind", ITEM, ITEM, 20, nearby(4.0)),
    Rule("behind", FLOOR, FLOOR, 15, nearby(6.0)),
    Rule("near", ITEM, ITEM, 15, nearby(4.0)),
    Rule("near", FLOOR, FLOOR, 15, nearby(6.0)),
    Rule("around", TABLE_LIKE, has("seat"), 30),
    Rule("facing", has("focal"), has("seat"), 25),
    Rule("back_to_back", has("seat"), has("seat"), 12, similar_scale(3.0)),
    Rule("back_to_back", has("furniture"), has("furniture"), 12, nearby(3.0)),
    Rule("aligned_with", has("furniture"), has("furniture"), 30, nearby(3.0)),
    Rule("in", has("container"), has("fit"), 70, same_area),
    Rule("inside", has("enclosure"), has("fit"), 50, same_area),
    Rule("under", has("table"), has("under"), 35),
    Rule("hanging_above", has("hangbase"), has("pendant"), 25),
    Rule("mounted_on", has("wall"), has("wallitem"), 12),
    Rule("mounted_above", has("backed"), both(has("wallitem"), lambda c: c.kind != "socket"), 30),
    Rule("hanging_on", has("hanger"), has("hangable"), 30),
    Rule("pouring_into", has("receiver"), has("pourer"), 60),
    Rule("cutting", has("cuttable"), has("knife"), 45, same_area),
    Rule("slicing", has("sliceable"), has("knife"), 30, same_area),
    Rule("sprinkling_over", has("dish"), has("shaker"), 35),
    Rule("stirring", has("stirbase"), has("stirrer"), 35, same_area),
    Rule("scooping", has("scoopbase"), has("scooper"), 30, same_area),
    Rule("hitting", has("struck"), has("striker"), 35, _hit_pair),
    Rule("writing_on", has("paper"), has("writer"), 40, same_area),
    Rule("drawing_on", has("board"), has("writer"), 20),
    Rule("plugging_into", has("socket"), has("plug"), 30),
    Rule("leaning_against", has("leanbase"), has("leaner"), 45),
]


# Everyday scenes users try first (the paper's tea set and desk set-up): always in the library
# and always in train, whatever the rules' caps and the split selection pick.
FEATURED: tuple[tuple[str, str, str], ...] = (
    ("pouring_into", "teacup", "teapot"),
    ("pouring_into", "mug", "kettle"),
    ("pouring_into", "glass", "pitcher"),
    ("pouring_into", "wine glass", "wine bottle"),
    ("on", "dining table", "teacup"),
    ("on", "dining table", "teapot"),
    ("on", "dining table", "plate"),
    ("on", "dining table", "vase"),
    ("on", "saucer", "teacup"),
    ("next_to", "teacup", "teapot"),
    ("stirring", "teacup", "teaspoon"),
    ("on", "bookshelf", "book"),
    ("on", "desk", "monitor"),
    ("on", "desk", "keyboard"),
    ("on", "desk", "mouse"),
    ("on", "desk", "laptop"),
    ("on", "desk", "desk lamp"),
    ("in_front_of", "monitor", "keyboard"),
    ("right_of", "keyboard", "mouse"),
    ("on", "nightstand", "alarm clock"),
    ("on", "nightstand", "desk lamp"),
    ("cutting", "bread", "knife"),
)
