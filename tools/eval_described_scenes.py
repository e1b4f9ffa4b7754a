"""Scenes from one description, arranged as Describe Scene and Arrange Objects do: how many of
the described relations hold, and whether any meshes collide (issue 22's arrangement table).

    python tools/eval_described_scenes.py --json reports/described_scenes.json [--seed 0]

Every description of the test sets (tests/assets/descriptions/*.json) whose objects all have a
library category becomes a scene of objects shaped as the library has their categories (a
table's top on legs, a cup's cavity, a sofa's seat: tests/blender/scene_helpers.stand_in_pieces;
`--boxes`: plain boxes) at their typical sizes, spread on the floor; the description is read and the
scene arranged through the batch runner's own path (headless/batch.apply_relations: read,
sampled jointly, sets laid out, settled, pushed apart, refused if still colliding). Each read
relation is then checked with the library predicate of the relation it asks for (the one its
words plainly state, judged by oor_core/language/relation_check.py's check, which is the
library's predicate but for an "under" whose reference has no room under it, judged beneath it;
else the family of the nearest library prompts, oor_core/evaluation/prompt_family.py) on the
placed boxes; a side relation
(left, right, in front, behind, next to, near: same-floor predicates) of a target that rests on
another object (a plate on the table "in front of the chair") is judged in plan view, its
height owned by what it rests on. A scene the runner refuses counts all its relations as not
held. Objects left standing beside their support rather than on it (a keyboard past the desk's
edge at the desk's height) are counted apart.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections import Counter

from blender_session import (
    REPO,
    addon_registered,
    exit_hard,
    fresh_scene,
    scene_helpers,
    write_json,
)

SETS = ("descriptions", "heldout", "blind", "blind2")


def _build(case, boxes: bool = False) -> dict:
    from oor_arrange.oor_core.evaluation.describe_eval import scene_things
    from oor_arrange.oor_core.relations.category_table import CATEGORIES
    from oor_arrange.oor_core.training.retarget import typical_size

    fresh_scene()
    objects = {}
    for i, thing in enumerate(scene_things(case)):
        objects[thing.name] = scene_helpers.add_stand_in(
            thing.name, CATEGORIES[thing.category], typical_size(thing.category),
            (3.0 * i, -6.0, 0), boxes)
    return objects


def _check(relations, families, library_judge: bool = False) -> list[dict]:
    import bpy

    from oor_arrange.bridge.meshes import WorldMesh
    from oor_arrange.bridge.scene_objects import read_object
    from oor_arrange.oor_core.geometry.box_pose import relative_phi
    from oor_arrange.oor_core.geometry.object_frame import object_frame
    from oor_arrange.oor_core.relations.contexts import Context

    depsgraph = bpy.context.evaluated_depsgraph_get()
    meshes = {obj.name: WorldMesh.from_object(obj, depsgraph)
              for obj in bpy.context.scene.objects if obj.type == "MESH"}
    out = []
    for rel in relations:
        base, target = read_object(bpy.data.objects[rel["base"]], depsgraph), \
            read_object(bpy.data.objects[rel["target"]], depsgraph)
        family, similarity, check = _family(families, rel["prompt"], target.category,
                                            base.category)
        phi = relative_phi(object_frame(base.geometry).pose, object_frame(target.geometry).pose)
        row = {"prompt": rel["prompt"], "family": family, "similarity": round(similarity, 3),
               **({"implied": True} if rel.get("implied") else {})}
        support = _resting_elsewhere(rel, meshes) if family in PLAN_VIEW_FAMILIES else ""
        if support:
            phi = _on_base_floor(phi)
            row["judged"] = f"in plan view: the target rests on '{support}'"
        judge = check.passes if check is not None and not library_judge else \
            Context(family, base.category, target.category).accept
        row["held"] = bool(judge(phi[None])[0])
        out.append(row)
    return out


# Relations that say where beside the base, not at which height: for a target that rests on
# another object (a plate on the table "in front of the chair"), that object owns its height,
# and the library's same-floor predicates judge the plan view.
PLAN_VIEW_FAMILIES = ("left_of", "right_of", "in_front_of", "behind", "next_to", "near")


def _family(families, prompt: str, target: str, base: str):
    """(family, similarity, check): the relation a clause asks for, the one its words plainly
    state where they do (language/relation_check.py, similarity 1, judged by its check: the
    library's predicate, or "beneath" for an "under" whose reference has no room under it),
    else the nearest library prompts' vote (judged by the library's predicate)."""
    from oor_arrange.oor_core.language.relation_check import relation_check

    check = relation_check(prompt, base, target)
    if check is not None:
        return check.family, 1.0, check
    return (*families.family(prompt, target, base), None)


def _resting_elsewhere(rel, meshes) -> str:
    """Another object of the scene (`meshes`: name -> world mesh) that the target rests on (a
    plate set on the table in front of its chair, whether or not a clause says "on the
    table"), else ''."""
    from oor_arrange.bridge.meshes import is_supported

    target = meshes[rel["target"]]
    for name, other in meshes.items():
        if name not in (rel["target"], rel["base"]) and is_supported(target, other):
            return name
    return ""


def _on_base_floor(phi):
    """phi with the target's box lowered or raised to stand on the base's floor."""
    from oor_arrange.oor_core.geometry.oor_vector import TRANSLATION
    from oor_arrange.oor_core.relations.fam_common import unpack

    phi = phi.copy()
    _rot, _t, _s_t, _s_b, he, hb = unpack(phi[None])
    phi[TRANSLATION.start + 1] = he[0, 1] - hb[0, 1]  # y: up in the base frame
    return phi


def evaluate(seed: int, only: str = "", boxes: bool = False,
             library_judge: bool = False) -> dict:
    from oor_arrange.bridge.describe import describe_rows
    from oor_arrange.bridge.model_service import SERVICE, ModelConfig
    from oor_arrange.headless.batch import apply_relations
    from oor_arrange.headless.jobs import Job, JobError
    from oor_arrange.oor_core.evaluation.describe_eval import scene_things
    from oor_arrange.oor_core.evaluation.prompt_family import PromptFamilies
    from oor_arrange.oor_core.relations.category_table import CATEGORIES

    model = SERVICE.get(ModelConfig())
    families = PromptFamilies(model.encoder)
    rows = []
    for name in SETS:
        cases = json.loads((REPO / "tests" / "assets" / "descriptions" / f"{name}.json")
                           .read_text())
        for case in cases:
            if only.lower() not in case["text"].lower():
                continue
            if any(t.category not in CATEGORIES for t in scene_things(case)):
                rows.append({"set": name, "text": case["text"], "skipped": "an object has no "
                             "library category (no typical size, no predicate)"})
                continue
            _build(case, boxes)
            row = {"set": name, "text": case["text"]}
            try:
                _results, check = apply_relations(Job(description=case["text"], seed=seed),
                                                  lambda: model)
            except JobError as error:  # refused: every relation it read counts as not held
                import bpy

                read = describe_rows(case["text"], list(bpy.context.scene.objects))[1].relations
                row.update(refused=str(error)[:300], relations=[
                    {"prompt": r.prompt, "family": "(refused)", "held": False,
                     **({"implied": True} if r.implied else {})} for r in read])
                rows.append(row)
                continue
            read = check.get("description", {}).get("relations", [])
            row.update(colliding=check.get("colliding_pairs", []),
                       unsupported=[p for g in check.get("groups", [check])
                                    for p in g.get("unsupported", [])],
                       relations=_check(read, families, library_judge))
            rows.append(row)
    return {"seed": seed, "shapes": "boxes" if boxes else "library",
            "judge": "library" if library_judge else "words", "scenes": rows}


def summary(report: dict) -> dict:
    scenes = [r for r in report["scenes"] if "skipped" not in r]
    relations = [rel for r in scenes for rel in r["relations"]]
    refused = [r for r in scenes if "refused" in r]
    by_family = Counter(rel["family"] for rel in relations)
    held_by_family = Counter(rel["family"] for rel in relations if rel["held"])
    held = sum(rel["held"] for rel in relations)
    return {
        "scenes": len(scenes), "skipped": len(report["scenes"]) - len(scenes),
        "refused": len(refused), "with_colliding_meshes": sum(bool(r.get("colliding"))
                                                             for r in scenes),
        "objects_standing_off_their_support": sum(len(r.get("unsupported", []))
                                                  for r in scenes),
        "relations": len(relations), "held": held,
        "held_share": round(held / max(1, len(relations)), 3),
        # supports the descriptions imply (language/implied_supports.py), counted above too
        "implied": sum(bool(rel.get("implied")) for rel in relations),
        "implied_held": sum(bool(rel.get("implied")) and rel["held"] for rel in relations),
        "per_family": {f: f"{held_by_family[f]}/{n}" for f, n in by_family.most_common()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--boxes", action="store_true",
                        help="plain boxes instead of the categories' shapes (as measured before "
                             "2026-12-02)")
    parser.add_argument("--library-judge", action="store_true",
                        help="judge every relation by the library's predicate, an 'under' "
                             "with no room under its reference too (as before 2026-12-02)")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="only the descriptions that contain TEXT (to look at one scene)")
    args = parser.parse_args(argv)
    with addon_registered():
        report = evaluate(args.seed, args.only, args.boxes, args.library_judge)
    report["summary"] = summary(report)
    print(json.dumps(report["summary"], indent=1))
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    exit_hard(main())
