"""Categories from object names as users leave them: 'SM_Mug_01', 'mug_low.002', 'Cup (1)',
'Coffee_Cup.001', 'Mesh_23'. Asset-pipeline prefixes and suffixes, numbers, LOD and version tags
are dropped; a known category (or one of its synonyms) in what is left wins; otherwise the
readable words; 'object' when nothing readable is left (the prompt and the sizes then decide).
"""

from __future__ import annotations

import re
from functools import cache

from ..geometry.category_names import category_from_object_name
from ..relations.category_table import CATEGORIES

UNKNOWN = "object"
# Words of asset pipelines, exporters and Blender itself that never name the object.
_NOISE = {"sm", "sk", "bp", "geo", "msh", "mesh", "obj", "object", "model", "prop", "asset",
          "low", "lo", "high", "hi", "lowpoly", "highpoly", "poly", "lod", "final", "new", "copy",
          "export", "fbx", "gltf", "glb", "mat", "material", "base", "body", "main", "group",
          "grp", "node", "instance", "inst", "merged", "joined", "retopo", "v", "ver", "var",
          "variant", "default", "untitled", "cube", "plane", "cylinder", "sphere", "shape",
          "collection", "empty", "part", "piece", "l", "r", "left", "right", "a", "b", "c"}
_LOD = re.compile(r"^(lod|v|ver)\d*$")


@cache
def _known_names() -> dict[str, str]:
    """Every category name and synonym -> its category."""
    known = {}
    for category in CATEGORIES.values():
        for name in category.names:
            known.setdefault(name.lower(), category.name)
    return known


def aliases(name: str) -> tuple[str, ...]:
    """The names a prompt may use for an object of this category (itself first)."""
    category = _known_names().get(name.lower())
    if category is None:
        return (name,)
    names = CATEGORIES[category].names
    return (name, *(n for n in names if n != name))


def singular_forms(word: str) -> list[str]:
    """The word and the singulars it may be the plural of ('knives': 'knife', 'knive', ...)."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("ves") and len(word) > 4:  # knives, shelves
        forms += [word[:-3] + "fe", word[:-3] + "f"]
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    return forms


def category_for_object_name(name: str) -> str:
    """The best category an object name gives, or 'object'."""
    words = [w for w in re.split(r"[\s()\[\]{}#,]+", category_from_object_name(name)) if w]
    words = [w for w in words if w not in _NOISE and not _LOD.match(w) and len(w) > 1]
    if not words:
        return UNKNOWN
    known = _known_names()
    for size in range(min(3, len(words)), 0, -1):  # the longest known run of words wins
        for start in range(len(words) - size + 1):
            head = words[start:start + size - 1]
            for last in singular_forms(words[start + size - 1]):
                for candidate in (" ".join([*head, last]), "".join([*head, last])):
                    if candidate in known:  # 'wine glasses' -> 'wine glass', 'tea pot' -> 'teapot'
                        return candidate
    return " ".join(words)
