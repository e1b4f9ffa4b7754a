"""How well an object stands on each of its six sides: support polygon and centre of mass.

An object resting on side -a touches the ground with the points lowest along a; the convex hull
of those points is its support polygon. Standing is plausible when the polygon covers much of
the object's footprint and the centre of mass lies over it (a chair on its four legs, a mug on
its base); a mug on its side touches along a line, a chair upside down on the top of its back.
"""

from __future__ import annotations

import numpy as np

from .axes6 import AXES, index_and_sign
from .hull2d import convex_hull, inside_margin, polygon_area
from .local_mesh import LocalMesh

CONTACT_BAND = 0.005  # of the longest extent: points this close to the lowest one touch the ground
OFF_BALANCE = 0.1  # weight left to a side whose centre of mass falls outside its support


def standing_scores(mesh: LocalMesh, scale: np.ndarray | None = None) -> dict[str, float]:
    """Per signed local axis a: how plausible it is that the object stands with a pointing up,
    in [0, 1]. `scale`: the object's per-axis world scale (a non-uniform scale changes shapes)."""
    factor = np.ones(3) if scale is None else np.abs(np.asarray(scale, dtype=np.float64))
    points = mesh.surface_points * factor
    centroid = mesh.shell_centroid * factor
    extent = points.max(axis=0) - points.min(axis=0)
    band = CONTACT_BAND * float(extent.max())
    scores = {}
    for axis in AXES:
        index, sign = index_and_sign(axis)
        height = sign * points[:, index]
        touching = points[height <= height.min() + min(band, 0.5 * extent[index])]
        across = [k for k in range(3) if k != index]
        footprint = float(extent[across[0]] * extent[across[1]])
        if footprint <= 0.0:
            scores[axis] = 0.0
            continue
        hull = convex_hull(touching[:, across])
        covered = min(1.0, polygon_area(hull) / footprint)
        balanced = inside_margin(hull, centroid[across]) >= 0.0
        scores[axis] = covered * (1.0 if balanced else OFF_BALANCE)
    return scores
