"""The layers of docs/ARCHITECTURE.md, read from the source: who may import whom, and no circles.

Every import counts, also those inside functions (a lazy import still ties two modules together).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOT_ADDON = {"tests", "tools", "wheels", "docs", "reports", "assets", "data", "out", "build",
             "dist"}

# Layer of a module -> the layers it may import (its own always included). Data flows one way:
# panels -> operators -> bridge -> oor_core, headless -> bridge -> oor_core; inside the engine,
# geometry is the floor and evaluation the top.
ALLOWED = {
    "addon": {"operators", "panels", "ui_settings"},  # __init__.py: register() and nothing else
    "ui_settings": {"bridge", "oor_core"},  # preferences.py, properties.py
    "panels": {"operators", "bridge", "ui_settings", "oor_core"},
    "operators": {"bridge", "ui_settings", "oor_core"},
    "headless": {"addon", "bridge", "oor_core"},  # registers the add-on around a batch
    "bridge": {"oor_core"},
    "entry": set(),  # oor_batch.py finds its package at run time
    "oor_core": {"oor_core.geometry"},  # errors.py and dataset.py: shared leaves
    "oor_core.geometry": {"oor_core"},
    "oor_core.language": {"oor_core", "oor_core.geometry", "oor_core.relations"},
    "oor_core.relations": {"oor_core", "oor_core.geometry"},
    "oor_core.detection": {"oor_core", "oor_core.geometry", "oor_core.relations"},
    "oor_core.model": {"oor_core", "oor_core.geometry", "oor_core.language"},
    "oor_core.scene": {"oor_core", "oor_core.geometry", "oor_core.model"},
    "oor_core.training": {"oor_core", "oor_core.geometry", "oor_core.language",
                          "oor_core.model", "oor_core.relations"},
    "oor_core.evaluation": {"oor_core", "oor_core.geometry", "oor_core.language",
                            "oor_core.model", "oor_core.relations", "oor_core.scene",
                            "oor_core.training"},
}
BLENDER_MODULES = {"bpy", "mathutils", "bmesh", "gpu", "bpy_extras", "bl_math"}


def addon_files() -> list[Path]:
    files = []
    for path in REPO.rglob("*.py"):
        parts = path.relative_to(REPO).parts
        if parts[0] in NOT_ADDON or any(p.startswith(".") for p in parts):
            continue
        files.append(path)
    return sorted(files)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module == "":
        return "addon"
    if module in ("preferences", "properties"):
        return "ui_settings"
    if module == "oor_batch":
        return "entry"
    head, _, rest = module.partition(".")
    if head == "oor_core":
        sub = rest.partition(".")[0]
        return f"oor_core.{sub}" if sub and (REPO / "oor_core" / sub).is_dir() else "oor_core"
    return head


def known(module: str) -> bool:
    base = REPO.joinpath(*module.split(".")) if module else REPO
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, modules: set[str]) -> tuple[set[str], set[str]]:
    """(project modules imported, third-party top-level names imported) by one file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    project, external = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                (project if target.split(".")[0] == "oor_core" else external).add(
                    target if target.split(".")[0] == "oor_core" else target.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                head = (node.module or "").split(".")[0]
                if head == "oor_core":
                    base = node.module
                else:
                    external.add(head)
                    continue
            else:
                parts = package.split(".") if package else []
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:  # `from . import module` names a module, not the package
                sub = f"{base}.{alias.name}" if base else alias.name
                project.add(sub if sub in modules else base)
    return {m for m in project if known(m)}, external


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = addon_files()
    modules = {module_name(f) for f in files}
    return {module_name(f): imports_of(f, modules)[0] - {module_name(f)} for f in files}


def test_every_import_goes_down_the_layers(graph):
    wrong = []
    for module, targets in graph.items():
        layer = layer_of(module)
        for target in targets:
            target_layer = layer_of(target)
            if not layer.startswith("oor_core") and target_layer.startswith("oor_core"):
                target_layer = "oor_core"  # the add-on may call any part of the engine
            if target_layer != layer and target_layer not in ALLOWED[layer]:
                wrong.append(f"{module or '__init__'} ({layer}) imports {target} ({target_layer})")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_circles(graph):
    # Tarjan's strongly connected components: any component of two or more modules is a circle.
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not circles, circles


def test_the_engine_never_imports_blender():
    files = [f for f in addon_files() if module_name(f).startswith("oor_core")]
    modules = {module_name(f) for f in addon_files()}
    offenders = {module_name(f): sorted(imports_of(f, modules)[1] & BLENDER_MODULES)
                 for f in files}
    assert not {m: names for m, names in offenders.items() if names}


def test_the_graph_sees_relative_lazy_and_package_imports(graph):
    """The checker reads what the rules are about: relative imports two levels up, imports
    inside functions, `from . import module`; otherwise the tests above would pass vacuously."""
    assert "oor_core.model.inference" in graph["bridge.model_service"]  # lazy, inside a function
    assert "bridge.objects" in graph["bridge.pair"]
    assert {"operators", "panels"} <= graph[""]  # __init__: from . import operators, panels
    assert "oor_core.geometry.oor_vector" in graph["oor_core.relations.frames"]
    assert layer_of("oor_core.errors") == "oor_core"
    assert "bridge" not in ALLOWED[layer_of("oor_core.model.inference")]
