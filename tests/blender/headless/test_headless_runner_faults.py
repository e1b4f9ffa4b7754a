"""The job runner in this process, where faults can be placed exactly: an interrupt inside
Blender's own load handlers, a full disk while writing, a rename that fails while publishing."""

import errno
import json
import os
import pathlib
import signal

import bpy
import pytest

from oor_arrange.bridge.model_service import SERVICE, ModelConfig
from oor_arrange.headless import outputs
from oor_arrange.headless.batch import run_job
from oor_arrange.headless.jobs import Job, JobError
from oor_arrange.headless.signals import BatchInterrupted, InterruptWatch
from scene_helpers import add_box

CUP = ("Table", "Teacup", "A teacup on a table")


def model():
    return SERVICE.get(ModelConfig())


@pytest.fixture
def scene_file(addon, tmp_path):
    add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    add_box("Teacup", (0.08, 0.08, 0.09), location=(2.0, 0.0, 0.0), center=(0, 0, 0.045))
    path = tmp_path / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return path


def leftovers(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_ctrl_c_inside_blenders_load_handlers_still_stops_the_job(scene_file, tmp_path):
    """Blender prints and discards what its load handlers raise; the interrupt is kept."""
    @bpy.app.handlers.persistent
    def ctrl_c_while_loading(*_args):
        os.kill(os.getpid(), signal.SIGINT)

    bpy.app.handlers.load_post.append(ctrl_c_while_loading)
    out = tmp_path / "out"
    try:
        with InterruptWatch() as watch, pytest.raises(BatchInterrupted) as caught:
            run_job(Job(blend=str(scene_file), relations=[CUP], save=str(out / "r.blend")),
                    model, watch)
    finally:
        bpy.app.handlers.load_post.remove(ctrl_c_while_loading)
    assert caught.value.status == 130
    assert not out.exists() or leftovers(out) == []


def test_a_full_disk_while_writing_the_report_publishes_nothing(scene_file, tmp_path,
                                                                monkeypatch):
    out = tmp_path / "out"
    real_write = pathlib.Path.write_text

    def disk_full(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", disk_full)
    job = Job(blend=str(scene_file), relations=[CUP], save=str(out / "r.blend"),
              report=str(out / "r.json"))
    with pytest.raises(JobError, match=r"cannot write .*r\.json: No space left on device"):
        run_job(job, model)
    assert leftovers(out) == []  # the .blend written before it was not published either


def test_a_failed_rename_while_publishing_removes_what_was_published(scene_file, tmp_path,
                                                                     monkeypatch):
    out = tmp_path / "out"
    real_replace = os.replace

    def second_rename_fails(source, destination):
        if str(destination).endswith(".json"):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(destination))
        return real_replace(source, destination)

    monkeypatch.setattr(outputs.os, "replace", second_rename_fails)
    job = Job(blend=str(scene_file), relations=[CUP], save=str(out / "r.blend"),
              report=str(out / "r.json"))
    with pytest.raises(JobError, match="none of this job's outputs were kept"):
        run_job(job, model)
    assert leftovers(out) == []


def test_a_good_job_reports_its_own_file_as_its_scene(scene_file, tmp_path):
    report = tmp_path / "r.json"
    run_job(Job(blend=str(scene_file), relations=[CUP], report=str(report)), model)
    data = json.loads(report.read_text())
    assert data["blend"] == data["scene"] == str(scene_file)
    assert leftovers(tmp_path) == ["r.json", "scene.blend"]
