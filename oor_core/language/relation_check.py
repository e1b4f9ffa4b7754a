"""Sampled candidates checked against the relation a prompt's words state.

The model ranks its candidates by how likely it finds them (model/ranking.py), and on pairs it
never saw it sometimes finds the mirrored side likelier: the mouse "to the left of" the laptop
on its right, the ball "under" the desk on top, the pencil "in" the cup lying across its floor.
When the prompt's words say plainly which relation it asks for (language/relation_reader.py),
the library's own predicate for it (relations/fam_*.py, the geometry the training data was
drawn from) tells the candidates that keep it from those that break it. Those that keep it rank
first, then those that keep it once moved onto their support (an "on" that stands past the
top's edge or beside it), then the rest, each group in the model's order. Nothing changes when
the words say nothing plain, or when the objects' library categories make the words mean
another relation (a clock "on" the wall is mounted, a lid "on" the pot covers it, a plate "on"
a plate is stacked, a chair "at the side of" a table is drawn up to it, a knife "in" the cake
cuts it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..geometry.oor_vector import TRANSLATION, pack_phi
from ..relations.categories import Category
from ..relations.category_table import library_category
from ..relations.context_rules import RULES, TABLE_LIKE
from ..relations.fam_common import (
    DEG,
    TOL,
    contact_tol,
    stand_axis,
    support_region,
    unpack,
    upright,
    yaw_of,
)
from ..relations.fam_placement import fits_under
from ..relations.families import FAMILIES
from ..relations.frames import aabb_half, rot_y
from .mentions import mark_roles
from .relation_reader import FUNCTIONAL, PLAIN_WORDS, read_relation
from .surface_places import read_place

# An object of no library category: a plain box with the library's default parts (its top is
# its support, 7 % of its height under it is the slab of a table).
_ANY = Category(name="object", kind="object", room="any", size=((0.01, 10.0),) * 3, shape="box",
                tags=frozenset())
_LEAN_STEPS = 41  # positions tried from flush with the reference's box to a box length in
_QUARTER_TURN = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])  # about +y
# Targets that rest "on" nothing: hung, mounted, lids, pens at work.
_NOT_RESTING = frozenset({"pendant", "wallitem", "lid", "writer"})


@dataclass(frozen=True)
class RelationCheck:
    family: str
    base: Category
    target: Category
    words: str

    def beneath(self, phi) -> np.ndarray:
        """(K,) bool: candidates of an "under" whose reference has no room under it for the
        object (a napkin under the spoon, a rug under the coffee table, a console below the
        TV), judged beneath it (_beneath) rather than in the room under a table's top or a
        seat as the library has it (a bin under the desk, a backpack under the chair)."""
        if self.family != "under":
            return np.zeros(len(phi), dtype=bool)
        if not self.base.tags & _ROOM_UNDER:
            return np.ones(len(phi), dtype=bool)
        _rot, _t, _s_t, s_b, he, _hb = unpack(phi)
        return ~fits_under(self.base, s_b, he)

    def fitted(self, phi) -> np.ndarray:
        """Candidates (K, 15) moved to keep the relation where a small move does: an "on"
        moved by the least horizontal distance that puts its footprint on the base's support
        (past its edge, or beside the base) and set down on it, turned a quarter about the
        vertical when only so the footprint fits (a knife longer than the board is wide); an
        "under" beneath a reference with no room under it brought under it (_fitted_beneath).
        Candidates that fit neither way, tilted "on"s, degenerate ones and other relations
        come back unchanged."""
        phi = np.array(np.atleast_2d(phi), dtype=np.float64)
        if not np.isfinite(phi).all():
            return phi
        try:
            if self.family == "under":
                rows = self.beneath(phi)
                phi[rows] = _fitted_beneath(phi[rows])
            elif self.family == "on":
                phi = self._fitted_on(phi)
            elif self.family == "leaning_against":
                phi = self._fitted_lean(phi)
        except ValueError:  # a degenerate rotation: left as sampled
            pass
        return phi

    def settled(self, phi, kept: np.ndarray) -> None:
        """Candidates (K, 15) of an "under" that keep it (`kept`: their passes()) standing on
        the floor the reference stands on (a bin under the desk, a rug under the table) set
        exactly on it, in place: the check allows a few millimetres either way, the user sees
        them."""
        if self.family != "under" or not len(phi) or not np.isfinite(phi).all():
            return
        try:
            _rot, t, _s_t, _s_b, he, hb = unpack(phi)
        except ValueError:
            return
        floor = -hb[:, 1] + he[:, 1]
        resting = kept & (np.abs(t[:, 1] - floor) <= TOL)
        phi[resting, TRANSLATION.start + 1] = floor[resting]

    def _fitted_lean(self, phi) -> np.ndarray:
        """Candidates tilted as a lean is (3 to 35 degrees) but not touching: moved to the
        face of the reference their top leans towards, standing on its floor, then in towards
        it by the least that makes them touch it (a guitar sampled 20 cm in front of the
        armchair, leaning its way: against it)."""
        rot, t, s_t, s_b, he, hb = unpack(phi)
        axis = stand_axis(self.target)
        accept = FAMILIES["leaning_against"].accept
        for i in range(len(phi)):
            up = rot[i][:, axis] * np.sign(rot[i][1, axis] + 1e-12)
            if not np.sin(3 * DEG) <= np.hypot(up[0], up[2]) <= np.sin(35 * DEG):
                continue
            k = 0 if abs(up[0]) >= abs(up[2]) else 2  # the reference lies the top's way
            side = -np.sign(up[k])
            across = 2 - k
            steps = np.linspace(0.0, 2 * he[i, k], _LEAN_STEPS)  # in from flush, box to box
            tried = np.repeat(phi[i:i + 1], _LEAN_STEPS, axis=0)
            centre = t[i].copy()
            centre[across] = np.clip(centre[across], -hb[i, across], hb[i, across])
            centre[1] = -hb[i, 1] + he[i, 1]
            for j, inward in enumerate(steps):
                centre[k] = side * (hb[i, k] + he[i, k] - inward)
                tried[j] = pack_phi(rot[i], centre, s_t[i], s_b[i])
            ok = np.flatnonzero(accept(tried, self.base, self.target))
            if len(ok):
                phi[i] = tried[ok[0]]
        return phi

    def _fitted_on(self, phi) -> np.ndarray:
        rot, t, s_t, s_b, he, _ = unpack(phi)
        y, x0, x1, z0, z1 = support_region(self.base, s_b)
        for i in np.flatnonzero(upright(rot, 8)):
            turn, half = rot[i], he[i]
            if 2 * half[0] > x1[i] - x0[i] or 2 * half[2] > z1[i] - z0[i]:
                turn = _QUARTER_TURN @ rot[i]
                half = aabb_half(turn, s_t[i])
                if 2 * half[0] > x1[i] - x0[i] or 2 * half[2] > z1[i] - z0[i]:
                    continue  # does not fit either way: left as sampled
            centre = np.array([np.clip(t[i, 0], x0[i] + half[0], x1[i] - half[0]),
                               y[i] + half[1],
                               np.clip(t[i, 2], z0[i] + half[2], z1[i] - half[2])])
            phi[i] = pack_phi(turn, centre, s_t[i], s_b[i])
        return phi

    def plain_prompt(self, target_name: str, base_name: str) -> str:
        """The relation in its plainest words, for the two objects ("the book under the
        chair")."""
        return PLAIN_WORDS[self.family].format(T=f"the {target_name}", B=f"the {base_name}")

    def passes(self, phi) -> np.ndarray:
        """(K,) bool: which candidates (K, 15) keep the relation; degenerate ones do not."""
        phi = np.atleast_2d(np.asarray(phi, dtype=np.float64))
        ok = np.zeros(len(phi), dtype=bool)
        good = np.flatnonzero(np.isfinite(phi).all(-1))
        try:
            ok[good] = self._accept(phi[good])
        except ValueError:  # a degenerate rotation among them: check one by one
            for i in good:
                try:
                    ok[i] = bool(self._accept(phi[i:i + 1])[0])
                except ValueError:
                    ok[i] = False
        return ok

    def _accept(self, phi) -> np.ndarray:
        ok = np.zeros(len(phi), dtype=bool)
        if not len(phi):
            return ok
        beneath = self.beneath(phi)
        ok[beneath] = _beneath(phi[beneath])
        if (~beneath).any():
            ok[~beneath] = FAMILIES[self.family].accept(phi[~beneath], self.base, self.target)
        return ok


@lru_cache(maxsize=4096)
def relation_check(prompt: str, base_name: str, target_name: str) -> RelationCheck | None:
    """The check for one (prompt, base, target) query, or None when its words state none of
    the relations the reader knows, or state one the objects make into another."""
    reading = read_relation(mark_roles(read_place(prompt)[0], target_name, base_name))
    if reading is None:
        return None
    base, target = _category(base_name), _category(target_name)
    if reading.family == "on" and not _can_rest_on(base, target):
        return None
    if reading.family == "next_to" and "seat" in target.tags and TABLE_LIKE(base):
        return None  # a chair "at the side of" a table is drawn up to it (around)
    family = reading.family
    if family in FUNCTIONAL and not (_paired_by_the_library(family, base, target)
                                     or _can_lean(family, base, target)):
        return None  # a pen "hitting" the wall: the library has no such geometry to check
    if family == "in":  # in an open container, or inside a closed one: the reference tells
        family = _holder(base)
        if family is None:
            return None
    return RelationCheck(family, base, target, reading.words)


# An object this much lower than its reference, or less, may lie under it on the floor it
# stands on (a napkin under the spoon, a rug under the table), the reference resting on it.
THIN_UNDER = 1 / 3
# References with room under them for what fits there (a table's top, a chair's seat).
_ROOM_UNDER = frozenset({"table", "seat"})


def _beneath(phi) -> np.ndarray:
    """(K,) bool: upright objects whose footprint and the reference's lie one within the other,
    give or take a quarter of the smaller (the object under the reference, or the reference over
    the object: a rug larger than the table), wholly below the reference, or thin and lying on
    the floor it stands on."""
    rot, t, s_t, _s_b, he, hb = unpack(phi)
    slack = np.abs(hb - he) + 0.25 * np.minimum(hb, he)
    within = (np.abs(t[:, 0]) <= slack[:, 0]) & (np.abs(t[:, 2]) <= slack[:, 2])
    touch = contact_tol(s_t)
    below = t[:, 1] + he[:, 1] <= -hb[:, 1] + touch
    thin = he[:, 1] <= THIN_UNDER * hb[:, 1]
    on_its_floor = np.abs(t[:, 1] - he[:, 1] + hb[:, 1]) <= touch
    return upright(rot, 10) & within & (below | (thin & on_its_floor))


def _fitted_beneath(phi) -> np.ndarray:
    """Candidates moved under the reference: turned upright about their own heading, moved by
    the least that puts one footprint within the other (a rug centred under a smaller table),
    and a thin object laid on the floor the reference stands on (a napkin standing on its edge
    beside the spoon: flat under it)."""
    rot, t, s_t, s_b, _he, hb = unpack(phi)
    yaw = yaw_of(rot)
    for i in range(len(phi)):
        turn = rot_y(yaw[i:i + 1])[0]
        half = aabb_half(turn[None], s_t[i:i + 1])[0]
        room = np.abs(hb[i] - half)
        centre = np.clip(t[i], -room, room)
        centre[1] = -hb[i, 1] + half[1] if half[1] <= THIN_UNDER * hb[i, 1] else t[i, 1]
        phi[i] = pack_phi(turn, centre, s_t[i], s_b[i])
    return phi


def _can_lean(family: str, base: Category, target: Category) -> bool:
    """A lean against anything that stands on the floor or is a wall, by anything that stands
    on the floor (a backpack against the sofa, a guitar against the armchair): the library's
    lean is two contacts, the floor and the reference, whatever the kinds."""
    return family == "leaning_against" and bool(base.tags & {"leanbase", "furniture", "wall"}) \
        and bool(target.tags & {"leaner", "floor"}) and not target.tags & _NOT_RESTING


def _paired_by_the_library(family: str, base: Category, target: Category) -> bool:
    """Does a library rule give `family` to objects of these kinds (a hammer and a nail, a
    ladder and a wall; not objects of no category)?"""
    return any(rule.family == family and rule.base(base) and rule.target(target)
               for rule in RULES)


def _holder(base: Category) -> str | None:
    """'in' for an open container, 'inside' for a closed one, None when the reference is
    neither, both, or of no known category (a knife "in" the cake cuts it, a plug "in" the
    laptop is plugged into it)."""
    kinds = [f for f, tag in (("in", "container"), ("inside", "enclosure")) if tag in base.tags]
    return kinds[0] if len(kinds) == 1 else None


def _category(name: str) -> Category:
    return library_category(name) or _ANY


def _can_rest_on(base: Category, target: Category) -> bool:
    # A top, a seat, or a flat thing that stacks (a cat on the cushion, a mug on the book, boots
    # on the shoebox); not a wall, a coat rack, a sink, nor an open bowl (on it is in it).
    flat = "stack" in base.tags and "container" not in base.tags
    if base is not _ANY and not (base.tags & {"surface", "seat"} or flat):
        return False
    if target.tags & _NOT_RESTING:
        return False
    return not ("stack" in base.tags and "stack" in target.tags and base.kind == target.kind)


def keeps(prompts, base_names, target_names, phi: np.ndarray) -> np.ndarray:
    """(Q, K) bool: which candidates phi (Q, K, 15) keep the relation their query's words state
    (all of them where the words state none)."""
    out = np.ones(phi.shape[:2], dtype=bool)
    for q, (prompt, base, target) in enumerate(zip(prompts, base_names, target_names,
                                                   strict=True)):
        check = relation_check(prompt, base, target)
        if check is not None:
            out[q] = check.passes(phi[q])
    return out


# How a candidate stands towards the relation its words state, best first.
KEPT, FITTED, BROKEN = 0, 1, 2


def keep_or_fit(check: RelationCheck | None, phi: np.ndarray) -> np.ndarray:
    """(K,) KEPT, FITTED or BROKEN for candidates phi (K, 15): keeping the checked relation as
    sampled, keeping it once moved onto the support (RelationCheck.fitted, done in place), or
    not. All KEPT without a check."""
    standing = np.full(len(phi), KEPT)
    if check is None:
        return standing
    kept = check.passes(phi)
    standing[~kept] = BROKEN
    check.settled(phi, kept)  # an "under" on the floor: exactly on it
    if not kept.all():
        fitted = check.fitted(phi[~kept])
        now = check.passes(fitted)
        rows = np.flatnonzero(~kept)[now]
        phi[rows] = fitted[now]
        standing[rows] = FITTED
    return standing


def fit_and_keep(prompts, base_names, target_names, phi: np.ndarray) -> np.ndarray:
    """(Q, K) KEPT, FITTED or BROKEN (keep_or_fit) for candidates phi (Q, K, 15), one query per
    prompt, fitted in place."""
    return np.stack([keep_or_fit(relation_check(*query), rows) for query, rows in zip(
        zip(prompts, base_names, target_names, strict=True), phi, strict=True)])


def checked_order(energy: np.ndarray, standing: np.ndarray) -> np.ndarray:
    """Candidate indices best first: KEPT, then FITTED, then BROKEN (keep_or_fit; a bool array
    reads True as KEPT, False as BROKEN), each group by ranking energy (lower first)."""
    standing = np.asarray(standing)
    if standing.dtype == bool:
        standing = np.where(standing, KEPT, BROKEN)
    return np.lexsort((np.asarray(energy, dtype=np.float64), standing))
