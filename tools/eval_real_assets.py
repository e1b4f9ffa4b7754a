"""Real assets, imported as artists import them: detected axes against the truth, Apply Relation
on pair cases judged on the meshes (axes left to detection, and set by hand), detection latency.

    python tools/eval_real_assets.py --json reports/real_assets.json [--only detection]

Truth and credits: tests/assets/real_meshes/. A pair case is plausible when the target ends up
where a user would check: resting on the base's surface, inside it, beside it on the floor,
facing it, its spout over the opening and tilted, a blade edge-down on the food.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import tempfile
import time

import numpy as np
import real_assets
from blender_session import (
    addon_registered,
    exit_hard,
    fresh_scene,
    scene_helpers,
    window,
    write_json,
)

FAMILIES = ("support", "containment", "adjacency", "facing", "pouring", "cutting")


def _conventional_front(imported) -> str:
    """For a hand-set frame of an object without a distinguishable front: any side across up."""
    up = imported.asset.up
    return {"POS_Y": "POS_Z", "POS_Z": "NEG_Y"}.get(up, "POS_Z" if "Y" not in up else "POS_X")


def stand_upright(imported) -> None:
    """Turn the object so that its true up is world up, as an artist does with a Z-up file that
    Blender's OBJ importer laid on its side (the relation is judged against world up)."""
    from mathutils import Matrix, Vector

    obj = imported.obj
    turn = Vector(imported.world_direction(imported.asset.up)).rotation_difference(
        Vector((0.0, 0.0, 1.0))).to_matrix().to_4x4()
    world = obj.matrix_world.copy()
    origin = Matrix.Translation(world.translation)
    obj.matrix_world = origin @ turn @ origin.inverted() @ world


def set_by_hand(imported) -> None:
    """The truth, entered in the Object Axes panel as a user who knows the object would."""
    asset, settings = imported.asset, imported.obj.oor
    settings.up_axis = imported.local_axis(asset.up)
    settings.front_axis = imported.local_axis(asset.front or _conventional_front(imported))
    for side in asset.parts.values():
        settings.working_side = imported.local_axis(side)


# --- Detection accuracy ---------------------------------------------------------------------------

def detection_rows(via_list=("obj", "gltf")) -> list[dict]:
    from oor_arrange.bridge.frames import detect_object_axes
    from oor_arrange.oor_core.detection.axes6 import opposite, right_of

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for via in via_list:
            for asset in real_assets.catalog():
                fresh_scene()
                imported = real_assets.import_asset(asset, pathlib.Path(folder), via)
                import bpy

                guess = detect_object_axes(imported.obj, bpy.context.evaluated_depsgraph_get(),
                                           fresh=True)
                row = {"asset": asset.key, "name": asset.name, "via": via,
                       "up_ok": guess.up == imported.local_axis(asset.up),
                       "front_ok": (None if asset.front is None
                                    else guess.front == imported.local_axis(asset.front)),
                       "up": guess.up, "front": guess.front, "up_reason": guess.up_reason,
                       "front_reason": guess.front_reason}
                if "edge" in asset.parts:
                    edge = opposite(right_of(guess.up, guess.front))
                    row["part_ok"] = edge == imported.local_axis(asset.parts["edge"])
                elif "spout" in asset.parts:
                    row["part_ok"] = guess.front == imported.local_axis(asset.parts["spout"])
                rows.append(row)
    return rows


# --- Pair cases -----------------------------------------------------------------------------------

def _world_mesh(obj):
    import bpy

    from oor_arrange.bridge.meshes import WorldMesh

    return WorldMesh.from_object(obj, bpy.context.evaluated_depsgraph_get())


def _world_vertices(obj) -> np.ndarray:
    world = np.array(obj.matrix_world)
    vertices = np.array([list(v.co) for v in obj.data.vertices])
    return vertices @ world[:3, :3].T + world[:3, 3]


def _box(obj):
    points = _world_vertices(obj)
    return points.min(axis=0), points.max(axis=0)


def _horizontal(v) -> np.ndarray:
    h = np.array([v[0], v[1], 0.0])
    n = np.linalg.norm(h)
    return h / n if n > 0 else h


def _gap(a, b) -> float:
    """Horizontal gap between two world boxes (0 when they overlap in plan)."""
    (alo, ahi), (blo, bhi) = a, b
    d = np.maximum(0.0, np.maximum(alo[:2] - bhi[:2], blo[:2] - ahi[:2]))
    return float(np.linalg.norm(d))


# How far a target may stand and still face its base: the relation library's own bound
# (`fam_adjacency._accept_facing`: gap at most 3.5 x the wider object's width), so an armchair
# 1.6 m from a TV stand faces it as the training data say.
FACING_SPANS = 3.5


def _span(t_box, b_box) -> float:
    """The wider object's larger horizontal extent (m)."""
    return float(max(np.max(t_box[1][:2] - t_box[0][:2]), np.max(b_box[1][:2] - b_box[0][:2])))


def judge(family: str, target, base) -> tuple[bool, str]:
    """(plausible, why not) for the target as Apply Relation left it."""
    from oor_arrange.bridge.meshes import interpenetration, is_supported

    t_mesh, b_mesh = _world_mesh(target.obj), _world_mesh(base.obj)
    depth = interpenetration(t_mesh, b_mesh).depth
    t_box, b_box = _box(target.obj), _box(base.obj)
    up = target.world_direction(target.asset.up)
    upright = float(up[2]) > 0.9
    if family == "support":
        if not is_supported(t_mesh, b_mesh, tolerance=0.03):
            return False, "not resting on the base"
        return (upright and depth < 0.01), ("tilted" if not upright else "sunk into the base")
    if family == "containment":
        lo, hi = np.maximum(t_box[0], b_box[0]), np.minimum(t_box[1], b_box[1])
        inside = np.prod(np.clip(hi - lo, 0, None)) / max(np.prod(t_box[1] - t_box[0]), 1e-12)
        return inside >= 0.5, f"only {inside:.0%} inside"
    if family in ("adjacency", "facing"):
        if depth >= 0.01:
            return False, f"collides ({depth * 100:.1f} cm)"
        if not upright:
            return False, "not upright"
        if abs(t_box[0][2] - b_box[0][2]) > 0.05:
            return False, "not on the base's floor"
        gap = _gap(t_box, b_box)
        if gap > (0.6 if family == "adjacency" else FACING_SPANS * _span(t_box, b_box)):
            return False, f"{gap:.2f} m away"
        if family == "adjacency":
            return True, ""
        front = _horizontal(target.world_direction(target.asset.front))
        toward = _horizontal((b_box[0] + b_box[1]) / 2 - (t_box[0] + t_box[1]) / 2)
        off = np.degrees(np.arccos(np.clip(front @ toward, -1.0, 1.0)))
        return float(front @ toward) > 0.7, f"faces {off:.0f} degrees away from the base"
    if family == "pouring":
        points = _world_vertices(target.obj)
        spout = target.asset.parts.get("spout")
        direction = target.world_direction(spout) if spout else up
        pour = points[np.argmax(points @ direction)]
        centre = (b_box[0] + b_box[1]) / 2
        reach = 1.5 * max(0.5 * float(np.max(b_box[1][:2] - b_box[0][:2])), 0.04)
        if np.linalg.norm(pour[:2] - centre[:2]) > reach:
            return False, (f"pour point {np.linalg.norm(pour[:2] - centre[:2]) * 100:.0f} cm "
                           "from the opening's centre")
        if pour[2] < b_box[1][2] - 0.01:
            return False, "pour point below the rim"
        tilted = float(up[2]) < 0.95
        return tilted and depth < 0.01, "collides" if tilted else "not tilted"
    if family == "cutting":
        edge = target.world_direction(target.asset.parts["edge"])
        touching = _gap(t_box, b_box) < 0.01 and t_box[0][2] < b_box[1][2] + 0.01
        return (float(edge[2]) < -0.5 and touching), ("edge not down" if edge[2] >= -0.5
                                                       else "not touching the food")
    raise ValueError(f"unknown family {family}")


def _upright_pair(folder: pathlib.Path, target_key: str, base_key: str):
    """A fresh scene with the base at the origin and the target away from it, both upright."""
    fresh_scene()
    base = real_assets.import_asset(real_assets.by_key(base_key), folder)
    target = real_assets.import_asset(real_assets.by_key(target_key), folder)
    target.obj.location = (3.0, 2.0, 0.0)
    stand_upright(base)
    stand_upright(target)
    return base, target


def _apply(base, target, prompt: str, seed: int):
    """Apply Relation as the sidebar does: the base active, the target selected."""
    import bpy

    bpy.context.view_layer.update()
    scene_helpers.select(base.obj, target.obj)
    bpy.context.scene.oor.prompt = prompt
    with window():
        result = bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=seed)
    bpy.context.view_layer.update()
    return result


def pair_rows(mode: str, seed: int = 0, matching: str = "") -> list[dict]:
    """mode: 'detected' (axes left alone), 'hand' (the truth set in the panel) or 'default'
    (Blender's +Z up, -Y front, as before detection existed). Objects are
    stood upright first: a base lying on its side would make a right relation look wrong."""

    cases = json.loads((real_assets.ASSETS / "pair_cases.json").read_text())["cases"]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for target_key, base_key, prompt, family in cases:
            if matching.lower() not in prompt.lower():
                continue
            base, target = _upright_pair(pathlib.Path(folder), target_key, base_key)
            if mode == "hand":
                set_by_hand(base)
                set_by_hand(target)
            elif mode == "default":  # what the add-on did before detection: Blender's axes
                for obj in (base.obj, target.obj):
                    obj.oor.up_axis, obj.oor.front_axis = 'POS_Z', 'NEG_Y'
            result = _apply(base, target, prompt, seed)
            ok, why = (judge(family, target, base) if result == {'FINISHED'}
                       else (False, "Apply Relation failed"))
            rows.append({"prompt": prompt, "family": family, "mode": mode, "ok": bool(ok),
                         "why": "" if ok else why})
    return rows


# --- Contact on concave supports ------------------------------------------------------------------

CONCAVE_CASES = (  # target, base, prompt: the base's box top is not the surface the target rests on
    ("pybullet_mug", "pybullet_tray", "A mug on the tray"),
    ("robosuite_can", "pybullet_tray", "A soda can on the tray"),
    ("robosuite_bread", "pybullet_tray", "Bread on the tray"),
    ("sh3d_saltShaker", "pybullet_tray", "A salt shaker on the tray"),
    ("sh3d_glass", "pybullet_tray", "A glass on the serving tray"),
    ("robosuite_can", "sh3d_dustbin", "A soda can in the dustbin"),
    ("robosuite_bottle", "sh3d_dustbin", "A water bottle in the dustbin"),
    ("robosuite_milk", "sh3d_dustbin", "A milk carton in the dustbin"),
    ("robosuite_cereal", "sh3d_bookcase", "A cereal box in the bookcase"),
    ("robosuite_milk", "sh3d_bookcase", "A milk carton on a shelf of the bookcase"),
)
CONTACT_M = 0.002  # resting: the real surface within 2 mm below the target ...
SUNK_M = 0.001  # ... and no deeper than 1 mm into the base


def contact_rows(seeds: int) -> list[dict]:
    """Each concave case at several seeds: does the target rest on the real surface?"""

    from oor_arrange.bridge.meshes import interpenetration, support_gap

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for target_key, base_key, prompt in CONCAVE_CASES:
            for seed in range(seeds):
                base, target = _upright_pair(pathlib.Path(folder), target_key, base_key)
                result = _apply(base, target, prompt, seed)
                t_mesh, b_mesh = _world_mesh(target.obj), _world_mesh(base.obj)
                gap = support_gap(t_mesh, b_mesh) if result == {'FINISHED'} else None
                depth = interpenetration(t_mesh, b_mesh).depth
                rests = gap is not None and -SUNK_M <= gap <= CONTACT_M and depth <= SUNK_M
                rows.append({"prompt": prompt, "seed": seed, "ok": bool(rests),
                             "gap_mm": None if gap is None else round(1000 * gap, 2),
                             "depth_mm": round(1000 * depth, 2)})
    return rows


# --- Latency --------------------------------------------------------------------------------------

VERTICES = 20000  # the size of a detailed asset


def _apply_modifier(obj, modifier) -> None:
    import bpy

    if modifier.type == 'SUBSURF':
        modifier.levels = 1
    with bpy.context.temp_override(object=obj, active_object=obj):
        bpy.ops.object.modifier_apply(modifier=modifier.name)


def latency(repeats: int) -> dict:
    """Warm Apply Relation with a 20,000-vertex target whose axes are detected at first use,
    against the same with axes set; and detection alone, uncached and cached."""
    import bpy

    from oor_arrange.bridge.candidates import CACHE
    from oor_arrange.bridge.frames import detect_object_axes, forget_detections

    with tempfile.TemporaryDirectory() as folder:
        fresh_scene()
        base = real_assets.import_asset(real_assets.by_key("sh3d_table"), pathlib.Path(folder))
        target = real_assets.import_asset(real_assets.by_key("sh3d_armchair2"),
                                          pathlib.Path(folder))
        while len(target.obj.data.vertices) < VERTICES:
            _apply_modifier(target.obj, target.obj.modifiers.new("Subdivide", 'SUBSURF'))
        decimate = target.obj.modifiers.new("Decimate", 'DECIMATE')
        decimate.ratio = VERTICES / len(target.obj.data.vertices)
        _apply_modifier(target.obj, decimate)
        target.obj.location = (3, 0, 0)
        bpy.context.view_layer.update()
        vertices = len(target.obj.data.vertices)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        uncached, cached = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            detect_object_axes(target.obj, depsgraph, fresh=True)
            uncached.append(time.perf_counter() - start)
            start = time.perf_counter()
            detect_object_axes(target.obj, depsgraph)
            cached.append(time.perf_counter() - start)
        scene_helpers.select(base.obj, target.obj)
        bpy.context.scene.oor.prompt = "An armchair next to the table"
        with window():
            bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=0)  # loads the model
        timings = {"set": [], "first_use": []}
        for seed in range(1, repeats + 1):
            for mode in ("set", "first_use"):
                target.obj.matrix_world = target.obj.matrix_world  # same pose each time
                target.obj.oor.axes_source = 'SET' if mode == "set" else 'AUTO'
                if mode == "first_use":
                    target.obj.oor["up_axis"], target.obj.oor["front_axis"] = 4, 3  # defaults
                    forget_detections()
                CACHE.clear()
                start = time.perf_counter()
                with window():
                    bpy.ops.oor.apply_relation('EXEC_DEFAULT', seed=seed)
                timings[mode].append(time.perf_counter() - start)
    return {"vertices": vertices,
            "detect_uncached_median_ms": 1000 * statistics.median(uncached),
            "detect_cached_median_ms": 1000 * statistics.median(cached),
            "warm_apply_axes_set_median_ms": 1000 * statistics.median(timings["set"]),
            "warm_apply_first_use_median_ms": 1000 * statistics.median(timings["first_use"])}


def _share(rows, key) -> str:
    values = [r[key] for r in rows if r.get(key) is not None]
    return f"{sum(values)}/{len(values)} ({100 * sum(values) / max(1, len(values)):.0f} %)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--only", choices=("detection", "pairs", "contact", "latency"))
    parser.add_argument("--seeds", type=int, default=5, help="seeds per concave contact case")
    parser.add_argument("--modes", default="detected,hand",
                        help="pair-case modes: detected, hand, default (comma-separated)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cases", default="", help="only pair cases whose prompt contains this")
    args = parser.parse_args(argv)
    report = {}
    with addon_registered():
        if args.only in (None, "detection"):
            rows = detection_rows()
            report["detection"] = rows
            for via in ("obj", "gltf"):
                part = [r for r in rows if r["via"] == via]
                print(f"detection via {via}: up {_share(part, 'up_ok')}, front "
                      f"{_share(part, 'front_ok')}, working side {_share(part, 'part_ok')}")
            for r in rows:
                if not r["up_ok"] or r["front_ok"] is False or r.get("part_ok") is False:
                    print(f"  miss {r['via']} {r['asset']}: up {r['up']} front {r['front']} "
                          f"({r['up_reason']}; {r['front_reason']})")
        if args.only in (None, "pairs"):
            for mode in args.modes.split(","):
                rows = pair_rows(mode, matching=args.cases)
                report[f"pairs_{mode}"] = rows
                print(f"pair cases, axes {mode}: {_share(rows, 'ok')}")
                for family in FAMILIES:
                    print(f"  {family}: {_share([r for r in rows if r['family'] == family], 'ok')}")
                for r in rows:
                    if not r["ok"]:
                        print(f"  miss: {r['prompt']}: {r['why']}")
        if args.only in (None, "contact"):
            rows = contact_rows(args.seeds)
            report["contact"] = rows
            print(f"resting on the real surface (concave supports): {_share(rows, 'ok')}")
            for prompt in dict.fromkeys(r["prompt"] for r in rows):
                part = [r for r in rows if r["prompt"] == prompt]
                gaps = [r["gap_mm"] for r in part]
                print(f"  {prompt}: {_share(part, 'ok')}, gaps (mm) {gaps}")
        if args.only in (None, "latency"):
            report["latency"] = latency(args.repeats)
            print(json.dumps(report["latency"], indent=1))
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    exit_hard(main())
