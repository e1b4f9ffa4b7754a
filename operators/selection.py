# SPDX-License-Identifier: GPL-3.0-or-later
"""Which objects an operator works on.

Base and target come from the sidebar pickers when set; otherwise from the selection: the
active object is the base, the other selected object the target.
"""

from __future__ import annotations


def selected_pair(context):
    """(base, target) from the selection, or ValueError saying what to change."""
    selected = list(context.selected_objects)
    active = context.active_object
    if len(selected) != 2:
        count = "nothing is" if not selected else f"{len(selected)} objects are"
        raise ValueError(f"Select exactly two objects ({count} selected): the active one is the "
                         "base, the other the target")
    if active is None or active not in selected:
        raise ValueError("Make one of the two selected objects active: it is the base")
    target = selected[0] if selected[1] == active else selected[1]
    return active, target


def resolve_pair(context):
    """(base, target): the sidebar pickers where set, the selection for the rest."""
    settings = getattr(context.scene, "oor", None)
    base = settings.base if settings else None
    target = settings.target if settings else None
    if base is None or target is None:
        picked_base, picked_target = selected_pair(context)
        base = base or picked_base
        target = target or (picked_target if picked_target != base else picked_base)
    if base == target:
        raise ValueError(f"'{base.name}' is both base and target; choose two different objects")
    return base, target


def pair_poll_message(context) -> str | None:
    """Why a pair operator cannot run now, or None."""
    if context.mode != 'OBJECT':
        return "Switch to Object Mode"
    try:
        resolve_pair(context)
    except ValueError as error:
        return str(error)
    return None


class NeedsPair:
    """Operator mixin: enabled only when a base and a target are chosen; the tooltip says why not.
    """

    @classmethod
    def poll(cls, context):
        message = pair_poll_message(context)
        if message:
            cls.poll_message_set(message)
            return False
        return True
