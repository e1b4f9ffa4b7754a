# SPDX-License-Identifier: GPL-3.0-or-later
"""A Blender object in oor_core's terms: world matrix, local box, axes and category."""

from __future__ import annotations

from dataclasses import dataclass

import bpy

from ..oor_core.geometry.box_pose import GeometryError
from ..oor_core.geometry.object_frame import ObjectGeometry, object_frame
from .frames import ObjectAxes, object_axes
from .objects import BridgeError, evaluated_world_matrix, local_bounds, object_category


@dataclass(frozen=True)
class SceneObject:
    name: str
    category: str
    geometry: ObjectGeometry
    axes: ObjectAxes | None = None


def read_object(obj, depsgraph=None, part_hint: str = "") -> SceneObject:
    """Geometry of a scene object in oor_core's terms; BridgeError names the object on failure.
    An object whose axes were never set or recorded gets them detected here (recorded once a
    relation using them is applied: bridge/frames.remember_axes); `part_hint` names the working
    side its relation needs ('spout' to pour, 'edge' to cut)."""
    if depsgraph is None:
        depsgraph = bpy.context.evaluated_depsgraph_get()
    lo, hi = local_bounds(obj, depsgraph)
    axes = object_axes(obj, depsgraph, part_hint=part_hint)
    geometry = ObjectGeometry(evaluated_world_matrix(obj, depsgraph), lo, hi, axes.up,
                              axes.front)
    try:
        object_frame(geometry)
    except (GeometryError, ValueError) as error:
        raise BridgeError(f"'{obj.name}': {error}") from None
    return SceneObject(obj.name, object_category(obj), geometry, axes)
