# SPDX-License-Identifier: GPL-3.0-or-later
"""The one place where Blender objects meet oor_core: read geometry, write world matrices.

Everything returned is plain numpy, so the core is tested with synthetic matrices and this
module with real objects.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from mathutils import Matrix

from ..oor_core.geometry.euler_fit import fit_euler
from ..oor_core.language.object_names import category_for_object_name

GEOMETRY_TYPES = {'MESH', 'CURVE', 'SURFACE', 'FONT', 'META'}
TRANSFORM_PATHS = {"location", "rotation_euler", "rotation_quaternion", "rotation_axis_angle",
                   "scale", "delta_location", "delta_rotation_euler",
                   "delta_rotation_quaternion", "delta_scale"}
# A written world matrix is reached when it is this close, relative to its largest entry (at least
# 1): Blender keeps location/rotation/scale in float32 and composes them in float32, which lands up
# to ~5e-6 away (measured); a real shear that loc/rot/scale cannot hold is off by far more.
_REACHED = 128 * float(np.finfo(np.float32).eps)
_EULER_ORDERS = {'XYZ', 'XZY', 'YXZ', 'YZX', 'ZXY', 'ZYX'}
_CHANNELS = ("location", "rotation_euler", "rotation_quaternion", "rotation_axis_angle", "scale")


class BridgeError(ValueError):
    """An object that cannot take part in a relation; the message names it and says why."""


def as_array(value) -> np.ndarray:
    """A mathutils Matrix (or any rows) as a float64 numpy array."""
    return np.array([list(row) for row in value], dtype=np.float64)


def evaluated_world_matrix(obj, depsgraph) -> np.ndarray:
    """The object's world matrix after constraints, drivers and parents, as numpy."""
    return as_array(obj.evaluated_get(depsgraph).matrix_world)


def _corners(bound_box) -> np.ndarray:
    return np.array([list(corner) for corner in bound_box], dtype=np.float64)


def _collection_bounds(collection, depsgraph) -> np.ndarray | None:
    """Corners of every geometry object a collection instances, in the collection's space."""
    points = []
    for member in collection.all_objects:
        if member.type in GEOMETRY_TYPES:
            evaluated = member.evaluated_get(depsgraph) if depsgraph else member
            corners = _corners(evaluated.bound_box)
            world = as_array(member.matrix_world)
            points.append(corners @ world[:3, :3].T + world[:3, 3])
        elif member.instance_type == 'COLLECTION' and member.instance_collection is not None:
            nested = _collection_bounds(member.instance_collection, depsgraph)
            if nested is not None:
                world = as_array(member.matrix_world)
                points.append(nested @ world[:3, :3].T + world[:3, 3])
    if not points:
        return None
    return np.concatenate(points) - np.array(collection.instance_offset)


def local_bounds(obj, depsgraph=None) -> tuple[np.ndarray, np.ndarray]:
    """Local box of the evaluated object (modifiers applied) or of its instanced collection."""
    if obj.type in GEOMETRY_TYPES:
        evaluated = obj.evaluated_get(depsgraph) if depsgraph else obj
        points = _corners(evaluated.bound_box)
    elif obj.type == 'EMPTY' and obj.instance_type == 'COLLECTION':
        if obj.instance_collection is None:
            raise BridgeError(f"'{obj.name}' instances no collection, so it has no size")
        points = _collection_bounds(obj.instance_collection, depsgraph)
        if points is None:
            raise BridgeError(f"'{obj.name}' instances the collection "
                              f"'{obj.instance_collection.name}', which has no geometry")
    elif obj.type == 'EMPTY':
        raise BridgeError(f"'{obj.name}' is an empty with no geometry; relations need objects "
                          "with a size (meshes, curves, text, metaballs or collection instances)")
    else:
        raise BridgeError(f"'{obj.name}' is a {obj.type.lower()}, not an object with geometry; "
                          "relations need meshes, curves, text, metaballs or collection instances")
    return points.min(axis=0), points.max(axis=0)


def object_category(obj) -> str:
    override = obj.oor.category.strip() if hasattr(obj, "oor") else ""
    return override or category_for_object_name(obj.name)


def transform_warnings(obj) -> list[str]:
    """Reasons why a written transform may not be what the user sees."""
    warnings = []
    active = [c.name for c in obj.constraints if c.enabled]
    if active:
        warnings.append(f"'{obj.name}' has constraints ({', '.join(active)}) that override its "
                        "placement")
    animation = obj.animation_data
    if animation is not None:
        driven = sorted({d.data_path.split("[")[0] for d in animation.drivers
                         if d.data_path.split("[")[0] in TRANSFORM_PATHS})
        if driven:
            warnings.append(f"'{obj.name}' has drivers on {', '.join(driven)} that override its "
                            "placement")
    return warnings


def _parent_matrix(obj) -> Matrix:
    if obj.parent is None:
        return Matrix.Identity(4)
    return obj.parent.matrix_world @ obj.matrix_parent_inverse


def write_world_matrix(obj, world_matrix) -> bool:
    """Give `obj` exactly this world matrix without touching mesh data, or raise BridgeError with
    the object unchanged.

    Location/rotation/scale cannot express a shear, which a rotated child of a non-uniformly
    scaled parent may need; then the parent-inverse matrix absorbs it. Returns True in that case.
    """
    target = Matrix([list(row) for row in np.asarray(world_matrix, dtype=np.float64)])
    if any(not np.isfinite(v) for row in target for v in row):
        raise BridgeError(f"'{obj.name}': refusing to write a non-finite transform")
    with unchanged_on_error([obj]):
        parent = _parent_matrix(obj)
        obj.matrix_basis = parent.inverted_safe() @ target
        if _close(parent @ obj.matrix_basis, target):
            return False
        # Blender decomposed in float32, which near gimbal lock misses by ~1e-4: do it in float64.
        _set_basis_exactly(obj, np.linalg.inv(np.array(parent)) @ np.array(target))
        if _close(parent @ obj.matrix_basis, target):
            return False
        if obj.parent is None:
            raise BridgeError(f"'{obj.name}': the placement needs a shear that location, rotation "
                              "and scale cannot hold (there is no parent to absorb it); nothing "
                              "was moved")
        obj.matrix_parent_inverse = (obj.parent.matrix_world.inverted_safe() @ target
                                     @ obj.matrix_basis.inverted_safe())
        if not _close(obj.parent.matrix_world @ obj.matrix_parent_inverse @ obj.matrix_basis,
                      target):
            raise BridgeError(f"'{obj.name}': its parent '{obj.parent.name}' cannot be "
                              "inverted to reach the placement; nothing was moved")
        return True


def _set_basis_exactly(obj, basis: np.ndarray) -> None:
    """Location, rotation (in the object's own rotation mode) and scale for `basis`, fitted in
    float64; a negative determinant becomes negative scale on all axes, as Blender does."""
    linear = basis[:3, :3]
    scale = np.linalg.norm(linear, axis=0)
    if np.any(scale < 1e-12):
        return  # degenerate: nothing better than Blender's own attempt
    if np.linalg.det(linear) < 0:
        scale = -scale
    rotation = linear / scale
    if obj.rotation_mode in _EULER_ORDERS:
        obj.rotation_euler = fit_euler(rotation, obj.rotation_mode, tuple(obj.rotation_euler))
    else:
        quaternion = Matrix(rotation.tolist()).to_quaternion()
        if obj.rotation_mode == 'QUATERNION':
            obj.rotation_quaternion = quaternion
        else:
            axis, angle = quaternion.to_axis_angle()
            obj.rotation_axis_angle = (angle, *axis)
    obj.location = tuple(basis[:3, 3])
    obj.scale = tuple(scale)


@contextmanager
def unchanged_on_error(objects, properties: tuple[str, ...] = ()):
    """Within: if anything raises (also Ctrl-C), every object gets back its transform and these
    custom properties as they were, so a failed write never leaves a half-moved scene."""
    saved = []
    for obj in objects:
        kept = {key: (list(obj[key]) if key in obj else None) for key in properties}
        # The stored channels themselves, not matrix_basis: a matrix -> Euler -> matrix round
        # trip is not bit-exact, and "unchanged" means unchanged.
        channels = {name: tuple(getattr(obj, name)) for name in _CHANNELS}
        saved.append((obj, obj.rotation_mode, channels, obj.matrix_parent_inverse.copy(), kept))
    try:
        yield
    except BaseException:
        for obj, rotation_mode, channels, parent_inverse, kept in saved:
            obj.matrix_parent_inverse = parent_inverse
            obj.rotation_mode = rotation_mode
            for name, value in channels.items():
                setattr(obj, name, value)
            for key, value in kept.items():
                if value is not None:
                    obj[key] = value
                elif key in obj:
                    del obj[key]
        raise


def _close(a: Matrix, b: Matrix) -> bool:
    da, db = np.array(a), np.array(b)
    return bool(np.max(np.abs(da - db)) <= _REACHED * max(1.0, float(np.max(np.abs(db)))))

