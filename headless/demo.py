# SPDX-License-Identifier: GPL-3.0-or-later
"""The headless demo: a tea table arranged from one description.

`python oor_batch.py --demo` builds a table, a saucer, a teacup, the Utah teapot, a plate and a
vase, all off the table, reads DESCRIPTION as Describe Scene does (one relation per clause) and
arranges the six objects together as Arrange Objects does (the saucer in the middle, the teapot
pouring into the cup, the vase on a corner), saves out/demo.blend and renders out/demo.png
(Cycles on the CPU, small and quick).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import bpy
from mathutils import Vector

from .batch import apply_relations
from .jobs import Job

ASSETS = Path(__file__).resolve().parents[1] / "assets"
DESCRIPTION = ("A table with a saucer in the middle, a teacup on the saucer, the teapot pouring "
               "tea into the cup, a plate next to the saucer and a vase on the back left corner")


def _material(name, color, roughness=0.5):
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    shader = material.node_tree.nodes["Principled BSDF"]
    shader.inputs["Base Color"].default_value = (*color, 1.0)
    shader.inputs["Roughness"].default_value = roughness
    return material


def _mesh_object(name, verts, faces, material):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    mesh.materials.append(material)
    for polygon in mesh.polygons:
        polygon.use_smooth = name != "Table"
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _box(x0, x1, y0, y1, z0, z1, offset=0):
    verts = [(x, y, z) for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return verts, [tuple(i + offset for i in f) for f in faces]


def build_table():
    verts, faces = _box(-0.6, 0.6, -0.4, 0.4, 0.71, 0.75)
    for x in (-0.55, 0.5):
        for y in (-0.35, 0.3):
            v, f = _box(x, x + 0.05, y, y + 0.05, 0.0, 0.71, offset=len(verts))
            verts += v
            faces += f
    return _mesh_object("Table", verts, faces, _material("Wood", (0.35, 0.2, 0.1), 0.6))


def _revolved(name, profile, material, location, segments=32):
    """A closed, open-topped vessel by revolving its wall profile [(radius, height), ...] about
    the local Z axis (the profile runs from the outer bottom edge to the inner floor)."""
    verts = [(0.0, 0.0, 0.0)]
    for i in range(segments):
        angle = 2 * math.pi * i / segments
        verts += [(r * math.cos(angle), r * math.sin(angle), z) for r, z in profile]
    ring = len(profile)
    faces = []
    for i in range(segments):
        a, b = 1 + i * ring, 1 + ((i + 1) % segments) * ring
        faces.append((0, b, a))  # bottom
        faces += [(a + k, b + k, b + k + 1, a + k + 1) for k in range(ring - 1)]
    obj = _mesh_object(name, verts, faces, material)
    obj.location = location  # on the floor: the description puts it on the table
    return obj


def build_tableware():
    porcelain = _material("Porcelain", (0.92, 0.9, 0.85), 0.2)
    _revolved("Teacup", [(0.030, 0.0), (0.036, 0.004), (0.045, 0.068), (0.046, 0.07),
                         (0.041, 0.07), (0.040, 0.066), (0.031, 0.008), (0.0, 0.008)],
              porcelain, (0.35, -0.9, 0.0))
    _revolved("Saucer", [(0.05, 0.0), (0.07, 0.012), (0.072, 0.016), (0.068, 0.016),
                         (0.05, 0.006), (0.0, 0.006)], porcelain, (0.8, -0.9, 0.0))
    _revolved("Plate", [(0.08, 0.0), (0.12, 0.018), (0.125, 0.022), (0.12, 0.022),
                        (0.08, 0.007), (0.0, 0.007)], porcelain, (1.2, -0.9, 0.0))
    _revolved("Vase", [(0.04, 0.0), (0.07, 0.08), (0.06, 0.2), (0.035, 0.26), (0.04, 0.28),
                       (0.033, 0.28), (0.0, 0.01)], _material("Celadon", (0.45, 0.6, 0.5), 0.3),
              (-1.0, -0.9, 0.0))


def import_teapot():
    bpy.ops.wm.obj_import(filepath=str(ASSETS / "teapot.obj"), forward_axis='NEGATIVE_Z',
                          up_axis='Y')
    teapot = bpy.context.selected_objects[0]
    teapot.name = "Teapot"
    teapot.scale = (0.042, 0.042, 0.042)  # 27 cm from spout to handle
    teapot.location = (-0.3, -1.0, 0.0)
    teapot.data.materials.append(_material("Glaze", (0.1, 0.25, 0.45), 0.15))
    for polygon in teapot.data.polygons:
        polygon.use_smooth = True
    return teapot


def build_demo_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    floor_verts, floor_faces = _box(-4, 4, -4, 4, -0.02, 0.0)
    _mesh_object("Floor", floor_verts, floor_faces, _material("Floor", (0.6, 0.6, 0.62), 0.8))
    build_table()
    build_tableware()
    import_teapot()
    world = bpy.data.worlds.new("World")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.8, 0.85, 0.9, 1)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.6
    scene.world = world
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", 'SUN'))
    sun.data.energy = 3.0
    sun.rotation_euler = (math.radians(40), math.radians(10), math.radians(30))
    scene.collection.objects.link(sun)
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.data.lens = 50
    scene.collection.objects.link(camera)
    scene.camera = camera
    bpy.context.view_layer.update()
    return scene


def _world_centre(obj) -> Vector:
    corners = [obj.matrix_world @ Vector(corner) for corner in obj.bound_box]
    return sum(corners, Vector()) / len(corners)


def aim_camera(scene, focus: Vector):
    camera = scene.camera
    camera.location = focus + Vector((0.75, -1.05, 0.45))
    camera.rotation_euler = (focus - camera.location).to_track_quat('-Z', 'Y').to_euler()


def render(scene, path: Path):
    scene.render.engine = 'CYCLES'
    scene.cycles.device = 'CPU'
    scene.cycles.samples = 32
    scene.cycles.use_denoising = True
    scene.render.resolution_x, scene.render.resolution_y = 640, 480
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = 'PNG'
    scene.render.filepath = str(path)
    try:
        bpy.ops.render.render(write_still=True)
    except RuntimeError:  # a build without the OpenImageDenoise library
        scene.cycles.use_denoising = False
        bpy.ops.render.render(write_still=True)


def run_demo(out: Path, model_getter, render_picture: bool = True) -> int:
    out.mkdir(parents=True, exist_ok=True)
    scene = build_demo_scene()
    results, extra = apply_relations(Job(description=DESCRIPTION, seed=0), model_getter)
    # frame the arranged tableware
    centres = [_world_centre(scene.objects[name])
               for name in ("Saucer", "Teacup", "Teapot", "Plate", "Vase")]
    aim_camera(scene, sum(centres, Vector()) / len(centres))
    blend = out / "demo.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    (out / "demo.json").write_text(json.dumps({"description": DESCRIPTION, "relations": results,
                                               **extra}, indent=2, default=str) + "\n")
    print(f"oor_batch: demo saved {blend}")
    if render_picture:
        render(scene, (out / "demo.png").resolve())
        print(f"oor_batch: demo rendered {out / 'demo.png'}")
    return 0
