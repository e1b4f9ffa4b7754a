"""Multi-object scenes through the add-on's own path, meshes included: how many final layouts
have intersecting meshes, and how many relations hold between the placed objects.

    python tools/eval_scene_collisions.py --json reports/scene_collisions.json [--candidates 8]

The 24 library scenes of `oor_core.evaluation.multi_object_eval` (3 to 6 objects, real sizes
drawn from the categories) are built as Blender objects shaped as the library has them (a
table's top on legs, a cup's cavity, a sofa's seat; `--boxes`: plain boxes), sampled with
guidance, and laid out as
Arrange Objects does: before (the first collision-free candidate, else the least colliding one
applied as sampled) and now (settled onto the real surfaces, colliding objects pushed apart, a
layout that still collides refused). A relation holds when the library's plausibility predicate
accepts the placed boxes.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
from blender_session import (
    addon_registered,
    exit_hard,
    fresh_scene,
    scene_helpers,
    write_json,
)


def _build(scene, boxes: bool = False):
    """Stand-ins shaped as the library has each category (a table on legs, a cup with its
    cavity, a sofa with its seat: scene_helpers.stand_in_pieces) at the scene's sizes, spread out
    on the floor; relation rows as the sidebar list holds them."""

    from oor_arrange.bridge.relation_rows import RelationRow
    from oor_arrange.oor_core.evaluation.multi_object_eval import prompt_for
    from oor_arrange.oor_core.relations.category_table import CATEGORIES

    fresh_scene()
    objects = {}
    for i, (node, size) in enumerate(scene.sizes.items()):
        category = CATEGORIES[scene.nodes[node]]
        objects[node] = scene_helpers.add_stand_in(node, category, size, (4.0 * i, 0, 0), boxes)
    rows = [RelationRow(objects[b], objects[t], prompt_for(f, scene.nodes[b], scene.nodes[t]))
            for b, t, f in scene.relations]
    return objects, rows


def _held(scene, request, matrices) -> list[bool]:
    from oor_arrange.oor_core.geometry.box_pose import relative_phi
    from oor_arrange.oor_core.geometry.object_frame import ObjectGeometry, object_frame

    poses = {}
    for name, info in request.info.items():
        g = info.geometry
        world = matrices.get(name, g.world_matrix)
        poses[name] = object_frame(ObjectGeometry(world, g.bbox_min, g.bbox_max, g.up,
                                                  g.front)).pose
    return [bool(scene.context(b, t, f).accept(relative_phi(poses[b], poses[t]))[0])
            for b, t, f in scene.relations]


def _sampled_layout(request, result, meshes):
    """Before: the first candidate without collisions, else the least colliding, as sampled."""
    from oor_arrange.bridge.meshes import interpenetration
    from oor_arrange.bridge.scene import CONTACT_TOLERANCE, world_matrices

    related = {frozenset(key) for key in request.keys}
    best = None
    for k in range(len(result)):
        matrices = world_matrices(request, {n: f[k] for n, f in result.poses.items()})
        placed = {n: meshes[n].moved(matrices[n]) if n in matrices else meshes[n]
                  for n in request.order}
        names = request.order
        colliding = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                     if frozenset((a, b)) not in related and interpenetration(
                         placed[a], placed[b], tolerance=CONTACT_TOLERANCE).colliding]
        if best is None or len(colliding) < len(best[1]):
            best = (matrices, colliding)
        if not colliding:
            break
    return best


def evaluate(candidates: int, seed: int, boxes: bool = False) -> dict:
    import bpy

    from oor_arrange.bridge.model_service import SERVICE, ModelConfig
    from oor_arrange.bridge.scene import build_scene_request, choose_candidate, scene_meshes
    from oor_arrange.oor_core.evaluation.multi_object_eval import build_scenes
    from oor_arrange.oor_core.scene.multi_object import sample_scene

    model = SERVICE.get(ModelConfig())
    rows = []
    for i, scene in enumerate(build_scenes()):
        _objects, relation_rows = _build(scene, boxes)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        request = build_scene_request(relation_rows, depsgraph)
        meshes = scene_meshes(request, depsgraph)
        result = sample_scene(model, request.edges, candidates, seed + i,
                              fixed_phi=request.fixed_phi)
        before, before_pairs = _sampled_layout(request, result, meshes)
        layout = choose_candidate(request, result, meshes)
        rows.append({"scene": scene.name, "objects": len(scene.nodes),
                     "before_colliding": [list(p) for p in before_pairs],
                     "before_held": _held(scene, request, before),
                     "now_colliding": [list(p) for p in layout.colliding_pairs],
                     "now_refused": bool(layout.colliding_pairs),
                     "now_unsupported": [list(p) for p in layout.unsupported],
                     "now_held": _held(scene, request, layout.matrices)})
    return {"scenes": rows, "candidates": candidates, "seed": seed,
            "shapes": "boxes" if boxes else "library"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--boxes", action="store_true",
                        help="plain boxes instead of the categories' shapes (as measured before "
                             "2026-12-02)")
    args = parser.parse_args(argv)
    with addon_registered():
        report = evaluate(args.candidates, args.seed, args.boxes)
    rows = report["scenes"]
    for when in ("before", "now"):
        colliding = sum(bool(r[f"{when}_colliding"]) for r in rows)
        held = [h for r in rows for h in r[f"{when}_held"]]
        print(f"{when}: {colliding}/{len(rows)} scenes with intersecting meshes, "
              f"{sum(held)}/{len(held)} relations hold ({100 * np.mean(held):.1f} %)")
    print(f"now refused (still colliding after pushing apart): "
          f"{sum(r['now_refused'] for r in rows)}/{len(rows)}; objects standing off their "
          f"support: {sum(len(r['now_unsupported']) for r in rows)}")
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    exit_hard(main())
