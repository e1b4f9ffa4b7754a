# SPDX-License-Identifier: GPL-3.0-or-later
"""Operators, one per module; each module lists its classes in CLASSES."""

import bpy

from . import (
    add_object,
    add_relation_row,
    apply_relation,
    arrange_scene,
    capture_relation,
    change_context,
    cycle_candidate,
    describe_scene,
    detect_axes,
    finetune_model,
    measure_relation,
    move_relation_row,
    refine_arrangement,
    remove_relation_row,
    reset_relation,
    snap_to_contact,
    suggest_relations,
    swap_objects,
    use_recent_prompt,
    your_relations,
)

_MODULES = (apply_relation, cycle_candidate, reset_relation, snap_to_contact, capture_relation,
            measure_relation, swap_objects, use_recent_prompt, add_relation_row,
            remove_relation_row, move_relation_row, arrange_scene, refine_arrangement,
            change_context, add_object, detect_axes, describe_scene, suggest_relations,
            your_relations, finetune_model)


def _classes():
    return [cls for module in _MODULES for cls in module.CLASSES]


def register():
    for cls in _classes():
        bpy.utils.register_class(cls)


def unregister():
    from ..bridge import finetune_worker

    finetune_worker.stop_current()  # a fine-tune of a disabled add-on would activate nothing
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
