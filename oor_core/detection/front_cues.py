"""Cues from the mesh for which way an object faces, each read in a candidate canonical frame.

Points come in canonical coordinates (x right, y up, z front) of a candidate frame; a cue returns
a value in [-1, 1]: positive when the mesh says +z really is the front, negative when it says
the back is, near 0 when it cannot tell. The cue of the opposite candidate is the negative.
"""

from __future__ import annotations

import numpy as np

UPPER = 0.6  # share of the height above which a chair's back, a laptop's screen, a lamp's head is
FACE_BAND = 0.03  # share of the depth within which points lie on a box face
FACE_CELLS = 10  # per side of the grid that measures how much of a face is surface
BODY_BAND = (0.3, 0.7)  # share of the height where a pourer's surface is mostly its body
BODY_PERCENTILE = 80  # handle and spout are a small share of the surface at that height
PROTRUDES = 1.15  # beyond this many body half-widths a point belongs to a spout or handle
END_SLICE = 0.25  # share of the length: the two ends of a knife or spoon


def _normalised(points: np.ndarray) -> np.ndarray:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0.0, hi - lo, 1.0)
    return (points - lo) / span - np.array([0.5, 0.0, 0.5])  # x, z in [-.5, .5]; y in [0, 1]


def tall_part_at_back(points: np.ndarray) -> float:
    """Seats and laptops: the backrest or the open screen rises at the back."""
    unit = _normalised(points)
    upper = unit[unit[:, 1] > UPPER]
    if len(upper) == 0:
        return 0.0
    return float(np.clip(-4.0 * upper[:, 2].mean(), -1.0, 1.0))


def tall_part_at_front(points: np.ndarray) -> float:
    """Desk lamps: the head reaches forward over the work."""
    return -tall_part_at_back(points)


def _face_cover(unit: np.ndarray, side: float) -> float:
    on_face = unit[np.abs(unit[:, 2] - 0.5 * side) < FACE_BAND]
    if len(on_face) == 0:
        return 0.0
    cells = np.clip(((on_face[:, [0, 1]] + [0.5, 0.0]) * FACE_CELLS).astype(int), 0,
                    FACE_CELLS - 1)
    return len(np.unique(cells, axis=0)) / FACE_CELLS ** 2


def open_side_at_front(points: np.ndarray) -> float:
    """Cabinets, shelves, desks: the back is one flat panel, the front is open or broken by
    doors, drawers and handles."""
    unit = _normalised(points)
    return float(np.clip(2.0 * (_face_cover(unit, -1.0) - _face_cover(unit, 1.0)), -1.0, 1.0))


def spout_at_front(points: np.ndarray) -> float:
    """Pourers: spout and handle stick out on opposite sides of the body; the spout sits higher
    (at the rim), a handle spans the body's height. The body's width is read at mid-height,
    where the surface is mostly body (a French press's wide foot would hide a small lip)."""
    unit = _normalised(points)
    middle = unit[(unit[:, 1] > BODY_BAND[0]) & (unit[:, 1] < BODY_BAND[1])]
    if len(middle) == 0:
        return 0.0
    centre = float(np.median(middle[:, 2]))
    reach = PROTRUDES * float(np.percentile(np.abs(middle[:, 2] - centre), BODY_PERCENTILE))
    front = unit[unit[:, 2] > centre + reach]
    back = unit[unit[:, 2] < centre - reach]
    if len(front) == 0 and len(back) == 0:
        return 0.0
    front_height = front[:, 1].mean() if len(front) else 0.0
    back_height = back[:, 1].mean() if len(back) else 0.0
    return float(np.clip(3.0 * (front_height - back_height), -1.0, 1.0))


def _end_slices(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return unit[unit[:, 2] > 0.5 - END_SLICE], unit[unit[:, 2] < END_SLICE - 0.5]


def _spread(points: np.ndarray, axis: int) -> float:
    if len(points) < 2:
        return 0.0
    low, high = np.percentile(points[:, axis], [5, 95])
    return float(high - low)


def _front_end_larger(points: np.ndarray, axis: int) -> float:
    """In [-1, 1]: how much larger the front end's spread along `axis` is than the back end's."""
    front, back = _end_slices(_normalised(points))
    at_front, at_back = _spread(front, axis), _spread(back, axis)
    total = at_front + at_back
    return 0.0 if total <= 0.0 else float(np.clip(2.0 * (at_front - at_back) / total, -1, 1))


def thin_end_at_front(points: np.ndarray) -> float:
    """Knives: the blade (front) is thinner than the handle."""
    return -_front_end_larger(points, 1)


def wide_end_at_front(points: np.ndarray) -> float:
    """Spoons, forks, ladles: the working end (bowl, tines) is wider than the handle."""
    return _front_end_larger(points, 0)


def edge_on_left(points: np.ndarray) -> float:
    """Knives lying flat, front at the tip: positive when the cutting edge is on the left (-x),
    where the library keeps it. The edge drops below the handle's line (the heel clears the
    knuckles) while the spine runs on from the handle, and the spine is the thicker side."""
    unit = _normalised(points)
    blade, handle = unit[unit[:, 2] > 0.0], unit[unit[:, 2] < -0.25]
    if len(blade) < 4 or len(handle) < 4:
        return 0.0
    below_left = handle[:, 0].min() - blade[:, 0].min()
    beyond_right = blade[:, 0].max() - handle[:, 0].max()
    reach = float(np.clip(4.0 * (below_left - beyond_right), -1.0, 1.0))
    left, right = blade[blade[:, 0] < np.median(blade[:, 0])], blade[blade[:, 0] >= np.median(
        blade[:, 0])]
    thick_left, thick_right = _spread(left, 1), _spread(right, 1)
    total = thick_left + thick_right
    thinner = 0.0 if total <= 0.0 else (thick_right - thick_left) / total
    return float(np.clip(reach + thinner, -1.0, 1.0))
