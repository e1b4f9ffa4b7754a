"""requirements.lock: one set of pins for the venv the tests run in and the wheels that ship."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture(scope="module")
def tools():
    sys.path.insert(0, str(TOOLS))
    try:
        import build_extension
        import pinned_requirements
    finally:
        sys.path.remove(str(TOOLS))
    return pinned_requirements, build_extension


def test_every_pyproject_pin_agrees_with_the_lock(tools):
    pins, _ = tools
    lock = pins.read_lock()
    for requirement in pins.pyproject_pins():
        name, _, version = requirement.partition("==")
        assert lock.get(pins.normalise(name)) == version, requirement


def test_every_bundled_wheel_is_locked(tools):
    pins, build = tools
    assert set(build.RUNTIME_PACKAGES) <= set(pins.read_lock())


def test_this_venv_holds_the_locked_versions(tools):
    """What `make venv` installs; a stale venv is named here, not deep in the extension build."""
    pins, _ = tools
    installed = pins.installed_versions()
    stale = {name: (version, installed[name]) for name, version in pins.read_lock().items()
             if name in installed and installed[name] != version}
    assert not stale, f"{stale} (locked, installed): run `make venv`"


def test_lock_output_is_normalised_and_reads_back(tools, tmp_path):
    pins, _ = tools
    text = subprocess.run([sys.executable, str(TOOLS / "pinned_requirements.py"), "--lock"],
                          capture_output=True, text=True, check=True).stdout
    (tmp_path / "lock").write_text(text)
    read = pins.read_lock(tmp_path / "lock")
    assert read == pins.installed_versions()
    assert "torch" in read and "+" not in read["torch"]  # the '+cpu' build label is dropped
    assert all(name == pins.normalise(name) for name in read)
    assert pins.normalise("PyYAML") == "pyyaml" and pins.normalise("typing_extensions") == \
        "typing-extensions"
