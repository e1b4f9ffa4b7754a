# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless OOR Arrange: apply relations to .blend files without the UI.

    blender -b [scene.blend] --python oor_batch.py -- ARGS
    python oor_batch.py ARGS                      (PyPI bpy module)

ARGS: --blend IN.blend  --relation BASE TARGET "PROMPT"  --seed N  --mode sample|refine
      --save OUT.blend  --report OUT.json  --demo  --jobs FILE.jsonl   (see --help)
"""

import importlib.util
import os
import sys
from pathlib import Path


def _addon_package():
    """The add-on package this file belongs to, whatever its folder or module is called."""
    if __package__:  # imported as part of an installed extension (bl_ext.<repo>.oor_arrange)
        return importlib.import_module(__package__)
    here = Path(__file__).resolve().parent
    for name, module in list(sys.modules.items()):
        if name.endswith("oor_arrange") and Path(getattr(module, "__file__", "") or "").parent \
                == here:
            return module
    spec = importlib.util.spec_from_file_location("oor_arrange", here / "__init__.py",
                                                  submodule_search_locations=[str(here)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["oor_arrange"] = module
    spec.loader.exec_module(module)
    return module


def _arguments(argv):
    # Under `blender --python oor_batch.py -- ARGS` Blender's own arguments come first.
    return argv[argv.index("--") + 1:] if "--" in argv else argv[1:]


if __name__ == "__main__":
    package = _addon_package()
    cli = importlib.import_module(package.__name__ + ".headless.cli")
    status = cli.main(_arguments(sys.argv))
    if "ray" in sys.modules:
        # After --workers the interpreter's exit handlers (Ray's and bpy's together) hang for
        # minutes: the work is reported and the add-on unregistered, so end here.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
