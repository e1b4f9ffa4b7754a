# SPDX-License-Identifier: GPL-3.0-or-later
"""Several objects arranged together, and edits of an existing layout (Blender side).

    request  = build_scene_request(rows)                 validate the graph, read every object
    result   = sample_scene(model, request.edges, ...)    oor_core: joint sampling (Eq. 10)
    choice   = choose_candidate(request, result, ...)    mesh-accurate check of every candidate
    write_layout(request, choice.matrices)               one undo step for all moved objects

The root object stays where it is, and so does any other object no relation places (held to
the root by a fixed relation, scene_graph.anchoring_edges); every object keeps its real size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..oor_core.geometry.box_pose import BoxPose, relative_phi
from ..oor_core.geometry.object_frame import object_frame, world_matrix_for_pose
from ..oor_core.language.working_parts import part_the_prompt_needs
from ..oor_core.scene.scene_graph import anchoring_edges, reachable
from .candidates import lean_axis, lean_into_contact, settle_on_base
from .frames import remember_axes
from .meshes import WorldMesh, interpenetration, is_supported
from .objects import BridgeError, transform_warnings, unchanged_on_error, write_world_matrix
from .pair import PREVIOUS_MATRIX_KEY
from .relation_rows import RelationRow, check_graph
from .request import RequestError, check_editable, placed_by_prompt
from .scene_objects import SceneObject, read_object

CONTACT_TOLERANCE = 0.002  # metres: closer is touching, deeper is colliding
SAME_FLOOR_M = 0.02  # a target whose bottom is this close to its base's stands where it stands


@dataclass
class SceneRequest:
    root: str
    order: list[str]  # placement order, root first
    objects: dict[str, object]  # name -> bpy Object
    info: dict[str, SceneObject]
    edges: list  # oor_core.scene.multi_object.SceneEdge
    swaps: list[str] = field(default_factory=list)  # rows whose prompt placed the other object
    # Objects besides the root that no relation places: they stay where they are, held by a
    # fixed relation to the root (scene_graph.anchoring_edges) that sampling never changes.
    anchored: tuple[str, ...] = ()
    fixed_phi: dict = field(default_factory=dict)  # (root, anchored) -> (15,) as they are now

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [edge.key for edge in self.edges]

    @property
    def related_pairs(self) -> set[frozenset]:
        """Pairs of objects with a relation between them (their contact is the relation's)."""
        return {frozenset(key) for key in self.keys}

    @property
    def moving(self) -> list[str]:
        return [name for name in self.order if name != self.root and name not in self.anchored]


@dataclass
class Layout:
    """Target world matrices of the moving objects, and what the final check found."""

    matrices: dict[str, np.ndarray]
    colliding_pairs: list[tuple[str, str]] = field(default_factory=list)
    resting: list[str] = field(default_factory=list)  # targets that touch their base below
    # (object, support): it stands beside a base that rests on `support` ("a keyboard in front
    # of the monitor", the monitor on the desk) but has nothing of `support` under it
    unsupported: list[tuple[str, str]] = field(default_factory=list)
    candidate: int = 0
    inconsistency: float = 0.0


def build_scene_request(rows: list[RelationRow], depsgraph, fixed: tuple[str, ...] = ()
                        ) -> SceneRequest:
    """Everything checked before any work: the graph, the objects, their transforms."""
    from ..oor_core.scene.multi_object import SceneEdge, edge_known_scales  # torch, on first use

    swaps, placed = [], []
    for row in rows:
        base, target, note, swapped = placed_by_prompt(row.base, row.target, row.prompt)
        placed.append(RelationRow(base, target, row.prompt))
        if swapped:  # "A mug on the table" in a row that names the table as target
            swaps.append(f"'{row.prompt}': {note}")
    rows = placed
    objects = {}
    for row in rows:
        objects[row.base.name], objects[row.target.name] = row.base, row.target
    anchors = [RelationRow(objects[main], objects[other],
                           f"The {other} where it is, beside the {main}")
               for main, other in anchoring_edges((r.base.name, r.target.name) for r in rows)]
    anchored = tuple(row.target.name for row in anchors)
    root, order = check_graph(rows + anchors)
    for name in order:
        if name == root or name in fixed or name in anchored:
            continue
        check_editable(objects[name], "object")
        overrides = transform_warnings(objects[name])
        if overrides:
            raise RequestError(f"The object {overrides[0]}; disable or remove them first")
    hints = {row.target.name: part_the_prompt_needs(row.prompt) for row in rows}
    try:
        info = {name: read_object(obj, depsgraph, hints.get(name, ""))
                for name, obj in objects.items()}
    except BridgeError as error:
        raise RequestError(str(error)) from None
    poses = {name: object_frame(item.geometry).pose for name, item in info.items()}
    edges = [SceneEdge(row.base.name, row.target.name, row.prompt,
                       info[row.base.name].category, info[row.target.name].category,
                       edge_known_scales(poses[row.base.name], poses[row.target.name]))
             for row in rows + anchors]
    fixed_phi = {(row.base.name, row.target.name): relative_phi(poses[row.base.name],
                                                               poses[row.target.name])
                 for row in anchors}
    return SceneRequest(root, order, objects, info, edges, swaps, anchored, fixed_phi)


def current_phi(request: SceneRequest) -> dict[tuple[str, str], np.ndarray]:
    """The relations as they are in the scene now (what Refine starts from)."""
    poses = {name: object_frame(item.geometry).pose for name, item in request.info.items()}
    return {edge.key: relative_phi(poses[edge.base], poses[edge.target])
            for edge in request.edges}


def world_matrices(request: SceneRequest, root_frame_poses: dict[str, BoxPose],
                   names=None) -> dict[str, np.ndarray]:
    """World matrices that put each object's box at its pose in the root's canonical space."""
    root = object_frame(request.info[request.root].geometry).pose
    unit = root.longest_edge
    out = {}
    for name in names or request.moving:
        pose = root_frame_poses[name]
        frame = object_frame(request.info[name].geometry)
        world = BoxPose(root.rotation @ pose.rotation,
                        root.center + unit * (root.rotation @ pose.center), frame.pose.size)
        out[name] = world_matrix_for_pose(frame, world)
    return out


def layout_from_phi(request: SceneRequest, phi: dict[tuple[str, str], np.ndarray],
                    names=None) -> dict[str, np.ndarray]:
    """World matrices from one phi per edge (consensus over parent paths)."""
    from ..oor_core.scene.multi_object import consensus_poses

    keys = request.keys
    stacked = np.stack([np.asarray(phi[key], np.float64) for key in keys])[:, None, :]
    poses = {node: found[0] for node, found in consensus_poses(keys, stacked).items()}
    return world_matrices(request, poses, names)


def settle_layout(request: SceneRequest, matrices: dict[str, np.ndarray],
                  meshes) -> dict[str, np.ndarray]:
    """Each target meant to rest on its base dropped onto the base's real surface (a tray's
    floor, not its rim height), bases first; what rests on a settled object goes down with it.
    A target with several bases settles on the first; one leaning against its base is slid
    against the base's mesh (candidates.lean_into_contact)."""
    settled = dict(matrices)
    drops: dict[str, float] = {}
    for edge in sorted(request.edges, key=lambda e: request.order.index(e.target)):
        if edge.target not in matrices or edge.target in drops:
            continue
        matrix = matrices[edge.target].copy()
        matrix[2, 3] += drops.get(edge.base, 0.0)  # the base went down: follow it
        base = meshes[edge.base].moved(settled[edge.base]) if edge.base in settled \
            else meshes[edge.base]
        settled[edge.target] = settle_on_base(request.info[edge.target].geometry, matrix,
                                              meshes[edge.target], base)
        lean = lean_axis(edge.prompt, edge.base_name, edge.target_name)
        if lean is not None:  # "the backpack leans against the bed": against its mesh
            settled[edge.target] = lean_into_contact(request.info[edge.target].geometry,
                                                     settled[edge.target], meshes[edge.target],
                                                     base, lean)
        drops[edge.target] = float(settled[edge.target][2, 3] - matrices[edge.target][2, 3])
    return settled


def settled_layout_from_phi(request: SceneRequest, phi: dict[tuple[str, str], np.ndarray],
                            depsgraph) -> dict[str, np.ndarray]:
    """What an edit writes: the layout of one phi per edge, with resting objects on their
    bases' real surfaces (a tray's floor)."""
    return settle_layout(request, layout_from_phi(request, phi), scene_meshes(request, depsgraph))


def check_layout(request: SceneRequest, matrices: dict[str, np.ndarray], meshes) -> Layout:
    """Targets settled onto their bases' real surfaces, then the mesh-accurate check: pairs
    without a relation must not interpenetrate; targets that rest on their base should touch
    it."""
    matrices = settle_layout(request, matrices, meshes)
    placed = {name: (meshes[name].moved(matrices[name]) if name in matrices else meshes[name])
              for name in request.order}
    related = request.related_pairs
    colliding = []
    names = request.order
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if frozenset((a, b)) in related:
                continue
            if interpenetration(placed[a], placed[b], tolerance=CONTACT_TOLERANCE).colliding:
                colliding.append((a, b))
    resting = [edge.target for edge in request.edges
               if edge.target in matrices and is_supported(placed[edge.target], placed[edge.base])]
    return Layout(matrices, colliding, resting, unsupported_objects(request, placed, resting))


def inherited_supports(request: SceneRequest, placed, resting) -> dict[str, str]:
    """What each moved object stands on: the base it rests on, else, when it stands at the
    floor of a base that stands on something ("a keyboard in front of the monitor", the
    monitor on the desk), that base's support, in placement order."""
    support: dict[str, str] = {}
    for name in request.order:
        into = [edge for edge in request.edges if edge.target == name]
        bottom = placed[name].bounds[0][2]
        on_base = next((edge.base for edge in into if name in resting
                        and is_supported(placed[name], placed[edge.base])), None)
        if on_base is not None:
            # raised by it (a monitor on the desk); not a bin on the floor between its legs
            if bottom > placed[on_base].bounds[0][2] + SAME_FLOOR_M:
                support[name] = on_base
            continue
        beside = next((support[edge.base] for edge in into if edge.base in support
                       and abs(bottom - placed[edge.base].bounds[0][2]) <= SAME_FLOOR_M), None)
        if beside is not None:
            support[name] = beside
    return support


def unsupported_objects(request: SceneRequest, placed, resting) -> list[tuple[str, str]]:
    """(object, support) for moved objects that stand beside a base on `support` with nothing
    of `support` under them: floating off the desk's edge at its height."""
    supports = inherited_supports(request, placed, resting)
    return [(name, below) for name, below in supports.items()
            if name in request.moving and name not in resting
            and not is_supported(placed[name], placed[below])]


def choose_candidate(request: SceneRequest, result, meshes, movable=None) -> Layout:
    """The best-ranked candidate without mesh collisions; else the least colliding one with its
    colliding objects pushed apart (`separate`, only `movable` ones where given), which may
    still collide: callers refuse it (`require_no_collisions`)."""
    best = None
    for k in range(len(result)):
        poses = {node: found[k] for node, found in result.poses.items()}
        layout = check_layout(request, world_matrices(request, poses), meshes)
        layout.candidate = k
        layout.inconsistency = float(result.losses["inconsistency"][k])
        if not layout.colliding_pairs:
            return _brought_onto_supports(request, layout, meshes, movable)
        if best is None or len(layout.colliding_pairs) < len(best.colliding_pairs):
            best = layout
    separated = check_layout(request, separate(request, best, meshes, movable), meshes)
    separated.candidate, separated.inconsistency = best.candidate, best.inconsistency
    return _brought_onto_supports(request, separated, meshes, movable)


def _brought_onto_supports(request: SceneRequest, layout: Layout, meshes, movable) -> Layout:
    """The layout with its unsupported objects moved onto their supports where that leaves no
    collision (the best-ranked candidate keeps its relations; a later one may break them).
    Objects that are not `movable` are not this edit's to fix and go unreported."""
    _only_movable(layout, movable)
    if not layout.unsupported or layout.colliding_pairs:
        return layout
    moved = _only_movable(check_layout(request, onto_supports(request, layout, meshes, movable),
                                       meshes), movable)
    if moved.colliding_pairs or len(moved.unsupported) >= len(layout.unsupported):
        return layout
    moved.candidate, moved.inconsistency = layout.candidate, layout.inconsistency
    return moved


def _only_movable(layout: Layout, movable) -> Layout:
    if movable is not None:
        layout.unsupported = [u for u in layout.unsupported if u[0] in movable]
    return layout


def onto_supports(request: SceneRequest, layout: Layout, meshes, movable=None
                  ) -> dict[str, np.ndarray]:
    """Each unsupported object moved sideways by the least that puts its footprint over its
    support's box, then further in 1 cm steps (at most 20), until it stands on the support
    without touching anything else: first together with the base it stands beside and all that
    is placed relative to that (the monitor with the keyboard in front of it: their relations
    kept as sampled), else with what is placed relative to it alone; left where it was when
    nothing works."""
    matrices = {name: m.copy() for name, m in layout.matrices.items()}
    may_move = set(matrices) if movable is None else set(movable) & set(matrices)
    related = request.related_pairs
    for name, below in layout.unsupported:
        (lo, hi) = _mesh_at(meshes, matrices, name).bounds
        (s_lo, s_hi) = _mesh_at(meshes, matrices, below).bounds
        inside = np.zeros(3)
        for axis in (0, 1):
            inside[axis] = max(0.0, s_lo[axis] - lo[axis]) - max(0.0, hi[axis] - s_hi[axis])
        length = float(np.linalg.norm(inside))
        if length < 1e-9:
            continue
        for anchor in dict.fromkeys((_standing_beside(request, name, below, layout), name)):
            movers = _descendants(request, anchor)
            if not set(movers) <= may_move:
                continue
            shift = _shift_onto(meshes, matrices, movers, (name, anchor), below, inside,
                                [n for n in request.order if n not in movers], related)
            if shift is not None:
                for mover in movers:
                    matrices[mover][:3, 3] += shift
                break
    return matrices


def _standing_beside(request: SceneRequest, name: str, below: str, layout: Layout) -> str:
    """The object that rests on `below` and that `name` stands beside, directly or through
    other objects standing beside it (the monitor, for the mouse beside the keyboard in front
    of it)."""
    current = name
    while True:
        parent = next((edge.base for edge in request.edges if edge.target == current
                       and edge.base != below and edge.base in layout.matrices), None)
        if parent is None:
            return current
        current = parent


def _shift_onto(meshes, matrices, movers, standing, below, inside, others, related):
    """The first shift along `inside` that leaves `standing` on `below` and makes no new
    interpenetration (related pairs that already touch, a cup in its bowl, may go on)."""
    def hits(mover, other, shift=None):
        return interpenetration(_mesh_at(meshes, matrices, mover, shift),
                                _mesh_at(meshes, matrices, other),
                                tolerance=CONTACT_TOLERANCE).colliding

    pairs = [(m, o) for m in movers for o in others
             if frozenset((m, o)) not in related or not hits(m, o)]
    length = float(np.linalg.norm(inside))
    support = _mesh_at(meshes, matrices, below)
    for step in range(21):
        shift = inside * (1.0 + 0.01 * step / length)
        if all(is_supported(_mesh_at(meshes, matrices, n, shift), support) for n in standing) \
                and not any(hits(m, o, shift) for m, o in pairs):
            return shift
    return None


PUSH_FIRST_M, PUSH_LAST_M = 0.005, 1.0  # push distances tried, doubling from the first


def _descendants(request: SceneRequest, name: str) -> list[str]:
    """`name` and every object placed relative to it, directly or not."""
    return [name, *reachable(request.keys, name)]


def _mesh_at(meshes, matrices, name: str, shift=None) -> WorldMesh:
    matrix = matrices.get(name)
    if matrix is None:
        return meshes[name]  # the root, or an object this edit keeps in place
    if shift is not None:
        matrix = matrix.copy()
        matrix[:3, 3] += shift
    return meshes[name].moved(matrix)


def separate(request: SceneRequest, layout: Layout, meshes, movable=None
             ) -> dict[str, np.ndarray]:
    """Resolve mesh collisions between unrelated objects: the later-placed one of each pair
    moves sideways (with what rests on it) by the shortest tried distance that clears the pair
    and keeps it on the base it rested on: straight away from the other first, then across,
    then back. Heights are kept."""
    matrices = {name: m.copy() for name, m in layout.matrices.items()}
    may_move = set(matrices) if movable is None else set(movable) & set(matrices)
    for first, second in layout.colliding_pairs:
        later_first = request.order.index(first) > request.order.index(second)
        mover, other = (first, second) if later_first else (second, first)
        if mover not in may_move:
            mover, other = other, mover
        if mover not in may_move:
            continue  # neither may move
        centre = sum(_mesh_at(meshes, matrices, mover).bounds)
        away = centre - sum(_mesh_at(meshes, matrices, other).bounds)
        away[2] = 0.0
        length = float(np.linalg.norm(away))
        away = away / length if length > 1e-9 else np.array([1.0, 0.0, 0.0])
        across = np.array([-away[1], away[0], 0.0])
        bases = [e.base for e in request.edges if e.target == mover]
        resting_on = [b for b in bases if is_supported(_mesh_at(meshes, matrices, mover),
                                                       _mesh_at(meshes, matrices, b))]
        shift = _clearing_shift(meshes, matrices, mover, other, resting_on,
                                (away, across, -across, -away))
        if shift is not None:
            for name in _descendants(request, mover):
                if name in may_move:
                    matrices[name][:3, 3] += shift
    return matrices


def _clearing_shift(meshes, matrices, mover: str, other: str, resting_on: list[str],
                    directions) -> np.ndarray | None:
    distance = PUSH_FIRST_M
    while distance <= PUSH_LAST_M:
        for direction in directions:
            moved = _mesh_at(meshes, matrices, mover, direction * distance)
            if interpenetration(moved, _mesh_at(meshes, matrices, other),
                                tolerance=CONTACT_TOLERANCE).colliding:
                continue
            if all(is_supported(moved, _mesh_at(meshes, matrices, b)) for b in resting_on):
                return direction * distance
        distance *= 2.0
    return None


def scene_meshes(request: SceneRequest, depsgraph) -> dict[str, WorldMesh]:
    return {name: WorldMesh.from_object(obj, depsgraph) for name, obj in request.objects.items()}


def write_layout(request: SceneRequest, matrices: dict[str, np.ndarray]) -> None:
    """Move every object of the layout, each remembering its pose for Reset; all or none."""
    moved = [request.objects[name] for name in matrices]
    with unchanged_on_error(moved, (PREVIOUS_MATRIX_KEY,)):
        for obj, matrix in zip(moved, matrices.values(), strict=True):
            obj[PREVIOUS_MATRIX_KEY] = [float(v) for v in np.array(obj.matrix_world).flatten()]
            write_world_matrix(obj, matrix)
    for name, info in request.info.items():  # applied: first detections become records
        remember_axes(request.objects[name], info.axes)


def roles_note(request: SceneRequest) -> str:
    """'; ...' for the status line when rows were read the other way round or an object's axes
    were guessed from little evidence, else ''."""
    guessed = [info.axes.note for info in request.info.values() if info.axes and info.axes.note]
    return "".join(f"; {part}" for part in (*request.swaps, *anchored_note(request), *guessed))


def anchored_note(request: SceneRequest) -> list[str]:
    """What the report says of objects that no relation places besides the root."""
    if not request.anchored:
        return []
    names = ", ".join(f"'{name}'" for name in request.anchored)
    return [f"{names} and '{request.root}' stay where they are (no relation places "
            f"{'it' if len(request.anchored) == 1 else 'them'})"]


def require_groups_apart(arranged: list[tuple[SceneRequest, Layout, dict]]) -> None:
    """RequestError naming the pair when objects of two groups arranged separately (rows that
    share no object, relation_rows.connected_groups) would interpenetrate: each group's own
    check sees only its own objects. `arranged`: (request, layout, meshes) per group."""
    placed = [{name: meshes[name].moved(layout.matrices[name]) if name in layout.matrices
               else meshes[name] for name in request.order}
              for request, layout, meshes in arranged]
    for i, group in enumerate(placed):
        for other in placed[i + 1:]:
            for a, mesh_a in group.items():
                for b, mesh_b in other.items():
                    if interpenetration(mesh_a, mesh_b, tolerance=CONTACT_TOLERANCE).colliding:
                        raise RequestError(
                            f"No arrangement without collisions: '{a}' and '{b}', arranged in "
                            "separate groups, would interpenetrate; nothing was moved (try "
                            "another seed)")


def write_layouts(arranged: list[tuple[SceneRequest, Layout]]) -> None:
    """write_layout for several groups: every object of every group moved, or none."""
    moved = [request.objects[name] for request, layout in arranged for name in layout.matrices]
    with unchanged_on_error(moved, (PREVIOUS_MATRIX_KEY,)):
        for request, layout in arranged:
            write_layout(request, layout.matrices)


def require_no_collisions(layout: Layout) -> None:
    """RequestError naming the pairs when the chosen layout still has meshes inside each other:
    a layout is never applied, nor a batch job reported done, over intersecting meshes."""
    if layout.colliding_pairs:
        pairs = ", ".join(f"'{a}' and '{b}'" for a, b in layout.colliding_pairs)
        raise RequestError(f"No arrangement without collisions: {pairs} would interpenetrate "
                           "even pushed apart; nothing was moved (try another seed, more "
                           "candidates, or fewer objects on one base)")


def describe(layout: Layout) -> str:
    if layout.colliding_pairs:
        pairs = ", ".join(f"'{a}' and '{b}'" for a, b in layout.colliding_pairs)
        return f"no collision-free candidate: {pairs} interpenetrate"
    return "no collisions" + unsupported_note(layout)


def unsupported_note(layout: Layout) -> str:
    """'; ...' naming objects left standing beside their support, else ''."""
    return "".join(f"; '{name}' stands off '{below}' (nothing under it)"
                   for name, below in layout.unsupported)
