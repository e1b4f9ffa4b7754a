# SPDX-License-Identifier: GPL-3.0-or-later
"""What the frame overlay draws for an object: its canonical box, up and front arrows and the
working part its category has (spout, blade edge, opening), as world-space line segments.

Computed without writing anything (a draw callback may not write ID data), from the same axes a
relation would use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..oor_core.detection.category_prior import working_part
from ..oor_core.geometry.object_frame import ObjectGeometry, object_frame
from ..oor_core.relations.category_table import library_category
from .frames import object_axes
from .objects import evaluated_world_matrix, local_bounds, object_category

ARROW = 0.35  # arrow length past the box, as a share of the box's longest side
_UNIT_CORNERS = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
_BOX_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8)
              if np.sum(np.abs(_UNIT_CORNERS[a] - _UNIT_CORNERS[b])) == 1.0]


@dataclass
class FrameDrawing:
    box: list = field(default_factory=list)  # segments (p0, p1), world space
    up: list = field(default_factory=list)
    front: list = field(default_factory=list)
    part: list = field(default_factory=list)
    part_name: str = ""


def _arrow(start: np.ndarray, direction: np.ndarray, length: float, side: np.ndarray) -> list:
    tip = start + direction * length
    head = 0.2 * length
    return [(start, tip), (tip, tip - direction * head + side * 0.5 * head),
            (tip, tip - direction * head - side * 0.5 * head)]


def _rectangle(points: list) -> list:
    return [(points[k], points[(k + 1) % len(points)]) for k in range(len(points))]


def frame_drawing(obj, depsgraph) -> FrameDrawing:
    lo, hi = local_bounds(obj, depsgraph)
    axes = object_axes(obj, depsgraph)
    world = evaluated_world_matrix(obj, depsgraph)
    pose = object_frame(ObjectGeometry(world, lo, hi, axes.up, axes.front)).pose
    rotation, center, size = pose.rotation, pose.center, pose.size

    def at(unit_point) -> np.ndarray:  # unit-cube coordinates of the canonical box -> world
        return center + rotation @ (np.asarray(unit_point, dtype=np.float64) * size)

    drawing = FrameDrawing()
    corners = [at(c) for c in _UNIT_CORNERS]
    drawing.box = [(corners[a], corners[b]) for a, b in _BOX_EDGES]
    reach = ARROW * float(size.max())
    drawing.up = _arrow(at([0, 0.5, 0]), rotation[:, 1], reach, rotation[:, 2])
    drawing.front = _arrow(at([0, 0, 0.5]), rotation[:, 2], reach, rotation[:, 1])
    category = library_category(object_category(obj))
    part = working_part(category)
    if part == "spout":
        x, y, z = category.part("spout")
        drawing.part = _arrow(at([x, y, z]), rotation[:, 2], 0.5 * reach, rotation[:, 1])
    elif part == "edge":
        drawing.part = [(at([-0.5, 0.0, 0.5]), at([-0.5, 0.0, -0.1]))]
    elif category is not None and ("opening" in category.parts or "container" in category.tags):
        half_x, half_z, _depth = category.part("opening")
        drawing.part = _rectangle([at([sx * half_x, 0.5, sz * half_z])
                                   for sx, sz in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
        part = "opening"
    drawing.part_name = part
    return drawing
