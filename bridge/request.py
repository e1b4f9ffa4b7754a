# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate a base/target/prompt triple before any work, and read what the model needs.

Every refusal names the object or the prompt and says why; nothing in the scene changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..oor_core.geometry.placement import known_scales
from ..oor_core.language.roles import read_roles
from ..oor_core.language.working_parts import part_the_prompt_needs
from ..oor_core.model.prompt_text import PromptError, clean_prompt
from .objects import BridgeError, object_category, transform_warnings
from .scene_objects import SceneObject, read_object


class RequestError(ValueError):
    """Bad input for a relation; the message is shown to the user as is."""


@dataclass(frozen=True)
class RelationRequest:
    base: SceneObject
    target: SceneObject
    prompt: str
    known_scales: np.ndarray  # (6,) [s_T->B, s_B] of the objects as they are
    swapped: bool = False  # the prompt places the object given as base: roles were swapped
    note: str = ""  # how the roles were read, when the user should know

    @property
    def user_note(self) -> str:
        """For the status line: how the roles were read, and any axis guessed from little
        evidence."""
        guessed = [info.axes.note for info in (self.base, self.target)
                   if info.axes and info.axes.note]
        return "; ".join(part for part in (self.note, *guessed) if part)

    @property
    def key(self) -> tuple:
        """Identifies the problem: same key and seed, same candidate world matrices.

        The target's own pose does not matter (only its shape, size and axes); the base's does.
        Axes count: after Detect Axes or an edit in the panel, the candidates are new.
        """
        base_pose = np.asarray(self.base.geometry.world_matrix).flatten()
        frames = tuple((g.up, g.front, *np.round(g.bbox_min, 9), *np.round(g.bbox_max, 9))
                       for g in (self.base.geometry, self.target.geometry))
        return (self.base.name, self.target.name, self.prompt,
                _significant(self.known_scales), tuple(np.round(base_pose, 9)), frames)


def _significant(values, digits: int = 5) -> tuple:
    """Sizes to `digits` significant digits: a target written back to Blender (float32 matrix)
    and read again differs in the 8th digit, and is still the same problem."""
    return tuple(float(f"{float(v):.{digits}g}") for v in values)


def check_prompt(prompt: str) -> str:
    try:
        return clean_prompt(prompt)
    except PromptError as error:
        raise RequestError(str(error)) from None


def check_editable(obj, role: str) -> None:
    if obj.library is not None:
        raise RequestError(f"The {role} '{obj.name}' is linked from '{obj.library.filepath}' "
                           "and cannot be moved; make it local first")
    if obj.override_library is not None and obj.override_library.is_system_override:
        raise RequestError(f"The {role} '{obj.name}' is a non-editable library override; make "
                           "it editable first")


def build_request(base, target, prompt: str, depsgraph=None) -> RelationRequest:
    """Everything checked and read; RequestError otherwise."""
    if base is None or target is None:
        raise RequestError("Choose a base and a target object (select two objects: the active "
                           "one is the base)")
    if base == target:
        raise RequestError(f"'{base.name}' is both base and target; choose two different "
                           "objects")
    text = check_prompt(prompt)
    base, target, note, swapped = placed_by_prompt(base, target, text)
    check_editable(target, "target")
    overrides = transform_warnings(target)
    if overrides:
        raise RequestError(f"The target {overrides[0]}; disable or remove them first")
    try:
        base_info = read_object(base, depsgraph)
        target_info = read_object(target, depsgraph, part_the_prompt_needs(text))
        scales = known_scales(base_info.geometry, target_info.geometry)
    except (BridgeError, ValueError) as error:
        raise RequestError(str(error)) from None
    return RelationRequest(base_info, target_info, text, scales, swapped, note)


def placed_by_prompt(base, target, prompt: str):
    """(base, target, note, swapped): the objects in the roles the prompt gives them ("A mug on
    the table" places the mug, whichever was given as base); the note says what was read."""
    target_category, base_category = object_category(target), object_category(base)
    reading = read_roles(prompt, target_category, base_category)
    note = reading.explain(target_category, base_category)
    return (target, base, note, True) if reading.swap else (base, target, note, False)


def as_requested(base, target, request: RelationRequest):
    """(base, target) objects in the roles the request settled on."""
    return (target, base) if request.swapped else (base, target)
