# SPDX-License-Identifier: GPL-3.0-or-later
"""OOR Arrange: arrange objects from text (Blender extension entry point)."""

from . import operators, panels, preferences, properties

# Registration order matters: properties before the operators and panels that read them.
_MODULES = (preferences, properties, operators, panels)


def register():
    for module in _MODULES:
        module.register()


def unregister():
    for module in reversed(_MODULES):
        module.unregister()
