"""Pours that pour: where Apply Relation leaves a pourer's spout (or a bottle's mouth) relative to
the receiver's opening, on library pourer/receiver pairs at their real sizes.

    python tools/eval_pours.py --json reports/pours.json [--seeds 5]

Pourers are boxes of the category's mean size with the category's spout point; receivers are
open cups of the receiver's size (a Solidify wall, so the inside is hollow). A pour counts when
the spout is 1 to 6 cm above the receiver's rim and over its opening.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics

import numpy as np
from blender_session import (
    addon_registered,
    exit_hard,
    fresh_scene,
    scene_helpers,
    window,
    write_json,
)

PAIRS = (("teapot", "teacup"), ("kettle", "mug"), ("pitcher", "glass"), ("coffee pot", "mug"),
         ("milk jug", "teacup"), ("wine bottle", "wine glass"), ("water bottle", "glass"),
         ("milk carton", "glass"))
ABOVE_M = (0.01, 0.06)
# Half a millimetre: the spout is read from float32 world matrices, and a pourer lowered to
# exactly 6 cm above the rim (bridge/candidates.POUR_HEIGHTS) reads 6.00x cm.
TOLERANCE_M = 0.0005


def _mean_size(category) -> np.ndarray:
    return np.array([(lo + hi) / 2 for lo, hi in category.size])


def spout_point(obj, category_name: str) -> np.ndarray:
    """World position of the category's spout point on the object's canonical box."""
    import bpy

    from oor_arrange.bridge.scene_objects import read_object
    from oor_arrange.oor_core.geometry.object_frame import object_frame
    from oor_arrange.oor_core.relations.category_table import CATEGORIES

    pose = object_frame(read_object(obj, bpy.context.evaluated_depsgraph_get()).geometry).pose
    return pose.center + pose.rotation @ (np.array(CATEGORIES[category_name].part("spout"))
                                          * pose.size)


def evaluate(seeds: int) -> list[dict]:
    import bpy

    from oor_arrange.oor_core.relations.category_table import CATEGORIES

    rows = []
    for pourer, receiver in PAIRS:
        for seed in range(seeds):
            fresh_scene()
            x, y, _depth = _mean_size(CATEGORIES[receiver])
            cup = scene_helpers.add_cup(receiver.title(), radius=x / 2, height=y)
            px, py, pz = _mean_size(CATEGORIES[pourer])
            pot = scene_helpers.add_box(pourer.title(), (px, pz, py), location=(1.0, 0.5, 0),
                                        center=(0, 0, py / 2))
            scene_helpers.select(cup, pot)
            bpy.context.scene.oor.prompt = f"A {pourer} pouring into a {receiver}"
            with window():
                result = bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=seed)
            bpy.context.view_layer.update()
            spout = spout_point(pot, pourer)
            rim = float(y)
            above = float(spout[2] - rim)
            over = bool(np.linalg.norm(spout[:2]) <= x / 2)
            tilt = float(np.degrees(np.arccos(np.clip(np.array(pot.matrix_world)[2, 2]
                                                      / np.linalg.norm(np.array(
                                                          pot.matrix_world)[:3, 2]), -1, 1))))
            rows.append({"pourer": pourer, "receiver": receiver, "seed": seed,
                         "applied": result == {'FINISHED'}, "above_cm": round(100 * above, 1),
                         "over": over, "tilt_deg": round(tilt, 1),
                         "ok": bool(result == {'FINISHED'} and over and ABOVE_M[0] - TOLERANCE_M
                                    <= above <= ABOVE_M[1] + TOLERANCE_M)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    with addon_registered():
        rows = evaluate(args.seeds)
    ok = sum(r["ok"] for r in rows)
    print(f"pours with the spout 1-6 cm above the rim and over the opening: {ok}/{len(rows)}")
    for pourer, receiver in PAIRS:
        part = [r for r in rows if r["pourer"] == pourer]
        print(f"  {pourer} -> {receiver}: {sum(r['ok'] for r in part)}/{len(part)}, spout "
              f"above the rim (cm) median {statistics.median(r['above_cm'] for r in part)}, "
              f"over the opening {sum(r['over'] for r in part)}/{len(part)}, tilt median "
              f"{statistics.median(r['tilt_deg'] for r in part)} deg")
    write_json(args.json, rows)
    return 0


if __name__ == "__main__":
    exit_hard(main())
