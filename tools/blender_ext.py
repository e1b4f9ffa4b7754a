"""Run Blender's own extension tool (build / validate / install-files) from the bpy wheel.

The tool ships inside the PyPI `bpy` module at bpy/<version>/scripts/addons_core/bl_pkg/cli/;
this wrapper finds it so the Makefile and the tests need no hard-coded Blender version.
"""

import pathlib
import runpy
import sys


def blender_ext_path() -> pathlib.Path:
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or spec.origin is None:
        raise SystemExit("the bpy module is not installed; run `make venv` first")
    matches = sorted(pathlib.Path(spec.origin).parent.glob(
        "*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not matches:
        raise SystemExit("Blender's blender_ext.py was not found inside the bpy module")
    return matches[-1]


if __name__ == "__main__":
    tool = blender_ext_path()
    sys.argv = [str(tool), *sys.argv[1:]]
    runpy.run_path(str(tool), run_name="__main__")
