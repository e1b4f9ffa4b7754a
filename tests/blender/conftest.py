"""Real Blender (the PyPI bpy module): register the add-on around each test.

The bpy module hangs at interpreter exit while add-on classes are registered (DESIGN.md section 6),
so registration is always undone in a teardown, with a last check at session end.
"""

from __future__ import annotations

import os

import bpy
import pytest

import oor_arrange
import scene_helpers


def pytest_sessionfinish(session, exitstatus):
    if scene_helpers.is_registered():
        scene_helpers.unregister_addon()


@pytest.fixture(scope="session", autouse=True)
def private_user_folder(tmp_path_factory):
    """The add-on's user folder (captures, fine-tuned models, the model in use) is a fresh one:
    a fine-tune made on this machine by hand never changes what the tests' Apply Relation uses."""
    if "OOR_ARRANGE_USER_DIR" not in os.environ:
        os.environ["OOR_ARRANGE_USER_DIR"] = str(tmp_path_factory.mktemp("oor-user"))
        yield
        os.environ.pop("OOR_ARRANGE_USER_DIR", None)
    else:
        yield


@pytest.fixture
def addon():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene_helpers.register_addon()
    try:
        yield oor_arrange
    finally:
        scene_helpers.unregister_addon()
