"""Category names from object names: 'Coffee_Cup.001' -> 'coffee cup'."""

from __future__ import annotations

import re

_BLENDER_SUFFIX = re.compile(r"\.\d{3,}$")  # Blender's duplicate suffix: .001, .002, ...
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def category_from_object_name(name: str) -> str:
    """Readable category from an object name; 'object' when nothing readable is left."""
    name = _BLENDER_SUFFIX.sub("", name)
    name = _CAMEL.sub(" ", name)
    name = re.sub(r"[\d_\-.]+", " ", name)
    words = name.lower().split()
    return " ".join(words) if words else "object"
