"""The extension as an artist gets it: validated manifest, built zip, installed into Blender."""

import json
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent


def blender_ext(*args, cwd=REPO):
    return subprocess.run([sys.executable, str(REPO / "tools" / "blender_ext.py"), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    result = blender_ext("build", "--source-dir", str(REPO), "--output-dir", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    zips = list(out.glob("oor_arrange-*.zip"))
    assert len(zips) == 1, result.stdout
    return zips[0]


def test_manifest_passes_blenders_validator():
    result = blender_ext("validate", str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_zip_holds_the_addon_and_leaves_dev_files_out(built_zip):
    names = zipfile.ZipFile(built_zip).namelist()
    for required in ("blender_manifest.toml", "__init__.py", "LICENSE", "oor_batch.py",
                     "bridge/objects.py", "headless/cli.py", "operators/__init__.py",
                     "panels/__init__.py", "oor_core/geometry/object_frame.py"):
        assert required in names
    for name in names:
        assert not name.startswith(("tests/", "tools/", ".", "data/", "reports/", "docs/")), name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
    assert "Makefile" not in names and "pyproject.toml" not in names


def test_built_zip_installs_enables_and_uninstalls(built_zip, tmp_path):
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    result = subprocess.run([sys.executable, str(HERE / "install_check.py"), str(built_zip)],
                            env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "install": ["FINISHED"],
        "enabled": True,
        "panel": True,
        "operator": True,
        "preferences": "Settings(model_path='', encoder_path='', cpu_threads=0)",
        "files_installed": True,
        "tests_shipped": False,
        "panel_after_disable": False,
        "files_after_remove": False,
    }
