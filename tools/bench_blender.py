"""Blender-side latency: cold first Apply Relation, warm Apply Relation, a 5-object Arrange,
and batch throughput (jobs per second with the model loaded once).

    python tools/bench_blender.py --json reports/blender_bench.json [--repeats 15] [--jobs 100]

Medians over repeated calls in one process; the machine is shared, so compare ratios measured
side by side rather than absolute figures across runs.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from blender_session import REPO, addon_registered, scene_helpers, window


def _tea_scene():
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    table = scene_helpers.add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = scene_helpers.add_box("Teacup", (0.08, 0.08, 0.09), location=(2, 0, 0),
                                center=(0, 0, 0.045))
    scene_helpers.select(table, cup)
    bpy.context.scene.oor.prompt = "A teacup on a table"
    return table, cup


def _desk_scene():
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    add = scene_helpers.add_box
    desk = add("Desk", (1.4, 0.7, 0.75), center=(0, 0, 0.375))
    objects = {
        "Monitor": add("Monitor", (0.6, 0.2, 0.4), location=(3, 0, 0), center=(0, 0, 0.2)),
        "Keyboard": add("Keyboard", (0.45, 0.15, 0.03), location=(4, 0, 0)),
        "Mouse": add("Mouse", (0.06, 0.11, 0.04), location=(5, 0, 0)),
        "Lamp": add("Lamp", (0.2, 0.2, 0.45), location=(6, 0, 0), center=(0, 0, 0.225)),
    }
    prompts = {"Monitor": "A monitor on a desk", "Keyboard": "A keyboard on a desk",
               "Mouse": "A mouse on a desk", "Lamp": "A lamp on a desk"}
    for name, obj in objects.items():
        scene_helpers.select(desk, obj)
        bpy.context.scene.oor.prompt = prompts[name]
        bpy.ops.oor.add_relation_row()


DESK_DESCRIPTION = ("A desk with a monitor in the middle, the keyboard in front of it, a mouse "
                    "to its right, a lamp on the left corner and a mug next to the keyboard")


def bench_in_blender(repeats: int) -> dict:
    import bpy

    from oor_arrange.bridge.candidates import CACHE
    from oor_arrange.bridge.model_service import SERVICE

    def warm_apply_median(**options) -> float:
        """Median of fresh samplings (candidate cache cleared), the model already loaded."""
        times = []
        for seed in range(1, repeats + 1):
            CACHE.clear()
            start = time.perf_counter()
            with window():
                bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=seed, **options)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    figures = {}
    with addon_registered():
        _tea_scene()
        start = time.perf_counter()
        with window():
            assert bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=0) == {'FINISHED'}
        figures["cold_first_apply_s"] = time.perf_counter() - start
        figures["warm_apply_median_s"] = warm_apply_median()
        # the same with the rigid-body Settle option
        figures["warm_apply_settle_median_s"] = warm_apply_median(settle=True)
        cached = []
        for candidate in range(1, repeats + 1):
            start = time.perf_counter()
            with window():
                bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=repeats,
                                           candidate=1 + candidate % 16)
            cached.append(time.perf_counter() - start)
        figures["redo_from_cache_median_s"] = statistics.median(cached)
        _desk_scene()
        arrange = []
        for seed in range(repeats):
            start = time.perf_counter()
            with window():
                assert bpy.ops.oor.arrange_scene(seed=seed) == {'FINISHED'}
            arrange.append(time.perf_counter() - start)
        figures["arrange_5_objects_median_s"] = statistics.median(arrange)
        described = []
        for seed in range(repeats):  # Describe Scene with Arrange at Once, 6 objects
            _desk_scene()
            scene_helpers.add_box("Mug", (0.09, 0.09, 0.1), location=(7, 0, 0),
                                  center=(0, 0, 0.05))
            settings = bpy.context.scene.oor
            settings.relations.clear()
            settings.description = DESK_DESCRIPTION
            settings.describe_scope, settings.describe_arrange = 'VIEW_LAYER', True
            start = time.perf_counter()
            with window():
                assert bpy.ops.oor.describe_scene(seed=seed) == {'FINISHED'}
            described.append(time.perf_counter() - start)
        figures["describe_and_arrange_6_objects_median_s"] = statistics.median(described)
        figures["torch_threads"] = __import__("torch").get_num_threads()
        figures["model_state"] = SERVICE.state
    return figures


def bench_batch(jobs: int) -> dict:
    import bpy

    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        _tea_scene_without_addon()
        blend = folder / "tea.blend"
        bpy.ops.wm.save_as_mainfile(filepath=str(blend))
        lines = [json.dumps({"blend": str(blend), "seed": i,
                             "relations": [["Table", "Teacup", "A teacup on a table"]],
                             "report": str(folder / f"report_{i}.json")}) for i in range(jobs)]
        (folder / "jobs.jsonl").write_text("\n".join(lines) + "\n")
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(REPO / "oor_batch.py"), "--jobs",
                                 str(folder / "jobs.jsonl")], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(result.stderr)
        return {"batch_jobs": jobs, "batch_seconds": elapsed, "batch_jobs_per_s": jobs / elapsed}


def _tea_scene_without_addon():
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene_helpers.add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    scene_helpers.add_box("Teacup", (0.08, 0.08, 0.09), location=(2, 0, 0), center=(0, 0, 0.045))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    figures = bench_in_blender(args.repeats)
    figures.update(bench_batch(args.jobs))
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
