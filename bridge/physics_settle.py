# SPDX-License-Identifier: GPL-3.0-or-later
"""Settle: let Blender's own rigid-body simulation drop placed objects into a resting pose.

The simulation runs in a temporary scene on linked copies (same mesh data, no parents), so the
user's scene, its frame and any rigid-body world it has stay untouched; the copies and the
scene are removed afterwards. The settled poses are kept only when every target still rests on
its base, barely turned and barely slid; otherwise the sampled layout stays and the reason is
reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import bpy
import numpy as np
from mathutils import Matrix

from .meshes import WorldMesh, is_supported
from .objects import unchanged_on_error, write_world_matrix

SETTLE_FRAMES = 48  # two seconds at 24 fps: a drop of a few centimetres is long at rest
MARGIN_M = 0.0005  # collision margin (Blender's default 4 cm would float everything)
MAX_TURN_DEG = 20.0  # a settled target turned further no longer holds its relation
MAX_SLIDE = 0.25  # horizontal slide allowed, as a share of the target's largest size


@dataclass
class SettleResult:
    matrices: dict[str, np.ndarray]  # settled world matrices of the targets (kept or not)
    kept: bool
    seconds: float
    reasons: list[str] = field(default_factory=list)  # why the settled poses were not kept


def _linked_copy(obj, collection) -> bpy.types.Object:
    copy = obj.copy()  # shares the mesh data; modifiers and scale come along
    copy.parent = None
    copy.animation_data_clear()
    copy.constraints.clear()
    copy.matrix_world = obj.matrix_world.copy()
    collection.objects.link(copy)
    return copy


def _simulate(fixed: list, moving: list) -> dict[str, np.ndarray]:
    scene = bpy.data.scenes.new("OOR Settle")
    copies = []
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.rigidbody.world_add()
        world = scene.rigidbody_world
        world.collection = bpy.data.collections.new("OOR Settle Bodies")
        pairs = [(obj, _linked_copy(obj, scene.collection), 'PASSIVE') for obj in fixed]
        pairs += [(obj, _linked_copy(obj, scene.collection), 'ACTIVE') for obj in moving]
        for _obj, copy, _kind in pairs:
            world.collection.objects.link(copy)
            copies.append(copy)
        for _obj, copy, kind in pairs:
            body = copy.rigid_body
            body.type = kind
            body.collision_shape = 'MESH' if kind == 'PASSIVE' else 'CONVEX_HULL'
            body.use_margin = True
            body.collision_margin = MARGIN_M
        world.point_cache.frame_start, world.point_cache.frame_end = 1, SETTLE_FRAMES
        for frame in range(1, SETTLE_FRAMES + 1):
            scene.frame_set(frame)
        depsgraph = scene.view_layers[0].depsgraph
        return {obj.name: np.array(copy.evaluated_get(depsgraph).matrix_world)
                for obj, copy, kind in pairs if kind == 'ACTIVE'}
    finally:
        bodies = scene.rigidbody_world.collection if scene.rigidbody_world else None
        for copy in copies:
            bpy.data.objects.remove(copy)
        if bodies is not None:
            bpy.data.collections.remove(bodies)
        bpy.data.scenes.remove(scene)


def _turn_deg(before: np.ndarray, after: np.ndarray) -> float:
    a = Matrix(before.tolist()).to_3x3().normalized()
    b = Matrix(after.tolist()).to_3x3().normalized()
    return float(np.degrees((a.inverted() @ b).to_quaternion().angle))


def settle(fixed: list, moving: list, bases: dict[str, object],
           meshes: dict[str, WorldMesh]) -> SettleResult:
    """Simulate `moving` objects falling onto the `fixed` ones; `bases` maps each moving
    object's name to the object it must still rest on; `meshes` holds both, as they are now."""
    start = time.perf_counter()
    settled = _simulate(fixed, moving)
    reasons = []
    for obj in moving:
        before, after = np.array(obj.matrix_world), settled[obj.name]
        mesh = meshes[obj.name]
        size = float(np.max(mesh.bounds[1] - mesh.bounds[0]))
        base = bases[obj.name]
        if not np.all(np.isfinite(after)):
            reasons.append(f"'{obj.name}' left the simulation")
            continue
        turn = _turn_deg(before, after)
        if turn > MAX_TURN_DEG:
            reasons.append(f"'{obj.name}' tipped over ({turn:.0f} degrees)")
        elif np.linalg.norm(after[:2, 3] - before[:2, 3]) > MAX_SLIDE * size:
            reasons.append(f"'{obj.name}' slid away")
        elif not is_supported(mesh.moved(after), meshes[base.name]):
            reasons.append(f"'{obj.name}' no longer rests on '{base.name}'")
    return SettleResult(settled, not reasons, time.perf_counter() - start, reasons)


def settle_and_write(fixed: list, moving: list, bases: dict[str, object]) -> str:
    """Settle the `moving` objects that rest on their base and write the result when it is kept
    (all or none); objects held in the air by their relation (a lamp above a table, a teapot
    pouring) stay where they are. Returns the sentence for the status line or batch report."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    meshes = {obj.name: WorldMesh.from_object(obj, depsgraph)
              for obj in [*moving, *bases.values()]}
    resting = [obj for obj in moving if obj.name in bases
               and is_supported(meshes[obj.name], meshes[bases[obj.name].name])]
    if not resting:
        return "settle skipped: nothing rests on its base"
    fixed = fixed + [obj for obj in moving if obj not in resting]
    moving = resting
    try:
        result = settle(fixed, moving, bases, meshes)
    except (RuntimeError, ValueError) as error:  # optional: a failure keeps the sampled pose
        return f"settle failed ({error}), the sampled pose stays"
    if not result.kept:
        return (f"settle not kept ({'; '.join(result.reasons)}), the sampled pose stays "
                f"[{result.seconds:.2f} s]")
    with unchanged_on_error(moving):
        for obj in moving:
            write_world_matrix(obj, result.matrices[obj.name])
    return f"settled by physics [{result.seconds:.2f} s]"
