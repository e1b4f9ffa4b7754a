# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless batch runner behind oor_batch.py (interface: DESIGN.md section 5).

One job = one scene: open a .blend (or use the one Blender opened), apply its relations, then
save and report. Outputs are written to temporary files and renamed only when the whole job
succeeded, so a failed job leaves nothing behind, and the input file is never written unless
`save` names it. The model is loaded once for all jobs.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import bpy

from ..bridge.candidates import CACHE
from ..bridge.pair import apply_candidate, candidates_for
from ..bridge.relation_rows import RelationRow
from ..bridge.request import RequestError, build_request
from ..bridge.scene import (
    build_scene_request,
    check_layout,
    choose_candidate,
    current_phi,
    layout_from_phi,
    scene_meshes,
    write_layout,
)
from ..oor_core.errors import ModelLoadError
from ..oor_core.scene.editing import refine
from ..oor_core.scene.multi_object import sample_scene
from .jobs import Job, JobError


def _matrix_rows(obj) -> list[list[float]]:
    return [[float(v) for v in row] for row in obj.matrix_world]


def _scene_rows(job: Job) -> list[RelationRow]:
    scene = bpy.context.scene
    rows = []
    for base_name, target_name, prompt in job.relations:
        for name in (base_name, target_name):
            if scene.objects.get(name) is None:
                raise JobError(f"relation ('{base_name}', '{target_name}', '{prompt}'): no "
                               f"object named '{name}' in the scene")
        rows.append(RelationRow(scene.objects[base_name], scene.objects[target_name], prompt))
    return rows


def _apply_pair(job: Job, model_getter) -> list[dict]:
    base_name, target_name, prompt = job.relations[0]
    where = f"relation ('{base_name}', '{target_name}', '{prompt}')"
    row = _scene_rows(job)[0]
    depsgraph = bpy.context.evaluated_depsgraph_get()
    try:
        request = build_request(row.base, row.target, prompt, depsgraph)
        candidates, _ = candidates_for(model_getter, request, row.base, row.target, depsgraph,
                                       job.seed, job.candidates, job.keep_size)
    except (RequestError, ModelLoadError, ValueError) as error:
        raise JobError(f"{where}: {error}") from None
    apply_candidate(row.target, candidates, 0)
    return [{
        "base": base_name, "target": target_name, "prompt": request.prompt,
        "phi": [float(v) for v in candidates.phi[0]],
        "applied_phi": [float(v) for v in candidates.applied_phi[0]],
        "colliding": bool(candidates.colliding[0]),
        "supported": bool(candidates.supported[0]),
        "nfe": candidates.nfe,
    }]


def _apply_scene(job: Job, model_getter) -> tuple[list[dict], dict]:
    """Several relations sampled jointly (mode sample) or the current layout refined."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    try:
        request = build_scene_request(_scene_rows(job), depsgraph)
        model = model_getter()
        meshes = scene_meshes(request, depsgraph)
        if job.mode == "refine":
            refined = refine(model, request.edges, current_phi(request))
            phi = refined.phi
            layout = check_layout(request, layout_from_phi(request, phi), meshes)
            losses = dict(refined.losses)
        else:
            result = sample_scene(model, request.edges, min(job.candidates, 8), job.seed)
            layout = choose_candidate(request, result, meshes)
            phi = {key: values[layout.candidate] for key, values in result.phi.items()}
            losses = {name: float(values[layout.candidate])
                      for name, values in result.losses.items()}
    except (RequestError, ModelLoadError, ValueError) as error:
        raise JobError(f"scene with root '{_scene_rows(job)[0].base.name}': {error}") from None
    write_layout(request, layout.matrices)
    relations = [{"base": edge.base, "target": edge.target, "prompt": edge.prompt,
                  "phi": [float(v) for v in phi[edge.key]],
                  "supported": edge.target in layout.resting} for edge in request.edges]
    check = {"root": request.root, "losses": losses,
             "colliding_pairs": [list(pair) for pair in layout.colliding_pairs]}
    return relations, check


def apply_relations(job: Job, model_getter) -> tuple[list[dict], dict]:
    """Apply the job's relations to the open scene: (per-relation results, scene check)."""
    if not job.relations:
        raise JobError("no relation given (--relation BASE TARGET PROMPT)")
    if job.mode == "sample" and len(job.relations) == 1:
        results = _apply_pair(job, model_getter)
        check = {}
    else:
        results, check = _apply_scene(job, model_getter)
    bpy.context.view_layer.update()
    return results, check


def _temporary_beside(path: Path, suffix: str) -> Path:
    """A fresh name next to the output (same file system, so the final rename is atomic); not
    created here, or Blender would keep a .blend1 backup of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent / f".{path.stem}-{uuid.uuid4().hex}{suffix}"


def run_job(job: Job, model_getter) -> dict:
    if job.blend:
        if not Path(job.blend).is_file():
            raise JobError(f"input file not found: {job.blend}")
        try:
            bpy.ops.wm.open_mainfile(filepath=str(job.blend), load_ui=False)
        except RuntimeError as error:
            raise JobError(f"cannot open {job.blend}: {error}") from None
    CACHE.clear()
    relations, check = apply_relations(job, model_getter)
    moved = {r["target"] for r in relations}
    report = {
        "blend": job.blend or bpy.data.filepath, "seed": job.seed, "mode": job.mode,
        "relations": relations, "scene_check": check,
        "objects": {name: {"matrix_world": _matrix_rows(bpy.context.scene.objects[name])}
                    for name in sorted(moved)},
    }
    staged = []
    try:
        if job.save:
            blend_tmp = _temporary_beside(Path(job.save), ".blend")
            staged.append((blend_tmp, Path(job.save)))
            bpy.ops.wm.save_as_mainfile(filepath=str(blend_tmp), copy=True)
            report["save"] = str(job.save)
        if job.report:
            report_tmp = _temporary_beside(Path(job.report), ".json")
            staged.append((report_tmp, Path(job.report)))
            report_tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        for temporary, final in staged:
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return report


