"""What the category library knows about an object's shape: proportions and kind of front.

A name the library has (or whose last word it has: 'bedside lamp' -> 'lamp') gives real-world
sizes along the canonical axes (x width, y height, z depth); an object standing on the right
side has about those proportions whatever its scale. Unknown names give no prior.
"""

from __future__ import annotations

import numpy as np

from ..relations.categories import Category

SHAPE_SLACK = 0.35  # log-ratio outside the library's range that still counts as half a fit


def _log_gap(value: float, low: float, high: float) -> float:
    if value <= 0.0:
        return np.inf
    if value < low:
        return float(np.log(low / value))
    if value > high:
        return float(np.log(value / high))
    return 0.0


def proportion_fit(category: Category, height: float, across: tuple[float, float]) -> float:
    """In (0, 1]: 1 when height : widest footprint side falls in the library's range (and the
    footprint's own aspect too), falling off with the log-ratio outside it."""
    (x_lo, x_hi), (y_lo, y_hi), (z_lo, z_hi) = category.size
    wide, narrow = max(across), min(across)
    if wide <= 0.0:
        return 0.0
    tall_gap = _log_gap(height / wide, y_lo / max(x_hi, z_hi), y_hi / max(x_lo, z_lo))
    aspect_gap = _log_gap(narrow / wide, min(x_lo, z_lo) / max(x_hi, z_hi),
                          min(1.0, min(x_hi, z_hi) / max(x_lo, z_lo)))
    return float(np.exp(-(tall_gap + 0.5 * aspect_gap) / SHAPE_SLACK * np.log(2.0)))


def working_part(category: Category | None) -> str:
    """The side a relation needs that a box cannot show: a knife's 'edge', a side-spouted
    pourer's 'spout'; '' for everything else (a bottle pours from its top)."""
    if category is None:
        return ""
    if category.kind == "knife":
        return "edge"
    if "pourer" in category.tags and category.shape != "round":
        return "spout"
    return ""
