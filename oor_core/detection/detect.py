"""Detect an object's up and front axes from its mesh, its transform and its category.

Up: how the object looks now (the importer's turn is on the object, so an upright import looks
upright), how it could stand (support polygon, centre of mass), and the library's proportions for
its category. Front: the file conventions (Y-up files face +Z, as glTF and OBJ exporters write
them; Z-up files face -Y, as Blender and robotics packages do), mirror symmetry (the front lies
in the mirror plane) and the category's working side (a seat's open side, a spout, a blade's
tip and edge). Each guess carries a confidence in [0, 1] and the reason that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.axes import local_to_canonical_rotation
from ..relations.category_table import library_category
from . import front_cues
from .axes6 import AXES, index_and_sign, opposite, perpendicular, vector
from .category_prior import proportion_fit, working_part
from .local_mesh import LocalMesh
from .support import standing_scores
from .symmetry import mirror_scores

# Scores are in [0, 1], cues in [-1, 1]. Values chosen on the 307 catalogue models of Debian's
# sweethome3d-furniture (truth from the catalogue), never on the repository's test meshes.
# Up:
UPRIGHT_COSINE = 0.9  # an axis this close to world up is the one the object is shown with
STANDS_WELL = 0.45  # the other convention must stand at least this well to take over ...
TIPS_OVER = 0.5  # ... and the pose shown stand at most this share as well as it
PROPORTIONS_CLEARLY = 0.5  # how much better a known category's proportions must fit
BOX_LIKE = 0.15  # no side thinner than this share of the longest: a box, not a board
LAID_FLAT = 2.5  # a box standing on its end is at least this many times taller than laid flat
STANDS, PROPORTIONS = 1.0, 1.0  # an object shown tilted: weights of the geometric evidence
LOOKS = 0.5  # ... and of how near an axis is to world up
FILE_UP = {"POS_Z": 0.2, "POS_Y": 0.1}  # ... ties go to the conventions (Blender, glTF/OBJ)
# Front:
CONVENTION, MIRROR, WORKING_SIDE = 0.6, 0.5, 1.0
PART_CONVENTION = 0.25  # share of CONVENTION left where a working part decides the front
LOW_CONFIDENCE = 0.15  # below this the report says the axis was guessed
_WORLD_UP, _WORLD_FRONT = np.array([0.0, 0.0, 1.0]), np.array([0.0, -1.0, 0.0])


@dataclass(frozen=True)
class AxisGuess:
    up: str
    front: str
    up_confidence: float
    front_confidence: float
    up_reason: str
    front_reason: str
    working_part: str = ""  # "edge", "spout", ... where the category has one
    working_confidence: float = 1.0

    @property
    def guessed(self) -> list[str]:
        """Which axes were decided on weak evidence (for the user's report)."""
        weak = []
        if self.up_confidence < LOW_CONFIDENCE:
            weak.append("up")
        if self.front_confidence < LOW_CONFIDENCE:
            weak.append("front")
        if self.working_part and self.working_confidence < LOW_CONFIDENCE:
            weak.append(self.working_part)
        return weak


def _world_direction(world_matrix: np.ndarray, axis: str) -> np.ndarray:
    direction = np.asarray(world_matrix, dtype=np.float64)[:3, :3] @ vector(axis)
    norm = float(np.linalg.norm(direction))
    return direction / norm if norm > 0.0 else direction


def _front_rule(category, part_hint: str = ""):
    """The mesh cue that tells this category's front, and the part it names (or None). An
    object the library does not know uses the part its relation needs (`part_hint`)."""
    part = working_part(category) if category is not None else part_hint
    if category is None and not part:
        return None, ""
    if part == "edge":
        return front_cues.thin_end_at_front, part
    if part == "spout":
        return front_cues.spout_at_front, part
    if category is None:
        return None, ""
    if category.kind in ("spoon", "fork"):
        return front_cues.wide_end_at_front, ""
    if "seat" in category.tags or category.kind == "laptop":
        return front_cues.tall_part_at_back, ""
    if category.kind == "lamp":
        return front_cues.tall_part_at_front, ""
    if "furniture" in category.tags or category.kind in ("cabinet", "tall cabinet", "shelf",
                                                          "desk", "table"):
        return front_cues.open_side_at_front, ""
    return None, ""


def _margin(scores: dict[str, float], weight: float) -> float:
    ordered = sorted(scores.values(), reverse=True)
    return float(np.clip((ordered[0] - ordered[1]) / weight, 0.0, 1.0))


def detect_up(mesh: LocalMesh, world_matrix, category) -> tuple[str, float, str]:
    """The side that is up: as the object is shown, unless it is shown in a pose it cannot hold
    while the other file convention (Y-up <-> Z-up) would stand it up; geometry alone decides
    for an object shown tilted."""
    scale = np.linalg.norm(np.asarray(world_matrix, dtype=np.float64)[:3, :3], axis=0)
    stands = standing_scores(mesh, scale)
    extent = (mesh.bounds[1] - mesh.bounds[0]) * scale
    fits = {}
    for axis in AXES:
        index, _ = index_and_sign(axis)
        across = tuple(float(extent[k]) for k in range(3) if k != index)
        fits[axis] = (proportion_fit(category, float(extent[index]), across)
                      if category is not None else 0.0)
    looks = {axis: float(_world_direction(world_matrix, axis) @ _WORLD_UP) for axis in AXES}
    shown = max(looks, key=looks.get)
    if looks[shown] >= UPRIGHT_COSINE:
        other = {"POS_Y": "POS_Z", "POS_Z": "POS_Y"}.get(shown)
        if other is not None and _cannot_hold(shown, other, stands, fits, category):
            return other, 0.5, ("it cannot rest as shown; its file's other axis convention "
                                "stands it up")
        if shown == "POS_Y" and category is None and stands[other] >= STANDS_WELL \
                and _box_laid_flat(shown, other, extent):
            return other, 0.2, ("a box laid flat by its file's axis convention; boxes are "
                                "made to stand on their end")
        doubt = max(stands[other] - stands[shown], 0.0) if other else 0.0
        return shown, 1.0 - 0.5 * doubt, "it is upright in the scene"
    scores = {axis: STANDS * stands[axis] + PROPORTIONS * fits[axis]
              + LOOKS * max(0.0, looks[axis]) + FILE_UP.get(axis, 0.0) for axis in AXES}
    up = max(scores, key=scores.get)
    reason = "it stands on that side" if stands[up] >= fits[up] else \
        f"a {category.name} has these proportions"
    return up, _margin(scores, STANDS + PROPORTIONS + LOOKS), reason


def _cannot_hold(shown: str, other: str, stands, fits, category) -> bool:
    """Shown in a pose it cannot hold (a can on its rounded side, a tray on its rim) while the
    other convention stands it on a base, or a known category clearly shaped the other way."""
    if stands[other] >= STANDS_WELL and stands[shown] <= TIPS_OVER * stands[other]:
        return category is None or fits[other] >= fits[shown] - PROPORTIONS_CLEARLY
    return (category is not None and fits[other] - fits[shown] >= PROPORTIONS_CLEARLY
            and stands[other] >= stands[shown])


def _box_laid_flat(shown: str, other: str, extent) -> bool:
    """A box-like object of no known category (a cereal or tea box) that a Y-up importer laid on
    its largest face while the Z-up reading stands it on its end (a slab made in Blender, shown
    Z-up, is left alone). Added after the real-asset set's cereal
    box; on the 307 catalogue models it changed nothing as imported and stood up 4 more of the
    Z-up files laid flat."""
    shown_height = float(extent[index_and_sign(shown)[0]])
    other_height = float(extent[index_and_sign(other)[0]])
    return (float(extent.min()) >= BOX_LIKE * float(extent.max())
            and shown_height == float(extent.min()) and other_height >= LAID_FLAT * shown_height)


def _convention_front(up: str, world_matrix) -> str:
    if up == "POS_Y":
        return "POS_Z"  # Y-up files (OBJ, glTF, Sweet Home 3D) face +Z
    if up == "POS_Z":
        return "NEG_Y"  # Z-up files (Blender, robotics packages) face -Y
    candidates = perpendicular(up)
    return max(candidates, key=lambda a: float(_world_direction(world_matrix, a) @ _WORLD_FRONT))


def _longest_across(mesh: LocalMesh, up: str) -> int:
    extent = mesh.bounds[1] - mesh.bounds[0]
    index, _ = index_and_sign(up)
    return max((k for k in range(3) if k != index), key=lambda k: extent[k])


def detect_axes(mesh: LocalMesh, world_matrix, category_name: str = "",
                part_hint: str = "") -> AxisGuess:
    """`part_hint`: 'spout' or 'edge' where the relation needs one (used when the library does
    not know the category)."""
    category = library_category(category_name) if category_name else None
    up, up_confidence, up_reason = detect_up(mesh, world_matrix, category)
    rule, part = _front_rule(category, part_hint)
    mirror = mirror_scores(mesh)
    convention = _convention_front(up, world_matrix)
    is_long = part == "edge" or (category is not None and category.shape == "long")
    long_axis = _longest_across(mesh, up) if is_long else None
    # File conventions put a model's front where a catalogue shows it, not at its spout.
    convention_weight = CONVENTION * (PART_CONVENTION if part else 1.0)
    scores, cue_of = {}, {}
    for front in perpendicular(up):
        front_index, _ = index_and_sign(front)
        points = mesh.surface_points @ local_to_canonical_rotation(up, front).T
        right_index = int(np.argmax(np.abs(np.cross(vector(up), vector(front)))))
        cue_of[front] = rule(points) if rule is not None else 0.0
        score = convention_weight * (front == convention) + WORKING_SIDE * cue_of[front]
        if long_axis is not None:
            score += MIRROR * (1.0 if front_index == long_axis else -1.0)
        else:
            score += MIRROR * (mirror[right_index] - mirror[front_index])
        scores[front] = score
    front = max(scores, key=scores.get)
    front_confidence = _margin(scores, CONVENTION + MIRROR + 2 * WORKING_SIDE)
    if rule is not None and abs(cue_of[front]) >= LOW_CONFIDENCE and front != convention:
        front_reason = (f"the mesh shows a {category.name}'s front there" if category
                        else f"the mesh shows its {part} there")
    elif front == convention:
        front_reason = "the file's axis convention"
    else:
        front_reason = "its mirror symmetry"
    working_confidence = abs(cue_of[front]) if rule is not None else 1.0
    if part == "edge":
        cue = knife_edge_side(mesh, up, front)
        up, working_confidence = (up if cue >= 0.0 else opposite(up)), abs(cue)
    return AxisGuess(up, front, up_confidence, front_confidence, up_reason, front_reason,
                     part, float(np.clip(working_confidence, 0.0, 1.0)))


def knife_edge_side(mesh: LocalMesh, up: str, front: str) -> float:
    """Positive when a knife's edge is at canonical -x (as the library keeps it) in this frame,
    negative when the frame should be turned over (up reversed: a knife lies on either face)."""
    points = mesh.surface_points @ local_to_canonical_rotation(up, front).T
    return front_cues.edge_on_left(points)
