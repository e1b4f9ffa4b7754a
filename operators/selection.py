# SPDX-License-Identifier: GPL-3.0-or-later
"""The base/target pair from the selection: active object = base, the other selected = target."""

from __future__ import annotations


def selected_pair(context):
    """(base, target) or raise ValueError with what the user has to change."""
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


def pair_poll_message(context) -> str | None:
    """Why a pair operator cannot run now, or None."""
    if context.mode != 'OBJECT':
        return "Switch to Object Mode"
    try:
        selected_pair(context)
    except ValueError as error:
        return str(error)
    return None
