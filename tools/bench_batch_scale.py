"""Batch at scale, measured side by side in one run (`make scale`, issue 21):

- throughput of N pair jobs: the single-process runner, `--workers 2`, and (with --cluster) a
  two-node Ray cluster started here with `ray start`; outputs compared matrix by matrix;
- a `--workers 2` run killed (SIGKILL) half-way, then `--resume`d: jobs lost or done twice,
  stray or partial files, outputs against the uninterrupted run;
- the driver's peak memory (VmHWM) on 1,000 and 10,000 quick jobs (each fails at once in its
  worker: the input file does not exist), to show it does not grow with the number of jobs.

    python tools/bench_batch_scale.py [--jobs 200] [--repeats 2] [--cluster] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = REPO / "oor_batch.py"
CUP = ["Table", "Teacup", "A teacup on a table"]
SCENE_CODE = """
import sys, os
sys.path.insert(0, {tests!r})
import conftest
sys.path.insert(0, {helpers!r})
import bpy
from scene_helpers import add_box
bpy.ops.wm.read_factory_settings(use_empty=True)
add_box("Table", (1.2, 0.8, 0.75), location=(0.3, 0.2, 0.0), rotation=(0, 0, 15),
        center=(0, 0, 0.375))
add_box("Teacup", (0.08, 0.08, 0.09), location=(2.0, 0.0, 0.0), center=(0, 0, 0.045))
bpy.ops.wm.save_as_mainfile(filepath={path!r})
os._exit(0)
"""


def make_scene(folder: pathlib.Path) -> pathlib.Path:
    path = folder / "tea.blend"
    code = SCENE_CODE.format(tests=str(REPO / "tests"), helpers=str(REPO / "tests" / "blender"),
                             path=str(path))
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return path


def write_jobs(path: pathlib.Path, blend, out: pathlib.Path, count: int) -> pathlib.Path:
    with open(path, "w") as handle:
        for i in range(count):
            handle.write(json.dumps({"blend": str(blend), "relations": [CUP], "seed": i,
                                     "report": str(out / f"{i}.json")}) + "\n")
    return path


def run(args: list[str], env: dict | None = None, kill_after_done: int | None = None) -> dict:
    """oor_batch.py with `args`: wall seconds, exit status, the driver's peak memory (VmHWM,
    polled), and, with kill_after_done, SIGKILL once that many jobs said done."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-u", str(SCRIPT), *map(str, args)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, **(env or {})})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    peak_kb = 0
    status_file = pathlib.Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status_file.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        if kill_after_done is not None and \
                sum(" done (" in line for line in list(lines)) >= kill_after_done:
            process.kill()
            break
        time.sleep(0.05)
    process.wait()
    reader.join(timeout=10)
    return {"seconds": time.perf_counter() - started, "status": process.returncode,
            "peak_mb": round(peak_kb / 1024, 1), "summary": next(
                (line.strip() for line in reversed(lines) if " in all" in line), "")}


def matrices(folder: pathlib.Path) -> dict:
    return {p.name: np.array(json.loads(p.read_text())["objects"]["Teacup"]["matrix_world"])
            for p in folder.glob("*.json")}


def largest_difference(a: dict, b: dict) -> float:
    if a.keys() != b.keys():
        return float("inf")
    return max((float(np.abs(a[k] - b[k]).max()) for k in a), default=0.0)


def steady_rate(log: pathlib.Path) -> float:
    """Jobs a second between the first and the last finished job (start-up left out)."""
    times = sorted(json.loads(line)["finished"] for line in log.read_text().splitlines())
    return (len(times) - 1) / max(times[-1] - times[0], 1e-9)


def throughput(work: pathlib.Path, blend, count: int, label: str, extra: list[str],
               env=None) -> dict:
    out, log = work / f"out_{label}", work / f"results_{label}.jsonl"
    shutil.rmtree(out, ignore_errors=True)
    jobs = write_jobs(work / f"jobs_{label}.jsonl", blend, out, count)
    result = run(["--jobs", jobs, "--results", log, "--progress", "lines", *extra], env)
    result.update(jobs_per_s=count / result["seconds"], steady_jobs_per_s=steady_rate(log))
    result["matrices"] = matrices(out)
    return result


def start_cluster(temp: pathlib.Path, port: int, env: dict) -> str:
    ray = shutil.which("ray", path=os.path.dirname(sys.executable))
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    subprocess.run([ray, "start", "--head", "--node-ip-address=127.0.0.2", f"--port={port}",
                    f"--temp-dir={temp}", "--include-dashboard=false", *common], check=True,
                   capture_output=True, env=env)
    subprocess.run([ray, "start", f"--address=127.0.0.2:{port}", "--node-ip-address=127.0.0.3",
                    *common], check=True, capture_output=True, env=env)
    return f"127.0.0.2:{port}"


def stop_cluster(env: dict) -> None:
    ray = shutil.which("ray", path=os.path.dirname(sys.executable))
    subprocess.run([ray, "stop", "--force"], capture_output=True, env=env)


def kill_and_resume(work: pathlib.Path, blend, count: int, reference: dict) -> dict:
    out, log = work / "out_resume", work / "results_resume.jsonl"
    jobs = write_jobs(work / "jobs_resume.jsonl", blend, out, count)
    killed = run(["--jobs", jobs, "--results", log, "--workers", "2"],
                 kill_after_done=count // 2)
    time.sleep(1.5)  # workers of the killed driver end with it
    logged_at_kill = len(log.read_text().splitlines())
    resumed = run(["--jobs", jobs, "--results", log, "--workers", "2", "--resume"])
    records = [json.loads(line) for line in log.read_text().splitlines()]
    done = [r["job"] for r in records if r["status"] == "done"]
    strays = [p.name for p in work.rglob("*") if ".oor-tmp-" in p.name]
    return {"jobs": count, "killed_status": killed["status"], "done_when_killed": logged_at_kill,
            "resumed_status": resumed["status"],
            "resume_summary": resumed["summary"],
            "lost": sorted(set(range(1, count + 1)) - set(done)),
            "done_twice": sorted({j for j in done if done.count(j) > 1}),
            "stray_temporaries": strays,
            "largest_matrix_difference": largest_difference(matrices(out), reference)}


def quick_jobs_memory(work: pathlib.Path, counts: list[int]) -> dict:
    peaks = {}
    for count in counts:
        jobs = work / f"quick_{count}.jsonl"
        with open(jobs, "w") as handle:
            for i in range(count):
                handle.write(json.dumps({"blend": str(work / "missing.blend"),
                                         "relations": [CUP], "seed": i}) + "\n")
        log = work / f"quick_{count}_results.jsonl"
        result = run(["--jobs", jobs, "--results", log, "--workers", "2", "--progress",
                      "lines"])
        peaks[count] = {"driver_peak_mb": result["peak_mb"], "seconds": round(result["seconds"],
                                                                               1),
                        "results_lines": len(log.read_text().splitlines())}
    return peaks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each engine, alternated")
    parser.add_argument("--cluster", action="store_true", help="also a two-node Ray cluster")
    parser.add_argument("--quick", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    work = pathlib.Path(tempfile.mkdtemp(prefix="oor-scale-"))
    blend = make_scene(work)
    report = {"jobs": args.jobs, "cores": os.cpu_count(), "runs": {}}
    engines = {"1 process": [], "2 workers": ["--workers", "2"]}
    for repeat in range(args.repeats):
        for name, extra in engines.items():
            result = throughput(work, blend, args.jobs, f"{name.replace(' ', '_')}_{repeat}",
                                extra)
            report["runs"].setdefault(name, []).append(result)
            print(f"{name} run {repeat + 1}: {result['seconds']:.1f} s, "
                  f"{result['jobs_per_s']:.2f} jobs/s ({result['steady_jobs_per_s']:.2f} steady)"
                  f" [{result['summary']}]", flush=True)
    if args.cluster:
        env = {**os.environ, "RAY_AUTH_MODE": "token"}
        temp = pathlib.Path("/tmp") / f"oor-ray-{os.getpid()}"
        try:
            address = start_cluster(temp, 6300 + os.getpid() % 600, env)
            result = throughput(work, blend, args.jobs, "cluster", ["--ray-address", address],
                                {"RAY_AUTH_MODE": "token"})
            report["runs"]["2-node cluster"] = [result]
            print(f"2-node cluster: {result['seconds']:.1f} s, {result['jobs_per_s']:.2f} "
                  f"jobs/s [{result['summary']}]", flush=True)
        finally:
            stop_cluster(env)
            shutil.rmtree(temp, ignore_errors=True)
    reference = report["runs"]["1 process"][0]["matrices"]
    table = {}
    for name, runs in report["runs"].items():
        table[name] = {
            "seconds_median": round(statistics.median(r["seconds"] for r in runs), 2),
            "jobs_per_s_median": round(statistics.median(r["jobs_per_s"] for r in runs), 2),
            "steady_jobs_per_s_median": round(statistics.median(r["steady_jobs_per_s"]
                                                                for r in runs), 2),
            "outputs": len(runs[0]["matrices"]),
            "largest_matrix_difference_vs_1_process": max(
                largest_difference(r["matrices"], reference) for r in runs)}
    base = table["1 process"]
    for row in table.values():
        row["speed_up"] = round(row["jobs_per_s_median"] / base["jobs_per_s_median"], 2)
        row["steady_speed_up"] = round(row["steady_jobs_per_s_median"]
                                       / base["steady_jobs_per_s_median"], 2)
    report["table"] = table
    report["kill_and_resume"] = kill_and_resume(work, blend, args.jobs, reference)
    print("kill and resume:", json.dumps(report["kill_and_resume"]), flush=True)
    report["quick_jobs_memory"] = quick_jobs_memory(work, args.quick) if args.quick else {}
    print("quick jobs, driver memory:", json.dumps(report["quick_jobs_memory"]), flush=True)
    for runs in report["runs"].values():
        for r in runs:
            del r["matrices"]
    print(json.dumps(table, indent=1))
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
