# SPDX-License-Identifier: GPL-3.0-or-later
"""Operators, one per module; each module lists its classes in CLASSES."""

import bpy

from . import measure_relation

_MODULES = (measure_relation,)


def _classes():
    return [cls for module in _MODULES for cls in module.CLASSES]


def register():
    for cls in _classes():
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
