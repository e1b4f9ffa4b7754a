"""oor_batch.py as users run it: a subprocess on saved .blend files."""

import json
import pathlib
import subprocess
import sys

import bpy
import numpy as np
import pytest

from scene_helpers import add_box

REPO = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = REPO / "oor_batch.py"


def run_batch(*args, timeout=300):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def tea_scene(tmp_path):
    """A saved scene: table, cup on the floor beside it, a vase; no add-on registered."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Table", (1.2, 0.8, 0.75), location=(0.3, 0.2, 0.0), rotation=(0, 0, 15),
            center=(0, 0, 0.375))
    add_box("Teacup", (0.08, 0.08, 0.09), location=(2.0, 0.0, 0.0), center=(0, 0, 0.045))
    add_box("Vase", (0.12, 0.12, 0.3), location=(-2.0, 0.0, 0.0), center=(0, 0, 0.15))
    path = tmp_path / "tea.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return path


def load_objects(path):
    bpy.ops.wm.open_mainfile(filepath=str(path))
    bpy.context.view_layer.update()
    return bpy.data.objects


def world_box(obj):
    world = np.array(obj.matrix_world)
    corners = np.array([list(c) for c in obj.bound_box]) @ world[:3, :3].T + world[:3, 3]
    return corners.min(axis=0), corners.max(axis=0)


def describe_boxes(tmp_path, boxes, description):
    """Boxes (name, (x, y, z) size, location) standing on the floor, saved as a scene and
    arranged by oor_batch.py from `description`: (the report's scene_check, the saved
    result's objects)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    for name, size, location in boxes:
        add_box(name, size, location=location, center=(0, 0, size[2] / 2))
    scene = tmp_path / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(scene))
    out, report = tmp_path / "out.blend", tmp_path / "report.json"
    result = run_batch("--blend", scene, "--description", description, "--save", out,
                       "--report", report)
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text())["scene_check"], load_objects(out)


def test_single_relation_saves_reports_and_keeps_the_input(tea_scene, tmp_path):
    before = tea_scene.read_bytes()
    out, report = tmp_path / "out.blend", tmp_path / "report.json"
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                       "A teacup on a table", "--save", out, "--report", report)
    assert result.returncode == 0, result.stderr
    assert tea_scene.read_bytes() == before
    data = json.loads(report.read_text())
    assert len(data["relations"][0]["phi"]) == 15
    objects = load_objects(out)
    cup_lo, _ = world_box(objects["Teacup"])
    _, table_hi = world_box(objects["Table"])
    assert abs(cup_lo[2] - table_hi[2]) <= 0.005
    np.testing.assert_allclose(np.array(objects["Teacup"].matrix_world),
                               data["objects"]["Teacup"]["matrix_world"], atol=1e-6)


def test_jobs_file_one_line_per_failed_job_and_no_partial_output(tea_scene, tmp_path):
    good_out, bad_out = tmp_path / "good.blend", tmp_path / "bad.blend"
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("\n".join(json.dumps(job) for job in [
        {"blend": str(tea_scene), "relations": [["Table", "Teacup", "A teacup on a table"]],
         "save": str(good_out), "report": str(tmp_path / "good.json")},
        {"blend": str(tea_scene), "relations": [["Table", "Ghost", "A ghost on a table"]],
         "save": str(bad_out), "report": str(tmp_path / "bad.json")},
        {"blend": str(tmp_path / "missing.blend"), "relations": [["A", "B", "A b on an a"]]},
    ]) + "\n")
    result = run_batch("--jobs", jobs)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("oor_batch: job")]
    assert len(errors) == 2
    assert "job 2 failed" in errors[0] and "'Ghost'" in errors[0]
    assert "job 3 failed" in errors[1] and "missing.blend" in errors[1]
    assert good_out.exists() and (tmp_path / "good.json").exists()
    assert not bad_out.exists() and not (tmp_path / "bad.json").exists()
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_axes_are_detected_and_reported_set_per_job_and_a_bad_one_fails_alone(tea_scene,
                                                                              tmp_path):
    relation = [["Table", "Teacup", "A teacup on a table"]]
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("\n".join(json.dumps(job) for job in [
        {"blend": str(tea_scene), "relations": relation, "report": str(tmp_path / "a.json")},
        {"blend": str(tea_scene), "relations": relation, "report": str(tmp_path / "b.json"),
         "axes": {"Teacup": {"up": "+Z", "front": "+X"}}},
        {"blend": str(tea_scene), "relations": relation, "axes": {"Ghost": "detect"}},
    ]) + "\n")
    result = run_batch("--jobs", jobs)
    assert result.returncode == 1
    detected = json.loads((tmp_path / "a.json").read_text())["axes"]
    assert detected["Teacup"]["source"] == "detected" and detected["Teacup"]["up"] == "+Z"
    assert 0.0 <= detected["Teacup"]["confidence"] <= 1.0 and detected["Table"]["reason"]
    chosen = json.loads((tmp_path / "b.json").read_text())["axes"]["Teacup"]
    assert chosen == {"up": "+Z", "front": "+X", "source": "set"}
    errors = [line for line in result.stderr.splitlines() if line.startswith("oor_batch: job")]
    assert len(errors) == 1 and "job 3 failed" in errors[0] and "'Ghost'" in errors[0]


def test_settle_on_the_command_line_reports_what_physics_did(tea_scene, tmp_path):
    report = tmp_path / "report.json"
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                       "A teacup on a table", "--settle", "--report", report)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text())["relations"][0]["settle"].startswith("settled")


def test_axes_on_the_command_line(tea_scene, tmp_path):
    report = tmp_path / "report.json"
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                       "A teacup on a table", "--axes", "Teacup=+Z,-X", "--report", report)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text())["axes"]["Teacup"]["front"] == "-X"


def test_several_relations_are_arranged_together(tea_scene, tmp_path):
    out, report = tmp_path / "scene.blend", tmp_path / "scene.json"
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                       "A teacup on a table", "--relation", "Table", "Vase",
                       "A vase on a table", "--save", out, "--report", report)
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert {(r["base"], r["target"]) for r in data["relations"]} == {("Table", "Teacup"),
                                                                    ("Table", "Vase")}
    assert data["scene_check"]["root"] == "Table"
    assert "collision" in data["scene_check"]["losses"]
    objects = load_objects(out)
    _, table_hi = world_box(objects["Table"])
    for name in ("Teacup", "Vase"):
        lo, _ = world_box(objects[name])
        assert lo[2] >= table_hi[2] - 0.02, name


def test_bad_arguments_fail_clearly(tea_scene, tmp_path):
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup", "  ",
                       "--save", tmp_path / "x.blend")
    assert result.returncode == 1
    assert "Type a prompt" in result.stderr
    assert not (tmp_path / "x.blend").exists()


def test_refine_mode_nudges_the_saved_layout(tea_scene, tmp_path):
    placed, report = tmp_path / "placed.blend", tmp_path / "refined.json"
    first = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                      "A teacup on a table", "--save", placed)
    assert first.returncode == 0, first.stderr
    refined = tmp_path / "refined.blend"
    result = run_batch("--blend", placed, "--mode", "refine", "--relation", "Table", "Teacup",
                       "A teacup on a table", "--save", refined, "--report", report)
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert data["mode"] == "refine" and data["scene_check"]["root"] == "Table"
    before = load_objects(placed)["Teacup"].matrix_world.copy()
    after = load_objects(refined)["Teacup"].matrix_world
    assert (after.translation - before.translation).length < 0.2  # a small edit stays small


def test_a_relation_given_the_other_way_round_is_swapped_and_said(tea_scene, tmp_path):
    out, report = tmp_path / "out.blend", tmp_path / "report.json"
    result = run_batch("--blend", tea_scene, "--relation", "Teacup", "Table",
                       "A teacup on a table", "--save", out, "--report", report)
    assert result.returncode == 0, result.stderr
    assert "Teacup -> Table (the prompt places 'teacup', not 'table': swapped base and target)" \
        in result.stdout
    relation = json.loads(report.read_text())["relations"][0]
    assert (relation["base"], relation["target"]) == ("Table", "Teacup")
    objects = load_objects(out)
    cup_lo, _ = world_box(objects["Teacup"])
    _, table_hi = world_box(objects["Table"])
    assert abs(cup_lo[2] - table_hi[2]) <= 0.005


def test_several_relations_read_each_row_the_way_its_prompt_places(tea_scene, tmp_path):
    report = tmp_path / "scene.json"
    result = run_batch("--blend", tea_scene, "--relation", "Table", "Teacup",
                       "A teacup on a table", "--relation", "Vase", "Table",
                       "A vase on a table", "--save", tmp_path / "scene.blend",
                       "--report", report)
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert {(r["base"], r["target"]) for r in data["relations"]} == {("Table", "Teacup"),
                                                                    ("Table", "Vase")}
    assert data["scene_check"]["root"] == "Table"
    assert data["scene_check"]["roles"] == [
        "'A vase on a table': the prompt places 'vase', not 'table': swapped base and target"]


def test_a_job_with_a_description_arranges_the_objects_it_names(tmp_path):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    add_box("Monitor", (0.55, 0.18, 0.4), location=(3, 0, 0), center=(0, 0, 0.2))
    add_box("Keyboard", (0.45, 0.15, 0.03), location=(4, 0, 0), center=(0, 0, 0.015))
    add_box("Chair", (0.5, 0.5, 0.9), location=(-3, 0, 0), center=(0, 0, 0.45))
    scene = tmp_path / "desk.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(scene))
    jobs = tmp_path / "jobs.jsonl"
    report, out = tmp_path / "desk.json", tmp_path / "desk_out.blend"
    jobs.write_text("\n".join(json.dumps(job) for job in [
        {"blend": str(scene), "save": str(out), "report": str(report),
         "description": "A desk with a monitor in the middle and the keyboard in front of it"},
        {"blend": str(scene), "description": "A vase on the shelf"},
        {"blend": str(scene), "suggest": True, "report": str(tmp_path / "suggested.json")},
    ]) + "\n")
    result = run_batch("--jobs", jobs)
    assert result.returncode == 1, result.stderr
    failed = [line for line in result.stderr.splitlines() if "failed (" in line]
    assert len(failed) == 1 and "job 2 failed" in failed[0] and "not in the scene: vase" in \
        failed[0]
    suggested = json.loads((tmp_path / "suggested.json").read_text())["scene_check"]
    assert {(r["base"], r["target"]) for r in suggested["suggested"]} >= {("Desk", "Monitor"),
                                                                         ("Desk", "Keyboard")}
    read = json.loads(report.read_text())["scene_check"]["description"]
    assert [(r["base"], r["target"]) for r in read["relations"]] == [("Desk", "Monitor"),
                                                                    ("Monitor", "Keyboard")]
    assert read["unmentioned"] == ["Chair"]
    objects = load_objects(out)
    _, desk_top = world_box(objects["Desk"])
    for name in ("Monitor", "Keyboard"):
        low, _ = world_box(objects[name])
        assert abs(low[2] - desk_top[2]) <= 0.02, name


def test_a_description_of_two_separate_groups_arranges_both(tmp_path):
    check, objects = describe_boxes(tmp_path, [
        ("Desk", (1.2, 0.6, 0.75), (0, 0, 0)), ("Side Table", (0.5, 0.5, 0.55), (3, 0, 0)),
        ("Lamp", (0.15, 0.15, 0.4), (6, 0, 0)), ("Vase", (0.12, 0.12, 0.3), (7, 0, 0))],
        "A lamp on the desk and a vase on the side table")
    assert [g["root"] for g in check["groups"]] == ["Desk", "Side Table"]
    for base, target in (("Desk", "Lamp"), ("Side Table", "Vase")):
        assert abs(world_box(objects[target])[0][2] - world_box(objects[base])[1][2]) <= 0.005


def test_a_set_stands_on_the_sides_its_relation_names(tmp_path):
    """'Two chairs in front of the desk' both stand at the desk's front (-Y), facing it; 'a
    speaker on either side of the monitor' one left, one right of it."""
    check, objects = describe_boxes(tmp_path, [
        ("Desk", (1.6, 0.7, 0.75), (0, 0, 0)), ("Chair", (0.5, 0.5, 0.9), (-3, 0, 0)),
        ("Chair.001", (0.5, 0.5, 0.9), (-4, 0, 0)), ("Monitor", (0.55, 0.18, 0.4), (3, 0, 0)),
        ("Speaker", (0.1, 0.12, 0.2), (4, 0, 0)), ("Speaker.001", (0.1, 0.12, 0.2), (5, 0, 0))],
        "Two chairs in front of the desk, a monitor on the desk and two speakers on either side "
        "of the monitor")
    said = json.dumps(check)
    assert "2 in front of 'Desk'" in said and "2 beside 'Monitor'" in said
    desk_low, desk_high = world_box(objects["Desk"])
    for chair in ("Chair", "Chair.001"):
        low, high = world_box(objects[chair])
        assert high[1] <= desk_low[1] + 0.05, chair  # in front: towards -Y, off the desk
        assert desk_low[0] - 0.3 <= (low[0] + high[0]) / 2 <= desk_high[0] + 0.3, chair
    monitor_low, monitor_high = world_box(objects["Monitor"])
    sides = sorted(np.sign((world_box(objects[s])[0][0] + world_box(objects[s])[1][0]) / 2 -
                           (monitor_low[0] + monitor_high[0]) / 2)
                   for s in ("Speaker", "Speaker.001"))
    assert sides == [-1.0, 1.0]


def test_an_object_no_relation_places_stays_where_it_is_and_is_said(tmp_path):
    """Relations with two roots (the lamp on the desk and behind the laptop, which stands on the
    desk already): both roots stay, the lamp goes on the desk, the report names the kept one."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    add_box("Desk Lamp", (0.15, 0.15, 0.45), location=(3, 0, 0), center=(0, 0, 0.225))
    add_box("Laptop", (0.34, 0.24, 0.02), location=(0.3, 0.05, 0.75), center=(0, 0, 0.01))
    scene = tmp_path / "desk.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(scene))
    out, report = tmp_path / "out.blend", tmp_path / "report.json"
    result = run_batch("--blend", scene, "--relation", "Desk", "Desk Lamp", "A lamp on the desk",
                       "--relation", "Laptop", "Desk Lamp", "A lamp behind the laptop",
                       "--save", out, "--report", report)
    assert result.returncode == 0, result.stderr
    check = json.loads(report.read_text())["scene_check"]
    assert check["root"] == "Desk" and check["kept_in_place"] == ["Laptop"]
    objects = load_objects(out)
    np.testing.assert_allclose(world_box(objects["Laptop"])[0], (0.13, -0.07, 0.75), atol=1e-5)
    assert abs(world_box(objects["Desk Lamp"])[0][2] - 0.75) <= 0.005  # on the desk


@pytest.mark.parametrize("monitor_on_desk", [True, False])
def test_a_description_puts_an_unplaced_reference_on_the_support_it_implies(tmp_path,
                                                                            monitor_on_desk):
    """'Two speakers on the desk, one on each side of the monitor': a monitor on the floor goes
    on the desk too (the report says why); one already on the desk stays where it is. The
    speakers stand on the desk either side of it, none past the desk's edge."""
    monitor_at = (0.2, 0.1, 0.75) if monitor_on_desk else (5, 0, 0)
    check, objects = describe_boxes(tmp_path, [
        ("Desk", (1.4, 0.7, 0.75), (0, 0, 0)), ("Monitor", (0.55, 0.18, 0.4), monitor_at),
        ("Speaker", (0.1, 0.12, 0.2), (3, 0, 0)), ("Speaker.001", (0.1, 0.12, 0.2), (4, 0, 0))],
        "Two speakers on the desk, one on each side of the monitor")
    implied = [r for r in check["description"]["relations"] if "implied" in r.get("note", "")]
    monitor_low, monitor_high = world_box(objects["Monitor"])
    desk_low, desk_high = world_box(objects["Desk"])
    if monitor_on_desk:
        assert not implied and check["kept_in_place"] == ["Monitor"]
        np.testing.assert_allclose(monitor_low, (-0.075, 0.01, 0.75), atol=1e-5)
    else:
        assert [(r["base"], r["target"]) for r in implied] == [("Desk", "Monitor")]
        assert abs(monitor_low[2] - desk_high[2]) <= 0.005
    sides = []
    for speaker in ("Speaker", "Speaker.001"):
        low, high = world_box(objects[speaker])
        assert abs(low[2] - desk_high[2]) <= 0.005, speaker  # on the desk
        centre = (low + high) / 2
        assert desk_low[0] <= centre[0] <= desk_high[0], speaker  # not past its edge
        sides.append(np.sign(centre[0] - (monitor_low[0] + monitor_high[0]) / 2))
    assert sorted(sides) == [-1.0, 1.0]


def test_a_jobs_result_does_not_depend_on_the_jobs_before_it(tmp_path):
    """'A rug under the sofa' gives the same relation alone and after another job on a sofa in
    the same batch (the text encoder once encoded 'sofa' with the first job's texts, 1e-7 off,
    and the ranking tipped)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Sofa", (2.0, 0.9, 0.85), center=(0, 0, 0.425))
    add_box("Backpack", (0.32, 0.2, 0.45), location=(3, 0, 0), center=(0, 0, 0.225))
    add_box("Rug", (2.0, 1.4, 0.01), location=(-4, 0, 0), center=(0, 0, 0.005))
    scene = tmp_path / "sofa.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(scene))
    rug = {"blend": str(scene), "relations": [["Sofa", "Rug", "a rug under the sofa"]]}
    first = {"blend": str(scene),
             "relations": [["Sofa", "Backpack", "a backpack leaning against the sofa"]]}
    phis = []
    for name, jobs in (("alone", [rug]), ("after", [first, rug])):
        path = tmp_path / f"{name}.jsonl"
        rows = [{**job, "report": str(tmp_path / f"{name}_{i}.json")} for i, job in enumerate(jobs)]
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        result = run_batch("--jobs", path)
        assert result.returncode == 0, result.stderr
        report = json.loads((tmp_path / f"{name}_{len(jobs) - 1}.json").read_text())
        phis.append(report["relations"][0]["phi"])
    assert phis[0] == phis[1]
