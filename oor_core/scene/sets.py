"""Sets arranged as sets: objects that share one relation to one base (chairs around a table,
plates on it, books on a shelf) are laid out as a pattern, not as independent samples.

The model still decides what the relation means for one member (how far from the edge a chair
stands, at what height, which way it faces); the pattern decides where each member goes: spread
evenly over the base's sides, at one distance from the edge, squared to the side and facing the
base. The candidates of a scene differ in the pattern (2 + 2, 1 + 2 + 1, 3 + 3, ...), best
first: opposite sides differ by at most one member, no member reaches past a corner, and the
spacing is as even over the used sides as the counts allow. Members resting on the base's top
are laid out in rows along its longer side (one row first, then two, ...), evenly spaced, turned
alike and squared to its edges.

All in the base's instance canonical space (DESIGN.md section 2: x width, y up, z front, unit =
the base's longest edge), on phi vectors (oor_vector.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..geometry.oor_vector import pack_phi, unpack_phi

# Side of the base: (outward normal axis, sign, axis the side runs along), in canonical space.
SIDES = {"front": (2, 1.0, 0), "right": (0, 1.0, 2), "back": (2, -1.0, 0), "left": (0, -1.0, 2)}
# A member faces the base: its front (+z) turned to the inward normal, by yaw about +y.
YAW = {"front": np.pi, "back": 0.0, "right": -np.pi / 2, "left": np.pi / 2}


@dataclass(frozen=True)
class Pattern:
    counts: dict[str, int]  # members per side

    def describe(self) -> str:
        return " + ".join(f"{self.counts[s]} {s}" for s in SIDES if self.counts[s])


def _yaw_matrix(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def is_beside(phis: np.ndarray) -> bool:
    """Do the sampled members stand beside the base (outside its footprint, not on top)?"""
    oor = unpack_phi(np.asarray(phis, dtype=np.float64))
    half = oor.base_scale / 2
    t = oor.translation
    outside = (np.abs(t[:, 0]) > half[:, 0]) | (np.abs(t[:, 2]) > half[:, 2])
    on_top = t[:, 1] > half[:, 1]
    return bool(np.mean(outside & ~on_top) >= 0.5)


def _side_gap(phi: np.ndarray) -> float:
    """How far the member's box stands out from the base's side nearest to it (negative when
    tucked under), in base units."""
    oor = unpack_phi(phi)
    half_base = oor.base_scale / 2
    extents = np.abs(oor.rotation) @ oor.target_scale / 2  # the member's box half extents
    out = np.abs(oor.translation) - half_base - extents
    return float(max(out[0], out[2]))


def patterns(count: int, side_length: dict[str, float], width: float,
             sides: tuple[str, ...] = tuple(SIDES)) -> list[Pattern]:
    """Every way to share `count` members over the base's `sides` (all four by default; "in
    front of" the front alone, "on each side of" left and right) with opposite sides differing
    by at most one where both are used and no side holding more than fit, most even spacing
    first."""
    capacity = {s: int(side_length[s] // max(width, 1e-6)) if s in sides else 0 for s in SIDES}
    found = []
    for front, right, back in itertools.product(range(count + 1), repeat=3):
        left = count - front - right - back
        counts = {"front": front, "right": right, "back": back, "left": left}
        if left < 0 or any(counts[s] > capacity[s] for s in SIDES) or any(
                abs(counts[a] - counts[b]) > 1 for a, b in (("front", "back"), ("left", "right"))
                if a in sides and b in sides):
            continue
        spacing = [side_length[s] / counts[s] for s in SIDES if counts[s]]
        # even spacing first; then members on the long sides (a table's chairs face across)
        unevenness = float(np.std(spacing) / np.mean(spacing))
        short = sum(counts[s] for s in SIDES if side_length[s] < max(side_length.values()))
        found.append((round(unevenness, 6), short, Pattern(counts)))
    found.sort(key=lambda f: (f[0], f[1]))
    return list(dict((p.describe(), p) for *_, p in found).values())


def around(phis: np.ndarray, variants: int, sides: tuple[str, ...] = tuple(SIDES),
           facing: bool = True) -> list[tuple[Pattern, np.ndarray]]:
    """Up to `variants` patterns of the members' sampled phis (M, 15): each the members' phis
    (M, 15) laid out on the base's `sides` at the members' median gap and height, facing the
    base (chairs round a table) or, without `facing`, turned as sampled squared to its edges
    (nightstands on each side of a bed face the way the bed does)."""
    phis = np.asarray(phis, dtype=np.float64)
    oor = unpack_phi(phis)
    half = oor.base_scale[0] / 2
    side_length = {s: 2 * half[SIDES[s][2]] for s in SIDES}
    width = float(np.max(oor.target_scale[:, 0])) * 1.05  # a little air between neighbours
    depth = oor.target_scale[:, 2]
    gap = float(np.clip(np.median([_side_gap(p) for p in phis]), -0.6 * np.max(depth), 0.5))
    height = float(np.median(oor.translation[:, 1]))
    laid = []
    for pattern in patterns(len(phis), side_length, width, sides)[:variants]:
        slots = []
        for side, (normal, sign, along) in SIDES.items():
            k = pattern.counts[side]
            for i in range(k):
                slots.append((side, normal, sign, along, -half[along] + (i + 0.5) *
                              side_length[side] / k))
        out = phis.copy()
        for m, (side, normal, sign, along, offset) in enumerate(slots):
            rotation = _yaw_matrix(YAW[side]) if facing else _square(oor.rotation[m])
            reach = depth[m] / 2 if facing else float((np.abs(rotation) @ oor.target_scale[m])[
                normal] / 2)
            translation = np.zeros(3)
            translation[1] = height
            translation[along] = offset
            translation[normal] = sign * (half[normal] + gap + reach)
            out[m] = pack_phi(rotation, translation, oor.target_scale[m], oor.base_scale[m])
        laid.append((pattern, out))
    return laid


def is_on_top(phis: np.ndarray) -> bool:
    """Do the sampled members rest on the base's top (above it, inside its footprint)?"""
    oor = unpack_phi(np.asarray(phis, dtype=np.float64))
    half = oor.base_scale / 2
    t = oor.translation
    inside = (np.abs(t[:, 0]) <= half[:, 0]) & (np.abs(t[:, 2]) <= half[:, 2])
    return bool(np.mean(inside & (t[:, 1] > half[:, 1])) >= 0.5)


@dataclass(frozen=True)
class Rows:
    counts: tuple[int, ...]  # members per row, back to front

    def describe(self) -> str:
        if len(self.counts) == 1:
            return f"a row of {self.counts[0]}"
        return f"{len(self.counts)} rows of " + " + ".join(map(str, self.counts))


def _square(rotation: np.ndarray) -> np.ndarray:
    """The sampled rotation turned about the vertical to the nearest quarter turn: the member
    squared to the base's edges, standing or lying as sampled."""
    front = rotation @ np.array([0.0, 0.0, 1.0])
    yaw = np.arctan2(front[0], front[2]) if np.hypot(front[0], front[2]) > 1e-6 else 0.0
    return _yaw_matrix(np.round(yaw / (np.pi / 2)) * (np.pi / 2) - yaw) @ rotation


def on_top(phis: np.ndarray, variants: int, keep_free: float = 0.0,
           free_end: float = 1.0) -> list[tuple[Rows, np.ndarray]]:
    """Up to `variants` layouts of members resting on the base's top (M, 15): in one row along
    the top's longer side, then two rows, ...; members evenly spaced along their row, rows
    evenly spaced across the top, all turned alike and squared to the edges, resting on the
    top, their narrower side along the row. A layout whose rows do not fit is not offered.
    `keep_free` (base units) of the row's length stays free at its `free_end` (+1 or -1 along
    it) for other objects on the same top (free_length, into_free_end)."""
    phis = np.asarray(phis, dtype=np.float64)
    oor = unpack_phi(phis)
    half = oor.base_scale[0] / 2
    along = _row_axis(oor.base_scale[0])
    across = 2 - along
    squared = _square(oor.rotation[0])
    # Of the two square turns, the one with the members' narrower side along the row (books
    # spine out on a shelf); for round things either.
    rotation = min((squared, _yaw_matrix(np.pi / 2) @ squared),
                   key=lambda r: float(np.max(np.abs(r) @ (oor.target_scale.T / 2), axis=1)[along]))
    extents = np.abs(rotation) @ (oor.target_scale.T / 2)  # (3, M) half extents, turned alike
    width = 2 * float(np.max(extents[along])) * 1.05  # a little air between neighbours
    depth = 2 * float(np.max(extents[across])) * 1.05
    count = len(phis)
    laid = []
    for rows in range(1, count + 1):
        counts = tuple(count // rows + (1 if r < count % rows else 0) for r in range(rows))
        length = 2 * half[along] - keep_free
        start = -half[along] + (keep_free if free_end < 0 else 0.0)
        if rows * depth > 2 * half[across] or max(counts) * width > length:
            continue
        out, m = phis.copy(), 0
        for r, k in enumerate(counts):
            for i in range(k):
                translation = np.zeros(3)
                translation[along] = start + (i + 0.5) * length / k
                translation[across] = -half[across] + (r + 0.5) * 2 * half[across] / rows
                translation[1] = half[1] + extents[1, m]
                out[m] = pack_phi(rotation, translation, oor.target_scale[m], oor.base_scale[m])
                m += 1
        laid.append((Rows(counts), out))
        if len(laid) == variants:
            break
    return laid


def _frame(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """A member's rotation and centre in the base's space and its longest edge (base units)."""
    oor = unpack_phi(phi)
    return oor.rotation, oor.translation, float(np.max(oor.target_scale))


def in_front_on_base(member_phi: np.ndarray, item_phi: np.ndarray) -> np.ndarray:
    """A place setting: the item (sampled relative to the member, e.g. a plate in front of a
    chair) put on the base's top in front of the member instead, inset from the base's edge by
    its own depth and a margin, square to the side; returned relative to the member, as its
    edge's phi. The member faces the base (around())."""
    rotation, centre, member_unit = _frame(member_phi)
    base = unpack_phi(member_phi).base_scale
    item = unpack_phi(item_phi)
    item_size = item.target_scale * member_unit  # in base units
    facing = rotation @ np.array([0.0, 0.0, 1.0])  # the member's front, towards the base
    normal = int(np.argmax(np.abs(facing[[0, 2]]))) * 2  # the side's normal axis: 0 or 2
    sign = -np.sign(facing[normal])  # which side of the base the member is on
    position = centre.copy()
    position[normal] = sign * (base[normal] / 2 - item_size[2] / 2 - 0.02)
    position[1] = base[1] / 2 + item_size[1] / 2  # resting on the base's top
    relative = rotation.T @ (position - centre) / member_unit
    return pack_phi(np.eye(3), relative, item.target_scale, item.base_scale)


def group_within_support(base_phi: np.ndarray, member_phis: np.ndarray, region) -> np.ndarray:
    """The phi of a base resting on a support (speakers' monitor on the desk), moved by the least
    horizontal distance that keeps its footprint and those of the members set beside it
    (`member_phis`, relative to the base) within `region` = (x0, x1, z0, z1), the support's top
    in support units: a speaker at the monitor's side must not stand past the desk's edge. The
    members follow the base. Unchanged when the group is wider or deeper than the region."""
    base = unpack_phi(base_phi)
    unit = float(np.max(base.target_scale))  # the base's longest edge, in support units
    boxes = [(base.rotation, base.translation, base.target_scale)]
    for phi in np.atleast_2d(member_phis):
        member = unpack_phi(phi)
        boxes.append((base.rotation @ member.rotation,
                      base.translation + unit * (base.rotation @ member.translation),
                      unit * member.target_scale))
    half = [np.abs(rotation) @ size / 2 for rotation, _, size in boxes]
    lo = np.min([centre - h for (_, centre, _), h in zip(boxes, half, strict=True)], axis=0)
    hi = np.max([centre + h for (_, centre, _), h in zip(boxes, half, strict=True)], axis=0)
    x0, x1, z0, z1 = (float(v) for v in region)
    if hi[0] - lo[0] > x1 - x0 or hi[2] - lo[2] > z1 - z0:
        return np.array(base_phi, dtype=np.float64)
    centre = base.translation.copy()
    centre[0] += max(x0 - lo[0], 0.0) - max(hi[0] - x1, 0.0)
    centre[2] += max(z0 - lo[2], 0.0) - max(hi[2] - z1, 0.0)
    return pack_phi(base.rotation, centre, base.target_scale, base.base_scale)


def _row_axis(base_scale: np.ndarray) -> int:
    return 0 if base_scale[0] >= base_scale[2] else 2  # as on_top: along the longer side


def free_length(others: np.ndarray) -> tuple[float, float]:
    """(length, end): how much of a row on the base's top to keep free for `others` (N, 15),
    other objects resting on the same top (a vase beside a row of books), and at which end
    (+1 or -1 along the row): the end nearer where they were sampled."""
    oor = unpack_phi(np.atleast_2d(np.asarray(others, dtype=np.float64)))
    along = _row_axis(oor.base_scale[0])
    extents = np.abs(oor.rotation) @ oor.target_scale[..., None] / 2  # (N, 3, 1)
    length = float(np.sum(2 * extents[:, along, 0])) * 1.05
    end = 1.0 if float(np.mean(oor.translation[:, along])) >= 0 else -1.0
    return length, end


def into_free_end(others: np.ndarray, length: float, end: float) -> np.ndarray:
    """`others` (N, 15) moved side by side into the free end that on_top left them, each kept
    at its sampled place across the row within the top, resting as sampled."""
    others = np.array(np.atleast_2d(others), dtype=np.float64)
    oor = unpack_phi(others)
    half = oor.base_scale[0] / 2
    along = _row_axis(oor.base_scale[0])
    across = 2 - along
    extents = np.abs(oor.rotation) @ oor.target_scale[..., None] / 2
    position = end * half[along] - (end > 0) * length  # the free end's near side
    for n in range(len(others)):
        width = 2 * extents[n, along, 0] * 1.05
        centre = oor.translation[n].copy()
        centre[along] = position + width / 2
        room = max(half[across] - extents[n, across, 0], 0.0)
        centre[across] = float(np.clip(centre[across], -room, room))
        others[n] = pack_phi(oor.rotation[n], centre, oor.target_scale[n], oor.base_scale[n])
        position += width
    return others
