"""Batches at scale (issue 21): variants from one line, the results log, resume after a real
kill, Ray workers and a two-node Ray cluster giving the same outputs as one process."""

import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import bpy
import numpy as np
import pytest

from scene_helpers import add_box

REPO = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = REPO / "oor_batch.py"
CUP = ["Table", "Teacup", "A teacup on a table"]


def run_batch(*args, timeout=300, env=None):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def tea_scene(tmp_path):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    add_box("Table", (1.2, 0.8, 0.75), location=(0.3, 0.2, 0.0), rotation=(0, 0, 15),
            center=(0, 0, 0.375))
    add_box("Teacup", (0.08, 0.08, 0.09), location=(2.0, 0.0, 0.0), center=(0, 0, 0.045))
    path = tmp_path / "tea.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return path


def write_jobs(path, scene, out, count, bad=()):
    """`count` pair jobs (seed i, report out/i.json); line numbers in `bad` name a ghost."""
    with open(path, "w") as handle:
        for i in range(count):
            relation = ["Table", "Ghost", "A ghost on a table"] if i + 1 in bad else CUP
            handle.write(json.dumps({"blend": str(scene), "relations": [relation], "seed": i,
                                     "report": str(out / f"{i}.json")}) + "\n")


def matrices(folder):
    return {path.name: np.array(json.loads(path.read_text())["objects"]["Teacup"]
                                ["matrix_world"]) for path in sorted(folder.glob("*.json"))}


def results(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_seeds_on_the_command_line_write_one_report_per_seed(tea_scene, tmp_path):
    result = run_batch("--blend", tea_scene, "--relation", *CUP, "--seeds", "3", "--seed", "10",
                       "--report", tmp_path / "r_{index}_{seed}.json")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("r_*.json"))
    assert written == ["r_0_10.json", "r_1_11.json", "r_2_12.json"]
    poses = [json.loads((tmp_path / name).read_text())["relations"][0]["phi"] for name in written]
    assert len({tuple(np.round(phi, 6)) for phi in poses}) == 3  # three different samples
    assert "3 done, 0 failed, 3 in all" in result.stdout


def test_the_results_log_has_a_line_per_job_and_resume_reruns_only_what_is_missing(
        tea_scene, tmp_path):
    out, jobs, log = tmp_path / "out", tmp_path / "jobs.jsonl", tmp_path / "results.jsonl"
    write_jobs(jobs, tea_scene, out, 5, bad={3})
    first = run_batch("--jobs", jobs, "--results", log)
    assert first.returncode == 1, first.stderr
    lines = results(log)
    assert [(r["job"], r["status"]) for r in lines] == [(1, "done"), (2, "done"),
                                                        (3, "failed"), (4, "done"), (5, "done")]
    assert "'Ghost'" in lines[2]["error"] and lines[0]["outputs"] == [str(out / "0.json")]
    assert all(r["seconds"] > 0 and r["worker"].startswith("local:") for r in lines)
    (out / "1.json").unlink()  # an output lost since: that job is not done any more
    again = run_batch("--jobs", jobs, "--results", log, "--resume")
    assert again.returncode == 1
    rerun = results(log)[5:]
    assert sorted(r["job"] for r in rerun) == [2, 3]
    assert "1 done, 1 failed, 3 done before (--resume), 5 in all" in again.stdout
    assert (out / "1.json").exists()


def _killed_and_resumed(jobs, log, after_done):
    process = subprocess.Popen([sys.executable, "-u", str(SCRIPT), "--jobs", str(jobs),
                                "--results", str(log)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    done = 0
    for line in process.stdout:
        done += " done (" in line
        if done >= after_done:
            break
    process.kill()  # SIGKILL: no handler, no clean-up, mid-job or between two
    process.wait(timeout=30)
    time.sleep(1.1)  # the resumed run's start is later than anything the killed run wrote
    return run_batch("--jobs", jobs, "--results", log, "--resume")


def test_a_killed_run_resumed_matches_an_uninterrupted_one(tea_scene, tmp_path):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    write_jobs(tmp_path / "whole.jsonl", tea_scene, whole, 16)
    write_jobs(tmp_path / "resumed.jsonl", tea_scene, resumed, 16)
    assert run_batch("--jobs", tmp_path / "whole.jsonl").returncode == 0
    log = tmp_path / "results.jsonl"
    result = _killed_and_resumed(tmp_path / "resumed.jsonl", log, after_done=6)
    assert result.returncode == 0, result.stderr
    done = [r["job"] for r in results(log) if r["status"] == "done"]
    assert sorted(done) == list(range(1, 17))  # none lost, none done twice
    expected, got = matrices(whole), matrices(resumed)
    assert expected.keys() == got.keys()
    for name, matrix in expected.items():
        np.testing.assert_allclose(got[name], matrix, rtol=0, atol=1e-9)
    assert not [p for p in tmp_path.rglob("*") if ".oor-tmp-" in p.name]


needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is an optional dependency of --workers")


@pytest.mark.slow
@needs_ray
def test_two_ray_workers_give_the_single_process_outputs_and_isolate_a_bad_job(
        tea_scene, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    write_jobs(tmp_path / "one.jsonl", tea_scene, one, 12, bad={5})
    write_jobs(tmp_path / "two.jsonl", tea_scene, two, 12, bad={5})
    single = run_batch("--jobs", tmp_path / "one.jsonl")
    log = tmp_path / "results.jsonl"
    parallel = run_batch("--jobs", tmp_path / "two.jsonl", "--workers", "2", "--results", log,
                         timeout=240)
    assert parallel.returncode == 1, parallel.stderr
    assert "11 done, 1 failed, 12 in all" in parallel.stdout
    failed = [line for line in parallel.stderr.splitlines() if "failed (" in line]
    assert len(failed) == 1 and "job 5 failed" in failed[0] and "'Ghost'" in failed[0]
    assert len({r["worker"] for r in results(log) if r["status"] == "done"}) == 2
    expected, got = matrices(one), matrices(two)
    assert single.returncode == 1 and len(expected) == 11 and expected.keys() == got.keys()
    for name, matrix in expected.items():
        np.testing.assert_allclose(got[name], matrix, rtol=0, atol=1e-9)


@pytest.fixture
def two_node_cluster(tmp_path):
    """A Ray head and a second node on this machine, one CPU each, as `ray start` makes them,
    on loopback addresses of their own (Ray turns 127.0.0.1 into the machine's address)."""
    ray_cli = shutil.which("ray", path=os.path.dirname(sys.executable))
    temp = pathlib.Path("/tmp") / f"oor-ray-{os.getpid()}"  # Ray's socket paths must be short
    port = 6300 + os.getpid() % 600
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    env = {**os.environ, "RAY_AUTH_MODE": "token"}  # the head's token, in ~/.ray, for all
    subprocess.run([ray_cli, "start", "--head", "--node-ip-address=127.0.0.2", f"--port={port}",
                    f"--temp-dir={temp}", "--include-dashboard=false", *common], check=True,
                   capture_output=True, env=env, timeout=120)
    try:
        subprocess.run([ray_cli, "start", f"--address=127.0.0.2:{port}",
                        "--node-ip-address=127.0.0.3", *common],
                       check=True, capture_output=True, env=env, timeout=120)
        yield f"127.0.0.2:{port}"
    finally:
        subprocess.run([ray_cli, "stop", "--force"], capture_output=True, env=env, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
@needs_ray
def test_a_two_node_cluster_runs_every_job_correctly(tea_scene, tmp_path, two_node_cluster):
    one, cluster = tmp_path / "one", tmp_path / "cluster"
    write_jobs(tmp_path / "one.jsonl", tea_scene, one, 10)
    write_jobs(tmp_path / "cluster.jsonl", tea_scene, cluster, 10)
    assert run_batch("--jobs", tmp_path / "one.jsonl").returncode == 0
    log = tmp_path / "results.jsonl"
    result = run_batch("--jobs", tmp_path / "cluster.jsonl", "--ray-address", two_node_cluster,
                       "--results", log, timeout=240, env={"RAY_AUTH_MODE": "token"})
    assert result.returncode == 0, result.stderr
    assert "2 workers ready" in result.stderr
    nodes = {r["worker"].split(" node ")[1] for r in results(log)}
    assert len(nodes) == 2  # both nodes ran jobs
    expected, got = matrices(one), matrices(cluster)
    assert len(got) == 10
    for name, matrix in expected.items():
        np.testing.assert_allclose(got[name], matrix, rtol=0, atol=1e-9)
