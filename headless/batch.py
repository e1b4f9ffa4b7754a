# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless batch runner behind oor_batch.py (interface: DESIGN.md section 5).

One job = one scene: open its .blend (or a clean factory scene when it names none), apply its
relations, then save and report. Outputs are staged and published together only when the whole
job succeeded (headless/outputs.py), so a failed job leaves nothing behind, and the input file is
never written unless `save` names it. Every job starts from its own file, never from the state a
previous job left. The model is loaded once for all jobs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import bpy

from ..bridge.candidates import CACHE
from ..bridge.describe import describe_rows, suggest_rows
from ..bridge.frames import axes_report, detect_again, forget_detections, set_axes_by_hand
from ..bridge.objects import BridgeError
from ..bridge.pair import apply_candidate, candidates_for
from ..bridge.physics_settle import settle_and_write
from ..bridge.relation_rows import RelationRow, connected_groups
from ..bridge.request import as_requested, build_request
from ..bridge.scene import (
    build_scene_request,
    check_layout,
    choose_candidate,
    current_phi,
    layout_from_phi,
    require_groups_apart,
    require_no_collisions,
    scene_meshes,
    write_layouts,
)
from ..bridge.sets import with_set_patterns
from ..oor_core.errors import ModelLoadError, SamplingError
from ..oor_core.model.prompt_text import echo
from ..oor_core.scene.editing import refine
from ..oor_core.scene.multi_object import sample_scene
from .jobs import Job, JobError
from .outputs import StagedOutputs
from .signals import InterruptWatch


def _matrix_rows(obj) -> list[list[float]]:
    return [[float(v) for v in row] for row in obj.matrix_world]


def _scene_rows(job: Job) -> list[RelationRow]:
    scene = bpy.context.scene
    rows = []
    for base_name, target_name, prompt in job.relations:
        for name in (base_name, target_name):
            if scene.objects.get(name) is None:
                source = job.blend or FACTORY_SCENE
                raise JobError(f"relation ('{base_name}', '{target_name}', {echo(prompt)}): no "
                               f"object named '{name}' in {source}")
        rows.append(RelationRow(scene.objects[base_name], scene.objects[target_name], prompt))
    return rows


def describe(error: BaseException) -> str:
    """One line for a failure: expected errors speak for themselves, others say what they are."""
    if isinstance(error, (ValueError, ModelLoadError, SamplingError)):  # JobError, RequestError too
        text = str(error)
    elif isinstance(error, OSError):
        text = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
    else:
        text = f"unexpected {type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def _apply_pair(job: Job, model_getter) -> list[dict]:
    base_name, target_name, prompt = job.relations[0]
    where = f"relation ('{base_name}', '{target_name}', {echo(prompt)})"
    row = _scene_rows(job)[0]
    depsgraph = bpy.context.evaluated_depsgraph_get()
    try:
        request = build_request(row.base, row.target, prompt, depsgraph)
        base, target = as_requested(row.base, row.target, request)
        candidates, _ = candidates_for(model_getter, request, base, target, depsgraph,
                                       job.seed, job.candidates, job.keep_size)
        apply_candidate(target, candidates, 0)  # all or nothing
        settled = settle_and_write([base], [target], {target.name: base}) if job.settle \
            else None
    except Exception as error:  # any failure fails this job alone, naming the relation
        raise JobError(f"{where}: {describe(error)}") from None
    return [{
        "base": base.name, "target": target.name, "prompt": request.prompt,
        "roles": request.note,  # how base and target were read from the prompt, if notable
        "phi": [float(v) for v in candidates.phi[0]],
        "applied_phi": [float(v) for v in candidates.applied_phi[0]],
        "colliding": bool(candidates.colliding[0]),
        "supported": bool(candidates.supported[0]),
        "nfe": candidates.nfe,
        **({"settle": settled} if settled else {}),
    }]


def _settle_scene(request) -> str:
    """Every moved object dropped by rigid-body physics onto the ones that stay (kept only if
    each still rests on its first base)."""
    moving = [request.objects[name] for name in request.moving]
    fixed = [obj for name, obj in request.objects.items() if name not in request.moving]
    bases = {}
    for edge in request.edges:
        bases.setdefault(edge.target, request.objects[edge.base])
    return settle_and_write(fixed, moving, bases)


def _apply_scene(job: Job, model_getter) -> tuple[list[dict], dict]:
    """Several relations sampled jointly (mode sample) or the current layout refined; rows that
    share no object ("a towel on the rack and a soap dish on the sink") are arranged as separate
    groups, each around its own root, and written together or not at all."""
    rows = _scene_rows(job)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    arranged = []
    try:
        model = None
        for group in connected_groups(rows):
            request = build_scene_request(group, depsgraph)
            model = model or model_getter()
            meshes = scene_meshes(request, depsgraph)
            patterns = []
            if job.mode == "refine":
                refined = refine(model, request.edges, current_phi(request),
                                 fixed_nodes=request.anchored)
                phi = refined.phi
                layout = check_layout(request, layout_from_phi(request, phi), meshes)
                losses = dict(refined.losses)
            else:
                result = sample_scene(model, request.edges, min(job.candidates, 8), job.seed,
                                      fixed_phi=request.fixed_phi)
                result, patterns = with_set_patterns(request, result)
                layout = choose_candidate(request, result, meshes)
                phi = {key: values[layout.candidate] for key, values in result.phi.items()}
                losses = {name: float(values[layout.candidate])
                          for name, values in result.losses.items()}
            require_no_collisions(layout)  # never "done" over intersecting meshes
            sets = patterns[layout.candidate] if patterns and patterns[layout.candidate] else []
            arranged.append((request, layout, meshes, phi, losses, sets))
        require_groups_apart([(request, layout, meshes)
                              for request, layout, meshes, *_ in arranged])
        write_layouts([(request, layout) for request, layout, *_ in arranged])  # all or none
        settled = [_settle_scene(request) for request, *_ in arranged] if job.settle else []
    except Exception as error:  # any failure fails this job alone, naming the scene
        raise JobError(f"scene with root '{rows[0].base.name}': {describe(error)}") from None
    relations = [{"base": edge.base, "target": edge.target, "prompt": edge.prompt,
                  "phi": [float(v) for v in phi[edge.key]],
                  "supported": edge.target in layout.resting}
                 for request, layout, _, phi, *_ in arranged for edge in request.edges
                 if edge.target not in request.anchored]  # not the roots held in place
    groups = [{"root": request.root, "losses": losses, **({"sets": sets} if sets else {}),
               **({"settle": settled[i]} if settled else {}),
               "colliding_pairs": [list(pair) for pair in layout.colliding_pairs],
               "unsupported": [list(pair) for pair in layout.unsupported],
               "roles": request.swaps,  # rows the prompt placed the other way round
               **({"kept_in_place": list(request.anchored)} if request.anchored else {})}
              for i, (request, layout, _, _, losses, sets) in enumerate(arranged)]
    check = dict(groups[0])
    if len(groups) > 1:  # the first group's figures at the top, as before; all of them here
        check.update(groups=groups, colliding_pairs=[p for g in groups
                                                     for p in g["colliding_pairs"]],
                     roles=[r for g in groups for r in g["roles"]])
    return relations, check


def _described(job: Job) -> tuple[Job, dict]:
    """A job with a description: its relations read from the text against the scene's objects,
    and what the report says about the reading."""
    try:
        rows, result = describe_rows(job.description, list(bpy.context.scene.objects))
    except ValueError as error:  # RequestError: nothing to arrange from this text
        raise JobError(f"description {echo(job.description)}: {error}") from None
    relations = tuple((row.base.name, row.target.name, row.prompt) for row in rows)
    read = {"text": job.description,
            "relations": [{"base": r.base, "target": r.target, "prompt": r.prompt,
                           "clause": r.clause, **({"note": r.note} if r.note else {}),
                           **({"implied": True} if r.implied else {})}
                          for r in result.relations],
            "not_in_scene": result.not_in_scene, "unmentioned": result.unmentioned,
            "skipped_clauses": result.skipped}
    return replace(job, relations=relations, description=None), read


def _suggested(job: Job) -> tuple[Job, dict]:
    """A job with 'suggest': the typical relation of each object of the scene."""
    try:
        rows, suggestions = suggest_rows(list(bpy.context.scene.objects))
    except ValueError as error:
        raise JobError(f"suggest: {error}") from None
    relations = tuple((row.base.name, row.target.name, row.prompt) for row in rows)
    read = {"suggested": [{"base": s.base, "target": s.target, "family": s.family,
                           "prompt": s.prompt, "score": s.score} for s in suggestions]}
    return replace(job, relations=relations, suggest=False), read


def apply_relations(job: Job, model_getter) -> tuple[list[dict], dict]:
    """Apply the job's relations to the open scene: (per-relation results, scene check)."""
    read = None
    if job.description is not None:
        job, read = _described(job)
        read = {"description": read}
    elif job.suggest:
        job, read = _suggested(job)
    if not job.relations:
        raise JobError("no relation given (--relation BASE TARGET PROMPT or --description)")
    if job.mode == "sample" and len(job.relations) == 1:
        results = _apply_pair(job, model_getter)
        check = {}
    else:
        results, check = _apply_scene(job, model_getter)
    if read is not None:
        check = {**check, **read}
    bpy.context.view_layer.update()
    return results, check


FACTORY_SCENE = "factory scene (empty): the job names no .blend"


def open_scene(job: Job, watch: InterruptWatch) -> str:
    """The job's own starting scene; returns what it is, for the report."""
    if job.blend is None:
        with watch.deferred():
            bpy.ops.wm.read_factory_settings(use_empty=True)
        return FACTORY_SCENE
    if not Path(job.blend).is_file():
        raise JobError(f"input file not found: {job.blend}")
    try:
        with watch.deferred():  # Blender's load handlers would swallow an interrupt
            bpy.ops.wm.open_mainfile(filepath=str(job.blend), load_ui=False)
    except RuntimeError as error:
        raise JobError(f"cannot open {job.blend}: {describe(error)}") from None
    return job.blend


def set_job_axes(job: Job) -> None:
    """The job's 'axes': set by hand, or "detect" to detect again; JobError names the object."""
    for name, given in job.axes.items():
        obj = bpy.context.scene.objects.get(name)
        if obj is None:
            raise JobError(f"axes of '{name}': no object of that name in the scene")
        if given == "detect":
            detect_again(obj)
            continue
        side = given.get("edge", given.get("spout"))
        try:
            set_axes_by_hand(obj, given.get("up"), given.get("front"), side)
        except BridgeError as error:
            raise JobError(f"axes of '{name}': {error}") from None


def _axes_of(relations: list[dict]) -> dict:
    depsgraph = bpy.context.evaluated_depsgraph_get()
    names = sorted({r[role] for r in relations for role in ("base", "target")})
    return {name: axes_report(bpy.context.scene.objects[name], depsgraph) for name in names
            if name in bpy.context.scene.objects}


def placed_summary(report: dict) -> str:
    """'Teacup -> Table (the prompt places ...)' for each relation of a job's report."""
    return ", ".join(f"{r['target']} -> {r['base']}" + (f" ({r['roles']})" if r.get("roles")
                                                         else "")
                     for r in report["relations"])


def job_outcome(job: Job, model_getter, watch: InterruptWatch | None = None) -> dict:
    """One job run in its own boundary (one job never stops another): {"placed": summary} or
    {"error": one line}. Interrupts are BaseExceptions and pass through."""
    try:
        return {"placed": placed_summary(run_job(job, model_getter, watch))}
    except Exception as error:
        return {"error": describe(error)}


def run_job(job: Job, model_getter, watch: InterruptWatch | None = None) -> dict:
    watch = watch or InterruptWatch()
    scene = open_scene(job, watch)
    CACHE.clear()
    forget_detections()  # nothing detected for another job's scene carries over
    set_job_axes(job)
    relations, check = apply_relations(job, model_getter)
    moved = {r["target"] for r in relations}
    report = {
        "blend": job.blend, "scene": scene, "seed": job.seed, "mode": job.mode,
        "relations": relations, "scene_check": check, "axes": _axes_of(relations),
        "objects": {name: {"matrix_world": _matrix_rows(bpy.context.scene.objects[name])}
                    for name in sorted(moved)},
    }
    with StagedOutputs() as outputs:
        if job.save:
            report["save"] = str(job.save)
            with watch.deferred():  # save handlers, like load handlers, swallow interrupts
                outputs.stage(job.save, lambda path: bpy.ops.wm.save_as_mainfile(
                    filepath=str(path), copy=True))
        if job.report:
            outputs.stage(job.report, lambda path: path.write_text(
                json.dumps(report, indent=2) + "\n", encoding="utf-8"))
        outputs.publish()
    watch.published = True  # from here an interrupt no longer undoes this job
    return report
