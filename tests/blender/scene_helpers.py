"""Scene building and add-on registration helpers for the real-Blender tests."""

from __future__ import annotations

import math
import pathlib
from types import SimpleNamespace

import bpy
import numpy as np

import oor_arrange

ASSETS = pathlib.Path(__file__).resolve().parents[2] / "assets"
_registered = False


def register_addon():
    global _registered
    oor_arrange.register()
    _registered = True


def unregister_addon():
    global _registered
    oor_arrange.unregister()
    _registered = False


def is_registered() -> bool:
    return _registered


def box_mesh(name: str, size, center=(0.0, 0.0, 0.0)):
    """A closed box mesh whose geometry is centred at `center` in local space."""
    sx, sy, sz = (s / 2 for s in size)
    cx, cy, cz = center
    verts = [(cx + x, cy + y, cz + z) for x in (-sx, sx) for y in (-sy, sy) for z in (-sz, sz)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    return mesh


def add_box(name: str, size, location=(0, 0, 0), rotation=(0, 0, 0), scale=(1, 1, 1),
            center=(0, 0, 0), parent=None):
    obj = bpy.data.objects.new(name, box_mesh(name, size, center))
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    obj.rotation_euler = [math.radians(a) for a in rotation]
    obj.scale = scale
    obj.parent = parent
    bpy.context.view_layer.update()
    return obj


def world_corners(obj) -> np.ndarray:
    """World positions of the evaluated object's bounding-box corners."""
    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    evaluated = obj.evaluated_get(depsgraph)
    world = np.array(evaluated.matrix_world)
    corners = np.array([list(c) for c in evaluated.bound_box])
    return corners @ world[:3, :3].T + world[:3, 3]


def select(active, *others):
    for obj in bpy.context.view_layer.objects:
        obj.select_set(False)
    for obj in (active, *others):
        obj.select_set(True)
    bpy.context.view_layer.objects.active = active


def import_teapot():
    bpy.ops.wm.obj_import(filepath=str(ASSETS / "teapot.obj"), forward_axis='NEGATIVE_Z',
                          up_axis='Y')
    teapot = bpy.context.selected_objects[0]
    teapot.scale = (0.05, 0.05, 0.05)  # the file is in decimetre-ish units; a 30 cm teapot
    bpy.context.view_layer.update()
    return teapot


def add_cup(name: str, radius=0.045, height=0.09, wall=0.004, location=(0, 0, 0), segments=32):
    """An open cup: a cylinder without its top cap given a wall by a Solidify modifier (so only
    the evaluated mesh is closed). Origin at the centre of its flat bottom."""
    import bmesh

    bm = bmesh.new()
    bmesh.ops.create_cone(bm, cap_ends=True, segments=segments, radius1=radius, radius2=radius,
                          depth=height)
    bmesh.ops.translate(bm, vec=(0, 0, height / 2), verts=bm.verts)
    top = [face for face in bm.faces if face.calc_center_median().z > height - 1e-6]
    bmesh.ops.delete(bm, geom=top, context='FACES_ONLY')
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    solidify = obj.modifiers.new("Solidify", 'SOLIDIFY')
    solidify.thickness = wall  # offset -1: the wall grows inwards, the outside stays put
    obj.location = location
    bpy.context.view_layer.update()
    return obj


class RecordingLayout:
    """Stands in for Blender's UILayout, which exists only with a UI: records what is drawn.
    A registered Panel cannot be instantiated outside a UI; its draw() reads only self.layout:
    `Panel.draw(SimpleNamespace(layout=RecordingLayout(log)), bpy.context)`."""

    def __init__(self, log):
        self.log = log
        self.use_property_split = False
        self.active = True

    def prop(self, data, name, text=None, **_):
        self.log.append(("prop", name, text))

    def label(self, text="", **_):
        self.log.append(("label", text))

    def operator(self, idname, **_):
        self.log.append(("operator", idname))
        return SimpleNamespace()  # operator properties are set on what it returns

    def progress(self, text="", **_):
        self.log.append(("progress", text))

    def template_list(self, *args, **_):
        self.log.append(("template_list", args[0]))

    def box(self):
        return self

    def column(self, **_):
        return self

    def row(self, **_):
        return self

    def separator(self, **_):
        pass


def stand_in_pieces(category, size) -> list[tuple[np.ndarray, np.ndarray]]:
    """Boxes (lo, hi) that together have the shape the relation library gives `category` at
    `size` (canonical x width, y height, z depth, +z the front; the bottom centred at 0): a
    table's top slab on four legs (the room under it, part 'underside'), a container's floor and
    walls round its opening (part 'opening'), an enclosure's six walls (part 'wall'), a seat or a
    shelf's lower surface with what stands round it (part 'support'); else the whole box."""
    size = np.asarray(size, dtype=float)
    half = size / 2
    lo, hi = np.array([-half[0], 0.0, -half[2]]), np.array([half[0], size[1], half[2]])

    def piece(x0, x1, y0, y1, z0, z1):
        return np.array([x0, y0, z0]), np.array([x1, y1, z1])

    def around(inner_x, inner_z, y0, y1):
        """The footprint less the rectangle inner_x x inner_z, between heights y0 and y1."""
        (ax, bx), (az, bz) = inner_x, inner_z
        parts = [piece(lo[0], ax, y0, y1, lo[2], hi[2]), piece(bx, hi[0], y0, y1, lo[2], hi[2]),
                 piece(ax, bx, y0, y1, lo[2], az), piece(ax, bx, y0, y1, bz, hi[2])]
        return [p for p in parts if np.all(p[1] - p[0] > 1e-4)]

    if "table" in category.tags:
        slab = category.part("underside")[0] * size[1]
        leg = min(0.06, 0.15 * min(size[0], size[2]))
        legs = [piece(x0, x0 + leg, 0.0, size[1] - slab, z0, z0 + leg)
                for x0 in (lo[0], hi[0] - leg) for z0 in (lo[2], hi[2] - leg)]
        return [piece(lo[0], hi[0], size[1] - slab, size[1], lo[2], hi[2]), *legs]
    if "container" in category.tags:
        ox, oz, depth = category.part("opening")
        floor = size[1] * (1.0 - depth)
        return [piece(lo[0], hi[0], 0.0, floor, lo[2], hi[2]),
                *around((-ox * size[0], ox * size[0]), (-oz * size[2], oz * size[2]), floor,
                        size[1])]
    if "enclosure" in category.tags:
        wall = category.part("wall")[0] * size.min()
        return [piece(lo[0], hi[0], 0.0, wall, lo[2], hi[2]),
                piece(lo[0], hi[0], size[1] - wall, size[1], lo[2], hi[2]),
                *around((lo[0] + wall, hi[0] - wall), (lo[2] + wall, hi[2] - wall), wall,
                        size[1] - wall)]
    y, x0, x1, z0, z1 = category.part("support")
    if y < 0.5 - 1e-6:  # a seat or a lower shelf: the surface at y, what stands round it above
        top = (0.5 + y) * size[1]
        return [piece(lo[0], hi[0], 0.0, top, lo[2], hi[2]),
                *around((x0 * size[0], x1 * size[0]), (z0 * size[2], z1 * size[2]), top,
                        size[1])]
    return [(lo, hi)]


def add_stand_in(name: str, category, size, location=(0, 0, 0), box: bool = False):
    """An object shaped as the library has `category` (stand_in_pieces; `box`: its whole box)
    at `size` (canonical x, y, z in metres), standing on `location` with its front towards -Y
    (Blender's default): canonical x -> X, y (up) -> Z, z (front) -> -Y."""
    verts, faces = [], []
    quad = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    size = np.asarray(size, dtype=float)
    whole = [(np.array([-size[0] / 2, 0.0, -size[2] / 2]),
              np.array([size[0] / 2, size[1], size[2] / 2]))]
    for lo, hi in whole if box else stand_in_pieces(category, size):
        first = len(verts)
        for x in (lo[0], hi[0]):
            for y in (-hi[2], -lo[2]):  # canonical z -> Blender -Y
                for z in (lo[1], hi[1]):
                    verts.append((x, y, z))
        faces += [tuple(first + i for i in face) for face in quad]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    bpy.context.view_layer.update()
    return obj
