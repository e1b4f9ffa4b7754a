# SPDX-License-Identifier: GPL-3.0-or-later
"""Describe Scene: one description -> relation rows between the scene's own objects.

The reading itself is oor_core/language/describe.py (no bpy); here the scene's objects become
what it reads: their categories from their names (as Apply Relation reads them), the words of
their materials ("the red mug") and their real sizes (which object 'it' is in "a mouse to its
right" depends on them).
"""

from __future__ import annotations

import re

import numpy as np

from ..oor_core.language.describe import Description, SceneThing, read_description
from ..oor_core.language.object_names import category_for_object_name
from ..oor_core.language.suggest import Suggestion, suggest_relations
from ..oor_core.model.prompt_text import PromptError, clean_description, clean_prompt
from .objects import BridgeError, as_array, local_bounds
from .relation_rows import RelationRow
from .request import RequestError

GEOMETRY = {'MESH', 'CURVE', 'SURFACE', 'FONT', 'META'}


def describable(obj) -> bool:
    return obj.type in GEOMETRY or (obj.type == 'EMPTY' and obj.instance_type == 'COLLECTION')


def scene_thing(obj) -> SceneThing:
    materials = [slot.material.name for slot in getattr(obj, "material_slots", ())
                 if slot.material is not None]
    words = tuple(dict.fromkeys(w.lower() for name in materials
                                for w in re.split(r"[^A-Za-z]+", name) if len(w) > 2))
    size = max(obj.dimensions) if obj.type in GEOMETRY else 0.0
    return SceneThing(obj.name, category_for_object_name(obj.name), words, size or None)


def describe_rows(description: str, objects) -> tuple[list[RelationRow], Description]:
    """Rows (one per relation the description gives, in its order) and what was read; a
    RequestError when the text is empty or gives no relation between these objects."""
    try:
        text = clean_description(description)
    except PromptError as error:
        raise RequestError(str(error)) from None
    by_name = {obj.name: obj for obj in objects if describable(obj)}
    if len(by_name) < 2:
        raise RequestError("Describe Scene needs at least two objects with geometry (select "
                           "them, or use the whole view layer)")
    result = read_description(text, [scene_thing(obj) for obj in by_name.values()])
    # "the lamp on the desk behind the laptop" puts the laptop on the desk, unless it is there
    result.relations = [r for r in result.relations
                        if not (r.implied and stands_on(by_name[r.target], by_name[r.base]))]
    if not result.relations:
        missing = (f"; not in the scene: {', '.join(result.not_in_scene)}"
                   if result.not_in_scene else "")
        raise RequestError("The description names no two of these objects in a relation "
                           f"(objects: {', '.join(sorted(by_name)[:8])}"
                           f"{'...' if len(by_name) > 8 else ''}){missing}")
    try:
        rows = [RelationRow(by_name[r.base], by_name[r.target], clean_prompt(r.prompt))
                for r in result.relations]
    except PromptError as error:
        raise RequestError(f"A clause of the description: {error}") from None
    return rows, result


RESTING_GAP_M = 0.03  # a bottom this far above a support's top still stands on it


def stands_on(obj, support) -> bool:
    """Does `obj` stand on `support` (or on a shelf within it) already: the centre of its
    footprint over the support's, its bottom above the floor the support stands on (not a bin
    on the floor under the desk) and at most just above its top? Objects without geometry do
    not."""
    try:
        (lo, hi), (s_lo, s_hi) = _world_box(obj), _world_box(support)
    except BridgeError:
        return False
    centre = (lo + hi) / 2
    over = all(s_lo[axis] <= centre[axis] <= s_hi[axis] for axis in (0, 1))
    return over and s_lo[2] + RESTING_GAP_M < lo[2] <= s_hi[2] + RESTING_GAP_M


def _world_box(obj) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = local_bounds(obj)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                        for z in (lo[2], hi[2])])
    matrix = as_array(obj.matrix_world)
    points = corners @ matrix[:3, :3].T + matrix[:3, 3]
    return points.min(axis=0), points.max(axis=0)


def suggest_rows(objects) -> tuple[list[RelationRow], list[Suggestion]]:
    """Suggest Relations: the typical relation of each object, ranked; the largest stays."""
    by_name = {obj.name: obj for obj in objects if describable(obj)}
    if len(by_name) < 2:
        raise RequestError("Suggest Relations needs at least two selected objects with geometry")
    suggestions = suggest_relations([scene_thing(obj) for obj in by_name.values()])
    rows = [RelationRow(by_name[s.base], by_name[s.target], s.prompt) for s in suggestions]
    return rows, suggestions


def summary(result: Description) -> str:
    """What the status line and the batch report say besides the rows."""
    parts = []
    if result.not_in_scene:
        parts.append(f"not in the scene: {', '.join(result.not_in_scene)}")
    if result.unmentioned:
        parts.append(f"not mentioned, left where they are: {', '.join(result.unmentioned)}")
    if result.skipped:
        parts.append("clauses not used: " + "; ".join(f"'{c}'" for c in result.skipped))
    notes = sorted({r.note for r in result.relations if r.note.startswith("'")})
    if notes:
        parts.append("; ".join(notes))
    return ". ".join(parts)
