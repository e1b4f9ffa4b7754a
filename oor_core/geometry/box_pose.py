"""Oriented boxes and the OOR relation between two of them (paper Eqs. 1-2 and 5-6).

A BoxPose is an object's tightest box in its canonical orientation, expressed in some parent
space: `rotation` (canonical axes -> space), `center`, and `size` (edge lengths along the
canonical x, y, z). In world space the unit is the metre; in a base's instance canonical space
the unit is the base's longest edge. The same two functions then serve object placement in a
scene and composition along the edges of a scene graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .oor_vector import pack_phi, unpack_phi


class GeometryError(ValueError):
    """An object or relation that has no well-defined OOR geometry."""


@dataclass(frozen=True)
class BoxPose:
    rotation: np.ndarray  # (3, 3) proper rotation
    center: np.ndarray  # (3,)
    size: np.ndarray  # (3,) edge lengths, >= 0

    @property
    def longest_edge(self) -> float:
        return float(np.max(self.size))


def _longest_edge(pose: BoxPose) -> float:
    length = pose.longest_edge
    if not np.isfinite(length) or length <= 0.0:
        raise GeometryError("the base box has no extent (all edges are zero)")
    return length


def relative_phi(base: BoxPose, target: BoxPose) -> np.ndarray:
    """phi of `target` in the instance canonical space of `base` (Eqs. 5-6)."""
    unit = _longest_edge(base)
    rotation = base.rotation.T @ target.rotation
    translation = base.rotation.T @ (target.center - base.center) / unit
    return pack_phi(rotation, translation, target.size / unit, base.size / unit)


def compose(base: BoxPose, phi) -> BoxPose:
    """The target box that `phi` places relative to `base`, in the space `base` lives in (Eq. 2).

    phi's own s_B is not used: the base is where it is, with the size it has.
    """
    unit = _longest_edge(base)
    oor = unpack_phi(phi)
    if np.any(oor.target_scale < 0.0):
        raise GeometryError("the relation has a negative target scale")
    return BoxPose(
        rotation=base.rotation @ oor.rotation,
        center=base.center + unit * (base.rotation @ oor.translation),
        size=unit * oor.target_scale,
    )
