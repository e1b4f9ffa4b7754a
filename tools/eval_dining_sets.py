"""Dining tables set as sets (issue 22), through Describe Scene and Arrange Objects in Blender:
"A dining table with N chairs around it and a plate in front of each chair" for N = 2..8 over
several seeds, with the set patterns and (for comparison) with the chairs as independent
samples. A seed passes when every check holds:

- opposite sides hold numbers of chairs that differ by at most one;
- the chairs' distances from the table's edge lie within 3 cm of each other;
- no chair at a corner (each chair's footprint within the span of its side);
- each plate rests on the table in front of its own chair (between the chair and the table's
  centre line, within the chair's width along the side);
- no two meshes intersect (Arrange Objects refuses such layouts; a refusal fails the seed).

    python tools/eval_dining_sets.py [--seeds 10] [--json reports/dining_sets.json]
"""

from __future__ import annotations

import argparse

import bpy
import numpy as np
from blender_session import (
    addon_registered,
    exit_hard,
    fresh_scene,
    scene_helpers,
    window,
    write_json,
)

TABLE = (1.8, 0.9, 0.75)
CHAIR = (0.45, 0.5, 0.9)
PLATE = (0.26, 0.26, 0.02)


def build(n: int):
    fresh_scene()
    table = scene_helpers.add_box("Dining Table", TABLE, center=(0, 0, TABLE[2] / 2))
    for i in range(n):
        scene_helpers.add_box(f"Chair.{i:03d}", CHAIR, location=(3 + i, 0, 0),
                              center=(0, 0, CHAIR[2] / 2))
        scene_helpers.add_box(f"Plate.{i:03d}", PLATE, location=(3 + i, 3, 0),
                              center=(0, 0, PLATE[2] / 2))
    return table


def check(n: int) -> dict:
    corners = scene_helpers.world_corners(bpy.data.objects["Dining Table"])
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    sides, distances, cornered, plates_ok = {"-y": 0, "+y": 0, "-x": 0, "+x": 0}, [], 0, 0
    for i in range(n):
        chair = scene_helpers.world_corners(bpy.data.objects[f"Chair.{i:03d}"])
        c_lo, c_hi = chair.min(axis=0), chair.max(axis=0)
        centre = chair.mean(axis=0)
        out_x = max(lo[0] - centre[0], centre[0] - hi[0])
        out_y = max(lo[1] - centre[1], centre[1] - hi[1])
        axis, along = (1, 0) if out_y > out_x else (0, 1)
        side = ("-" if centre[axis] < (lo[axis] + hi[axis]) / 2 else "+") + "xy"[axis]
        sides[side] += 1
        distances.append(float(lo[axis] - c_hi[axis]) if side[0] == "-"
                         else float(c_lo[axis] - hi[axis]))
        cornered += int(c_lo[along] < lo[along] - 1e-3 or c_hi[along] > hi[along] + 1e-3)
        plate = scene_helpers.world_corners(bpy.data.objects[f"Plate.{i:03d}"])
        p_centre = plate.mean(axis=0)
        on_table = abs(plate[:, 2].min() - hi[2]) < 0.01 and np.all(
            (p_centre[:2] > lo[:2]) & (p_centre[:2] < hi[:2]))
        table_mid = (lo[axis] + hi[axis]) / 2
        between = min(centre[axis], table_mid) <= p_centre[axis] <= max(centre[axis], table_mid)
        aligned = c_lo[along] - 0.02 <= p_centre[along] <= c_hi[along] + 0.02
        plates_ok += int(on_table and between and aligned)
    balanced = abs(sides["-y"] - sides["+y"]) <= 1 and abs(sides["-x"] - sides["+x"]) <= 1
    spread = max(distances) - min(distances)
    return {"sides": sides, "balanced": balanced, "edge_distance_spread_m": round(spread, 4),
            "cornered": cornered, "plates_in_front": plates_ok,
            "passed": bool(balanced and spread <= 0.03 and cornered == 0 and plates_ok == n)}


def run(n: int, seed: int, as_sets: bool) -> dict:
    import oor_arrange.operators.arrange_scene as arrange

    build(n)
    settings = bpy.context.scene.oor
    settings.description = (f"A dining table with {n} chairs around it and a plate in front of "
                            "each chair")
    settings.describe_scope, settings.describe_arrange = 'VIEW_LAYER', False
    original = arrange.with_set_patterns
    if not as_sets:  # the chairs as independent samples, as before sets were laid out
        arrange.with_set_patterns = lambda request, result: (result, [[]] * len(result))
    try:
        with window():
            bpy.ops.oor.describe_scene()
            try:
                bpy.ops.oor.arrange_scene(seed=seed)
            except RuntimeError as error:  # refused: still colliding
                return {"n": n, "seed": seed, "passed": False, "refused": str(error)[:160]}
    finally:
        arrange.with_set_patterns = original
    return {"n": n, "seed": seed, **check(n)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    report = {}
    with addon_registered():
        for mode, as_sets in (("independent samples", False), ("as sets", True)):
            rows = [run(n, seed, as_sets) for n in range(2, 9) for seed in range(args.seeds)]
            passed = sum(r["passed"] for r in rows)
            per_n = {n: sum(r["passed"] for r in rows if r["n"] == n) for n in range(2, 9)}
            report[mode] = {"passed": passed, "runs": len(rows), "per_chairs": per_n,
                            "rows": rows}
            print(f"{mode}: {passed}/{len(rows)} seeds pass; per number of chairs {per_n}",
                  flush=True)
    write_json(args.json, report)
    exit_hard(0)


if __name__ == "__main__":
    main()
