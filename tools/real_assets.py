"""The real-asset set (tests/assets/real_meshes): truth, and importing a mesh as an artist does.

Blender's OBJ importer at its default settings (it turns Y-up files upright with a rotation on
the object), or the glTF importer on a .glb written from that object (glTF converts the data,
so the local axes differ); the object is renamed as an artist would and scaled to real size.
"""

from __future__ import annotations

import gzip
import json
import pathlib
from dataclasses import dataclass, field

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
ASSETS = REPO / "tests" / "assets" / "real_meshes"
AXIS_VECTORS = {"POS_X": (1, 0, 0), "NEG_X": (-1, 0, 0), "POS_Y": (0, 1, 0),
                "NEG_Y": (0, -1, 0), "POS_Z": (0, 0, 1), "NEG_Z": (0, 0, -1)}


@dataclass(frozen=True)
class RealAsset:
    file: str
    name: str
    up: str  # signed axis of the file
    front: str | None  # None: no front a viewer could tell
    parts: dict = field(default_factory=dict)  # {"edge": axis} or {"spout": axis}
    size_m: tuple | None = None  # real size along the file's x, y, z

    @property
    def key(self) -> str:
        return self.file.removesuffix(".obj.gz")


def catalog() -> list[RealAsset]:
    records = json.loads((ASSETS / "truth.json").read_text())["assets"]
    return [RealAsset(r["file"], r["name"], r["up"], r["front"], r["parts"],
                      tuple(r["size_m"]) if r["size_m"] else None) for r in records]


def by_key(key: str) -> RealAsset:
    return next(a for a in catalog() if a.key == key)


def axis_name(direction) -> str:
    direction = np.asarray(direction, dtype=np.float64)
    index = int(np.argmax(np.abs(direction)))
    return ("POS_" if direction[index] >= 0 else "NEG_") + "XYZ"[index]


@dataclass
class Imported:
    obj: object
    asset: RealAsset
    file_to_local: np.ndarray  # 3x3: a direction in the file's axes -> the object's local axes

    def local_axis(self, file_axis: str) -> str:
        return axis_name(self.file_to_local @ np.array(AXIS_VECTORS[file_axis], dtype=float))

    def world_direction(self, file_axis: str) -> np.ndarray:
        local = self.file_to_local @ np.array(AXIS_VECTORS[file_axis], dtype=float)
        world = np.array(self.obj.matrix_world)[:3, :3] @ local
        return world / np.linalg.norm(world)


def _selected_as_one(bpy, name: str):
    """The importer's objects joined into one (an artist's Ctrl+J), renamed."""
    objects = [o for o in bpy.context.selected_objects if o.type == 'MESH']
    bpy.context.view_layer.objects.active = objects[0]
    if len(objects) > 1:
        with bpy.context.temp_override(active_object=objects[0], selected_editable_objects=objects):
            bpy.ops.object.join()
    obj = bpy.context.view_layer.objects.active
    obj.name = name
    return obj


def import_asset(asset: RealAsset, folder: pathlib.Path, via: str = "obj") -> Imported:
    """Import into the current scene; `via`: 'obj' or 'gltf' (OBJ -> .glb -> glTF importer)."""
    import bpy

    path = folder / asset.file.removesuffix(".gz")
    path.write_bytes(gzip.decompress((ASSETS / asset.file).read_bytes()))
    bpy.ops.object.select_all(action='DESELECT')
    bpy.ops.wm.obj_import(filepath=str(path))
    obj = _selected_as_one(bpy, asset.name)
    file_to_local = np.eye(3)  # the OBJ importer keeps the file's coordinates as local ones
    if asset.size_m is not None:  # catalogue models are in centimetres: scale to real size
        extent = np.array(obj.dimensions) / np.abs(np.array(obj.scale))
        obj.scale = tuple(np.full(3, max(asset.size_m) / max(extent)))
    bpy.context.view_layer.update()
    if via == "gltf":
        world_before = np.array(obj.matrix_world)[:3, :3]
        glb = folder / f"{asset.key}.glb"
        bpy.ops.object.select_all(action='DESELECT')
        obj.select_set(True)
        bpy.ops.export_scene.gltf(filepath=str(glb), use_selection=True)
        bpy.data.objects.remove(obj)
        bpy.ops.object.select_all(action='DESELECT')
        bpy.ops.import_scene.gltf(filepath=str(glb))
        obj = _selected_as_one(bpy, asset.name)
        bpy.context.view_layer.update()
        world_after = np.array(obj.matrix_world)[:3, :3]
        file_to_local = np.linalg.solve(world_after, world_before)
        file_to_local /= np.linalg.norm(file_to_local, axis=0)
    return Imported(obj, asset, file_to_local)
