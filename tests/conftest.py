"""Test set-up shared by every level: the repository root is importable as `oor_arrange`."""

from __future__ import annotations

import hashlib
import os
import pathlib
import sys
import tempfile

from hypothesis import settings

# Shared, noisy machines (a training run on the other core) make single examples slow now and
# then; hypothesis's per-example deadline would turn that into a failure unrelated to the code.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
# oor_core is imported directly; the add-on itself needs a valid package name, whatever the
# clone's folder is called, so a link named like the installed extension points at the repo.
sys.path.insert(0, str(REPO_ROOT))
for helpers in ("core", "blender"):
    sys.path.insert(0, str(REPO_ROOT / "tests" / helpers))
_CLONE_ID = hashlib.sha1(bytes(REPO_ROOT)).hexdigest()[:10]
_ADDON_PARENT = pathlib.Path(tempfile.gettempdir()) / f"oor_arrange_import_{_CLONE_ID}"
_ADDON_PARENT.mkdir(exist_ok=True)
_ADDON_LINK = _ADDON_PARENT / "oor_arrange"
if not _ADDON_LINK.exists() or _ADDON_LINK.resolve() != REPO_ROOT:
    if _ADDON_LINK.is_symlink() or _ADDON_LINK.exists():
        _ADDON_LINK.unlink()
    _ADDON_LINK.symlink_to(REPO_ROOT, target_is_directory=True)
sys.path.insert(0, str(_ADDON_PARENT))


# bpy 4.5 can deadlock in its own exit handlers (a "delayed close" thread of .blend file I/O
# waits on a condition variable its global destructor destroys) after tests that open .blend
# files. The suite's outcome is known by then: end the process without running those handlers.
_EXIT_STATUS = [0]


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS[0] = int(exitstatus)


def pytest_unconfigure(config):
    if "bpy" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[0])
