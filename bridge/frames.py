# SPDX-License-Identifier: GPL-3.0-or-later
"""Which local axes are an object's up and front: set by hand, or detected from its mesh.

An object whose axes nobody set is detected when it is first used (oor_core.detection); once a
relation using it has been applied, the detection is recorded on the object (Object.oor), so
that later uses agree even after the relation tilted it. A relation that fails records nothing.
The working side of a knife (its edge) or a pourer (its spout) can be given in words; otherwise
it is read from the mesh, also on axes set by hand: a knife lying either face up cuts edge-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..oor_core.detection.axes6 import axis_of, opposite, vector
from ..oor_core.detection.category_prior import working_part
from ..oor_core.detection.detect import AxisGuess, detect_axes, knife_edge_side
from ..oor_core.detection.local_mesh import LocalMesh
from ..oor_core.geometry.axes import AXIS_LABELS, DEFAULT_FRONT, DEFAULT_UP
from ..oor_core.relations.category_table import library_category
from .meshes import local_geometry
from .objects import BridgeError, evaluated_world_matrix, object_category

AXIS_ORDER = tuple(AXIS_LABELS)  # enum item order of Object.oor.up_axis / front_axis
_CACHE_LIMIT = 256
_detections: dict[tuple, AxisGuess] = {}
_edge_sides: dict[tuple, float] = {}  # knives with axes set by hand: which side the edge is


@dataclass(frozen=True)
class ObjectAxes:
    up: str
    front: str
    source: str  # "set" (by hand), "detected" (recorded on the object), "new" (detected now,
    # recorded by remember_axes once the relation is applied)
    guess: AxisGuess | None = None
    note: str = ""  # what a user should know (a guessed axis, a turned-over knife)


def axes_are_set(settings) -> bool:
    """Set by hand; files from before detection existed count as set where they differ from
    the defaults (their axes were chosen by someone)."""
    if settings.axes_source == 'SET':
        return True
    return settings.axes_source == 'AUTO' and (settings.up_axis, settings.front_axis) != (
        DEFAULT_UP, DEFAULT_FRONT)


def _object_key(obj, depsgraph, category: str, part_hint: str) -> tuple:
    """This object with this mesh, category and hint, whatever its pose: the first detection
    sticks until Detect Axes, so a relation that tilted the object does not change its axes."""
    evaluated = obj.evaluated_get(depsgraph)
    data = obj.data.name_full if obj.data is not None else obj.name_full
    corners = tuple(np.round(np.array([list(c) for c in evaluated.bound_box]).ravel(), 6))
    return obj.as_pointer(), obj.name_full, data, obj.type, corners, category, part_hint


def forget_detections() -> None:
    """Drop unrecorded detections (another file was opened, another batch job starts)."""
    _detections.clear()
    _edge_sides.clear()


def detect_object_axes(obj, depsgraph, fresh: bool = False, part_hint: str = "") -> AxisGuess:
    """Detection from the object's mesh and its transform at first use (cached per object and
    mesh; `fresh`: from how it stands now). `part_hint`: the working side the relation needs
    ('spout', 'edge'), for objects the library does not know."""
    category = object_category(obj)
    key = _object_key(obj, depsgraph, category, part_hint)
    if fresh or key not in _detections:
        vertices, triangles = local_geometry(obj, depsgraph)
        if len(vertices) == 0:
            raise BridgeError(f"'{obj.name}' has no geometry to detect its axes from")
        if len(_detections) >= _CACHE_LIMIT:
            _detections.clear()
        _detections[key] = detect_axes(LocalMesh.from_arrays(vertices, triangles),
                                       evaluated_world_matrix(obj, depsgraph),
                                       category, part_hint)
    return _detections[key]


def record_axes(settings, guess: AxisGuess) -> None:
    """Store a detection on the object. Raw ID-property writes: the enums' update callback
    marks axes as set by hand, which a detection is not."""
    settings["up_axis"] = AXIS_ORDER.index(guess.up)
    settings["front_axis"] = AXIS_ORDER.index(guess.front)
    settings.axes_source = 'DETECTED'
    settings.axes_confidence = min(guess.up_confidence, guess.front_confidence)
    settings.axes_reason = f"up: {guess.up_reason}; front: {guess.front_reason}"


def remember_axes(obj, axes: ObjectAxes | None) -> None:
    """Record a detection that an applied relation used (nothing for axes set or recorded)."""
    if obj is not None and axes is not None and axes.source == "new" and axes.guess is not None \
            and obj.oor.axes_source == 'AUTO':
        record_axes(obj.oor, axes.guess)


def object_axes(obj, depsgraph, part_hint: str = "") -> ObjectAxes:
    """The axes a relation uses for `obj`; writes nothing (also safe in a draw callback)."""
    settings = obj.oor
    if axes_are_set(settings) or settings.axes_source == 'DETECTED':
        source = "set" if axes_are_set(settings) else "detected"
        up, front, guess = settings.up_axis, settings.front_axis, None
    else:
        guess = detect_object_axes(obj, depsgraph, part_hint=part_hint)
        source, up, front = "new", guess.up, guess.front
    note = ""
    # A spout or edge guess only matters to a relation that pours or cuts.
    guessed = [axis for axis in (guess.guessed if guess else [])
               if axis in ("up", "front") or axis == part_hint]
    if guessed:
        note = (f"'{obj.name}': {' and '.join(guessed)} guessed from little evidence; "
                "check the Object Axes panel")
    up, front, note = _working_side(obj, depsgraph, up, front, source, note)
    if abs(float(vector(up) @ vector(front))) > 0.5:
        raise BridgeError(f"'{obj.name}': up {AXIS_LABELS[up]} and front {AXIS_LABELS[front]} "
                          "must be perpendicular; fix them in the Object Axes panel")
    return ObjectAxes(up, front, source, guess, note)


def object_working_part(obj) -> str:
    """'edge', 'spout' or '' for the object's category."""
    return working_part(library_category(object_category(obj)))


def _working_side(obj, depsgraph, up: str, front: str, source: str,
                  note: str) -> tuple[str, str, str]:
    """Apply the spout or edge the user named, or read a knife's edge from the mesh where the
    axes were set by hand (a detection has already done so)."""
    side = obj.oor.working_side
    kind = object_working_part(obj)
    if side != 'AUTO' and kind:
        if abs(float(vector(side) @ vector(up))) > 0.5:
            raise BridgeError(f"'{obj.name}': its {kind} ({AXIS_LABELS[side]}) points along its "
                              f"up axis ({AXIS_LABELS[up]}); choose a side across it")
        if kind == "spout":
            return up, side, note
        # Knife: edge at canonical -x, so x = -edge, and up = edge x front keeps it right-handed.
        if abs(float(vector(side) @ vector(front))) > 0.5:
            front = axis_of(np.cross(vector(opposite(side)), vector(up)))
        return axis_of(np.cross(vector(side), vector(front))), front, note
    if kind == "edge" and source == "set" and _edge_side(obj, depsgraph, up, front) < 0.0:
        note = (f"'{obj.name}': its edge is on the other side, so it is used turned over "
                "(set Edge in the Object Axes panel to choose)")
        return opposite(up), front, note
    return up, front, note


def _edge_side(obj, depsgraph, up: str, front: str) -> float:
    """knife_edge_side of the object's mesh in this frame, read once per mesh and frame."""
    key = (*_object_key(obj, depsgraph, object_category(obj), "edge"), up, front)
    if key not in _edge_sides:
        if len(_edge_sides) >= _CACHE_LIMIT:
            _edge_sides.clear()
        vertices, triangles = local_geometry(obj, depsgraph)
        _edge_sides[key] = (knife_edge_side(LocalMesh.from_arrays(vertices, triangles), up,
                                            front) if len(vertices) else 0.0)
    return _edge_sides[key]


def set_axes_by_hand(obj, up: str | None = None, front: str | None = None,
                     working_side: str | None = None) -> None:
    """What the Object Axes panel does; BridgeError (object unchanged) for a pair that is not
    perpendicular."""
    settings = obj.oor
    if up is not None and front is not None:
        if abs(float(vector(up) @ vector(front))) > 0.5:
            raise BridgeError(f"'{obj.name}': up {AXIS_LABELS[up]} and front "
                              f"{AXIS_LABELS[front]} must be perpendicular")
        settings.up_axis, settings.front_axis = up, front
    if working_side is not None:
        settings.working_side = working_side


def detect_again(obj) -> None:
    """Forget recorded or hand-set axes: the next use detects them from the mesh."""
    settings = obj.oor
    settings["up_axis"] = AXIS_ORDER.index(DEFAULT_UP)
    settings["front_axis"] = AXIS_ORDER.index(DEFAULT_FRONT)
    settings.axes_source = 'AUTO'


def axes_report(obj, depsgraph) -> dict:
    """The axes a relation used for `obj`, for batch reports."""
    axes = object_axes(obj, depsgraph)
    settings = obj.oor
    report = {"up": AXIS_LABELS[axes.up], "front": AXIS_LABELS[axes.front],
              "source": "set" if axes_are_set(settings) else "detected"}
    if settings.axes_source == 'DETECTED' and not axes_are_set(settings):
        report["confidence"] = round(float(settings.axes_confidence), 3)
        report["reason"] = settings.axes_reason
    if axes.note:
        report["note"] = axes.note
    return report
