# SPDX-License-Identifier: GPL-3.0-or-later
"""Viewport overlay: the base's and the target's canonical box, up (green) and front (blue)
arrows and working part (orange), for the pair a relation would use; Scene.oor.show_frames.

Under `blender -b` the handler is registered but never called, and drawing is never attempted.
"""

import bpy
import gpu
from gpu_extras.batch import batch_for_shader

from ..bridge.frame_display import frame_drawing
from ..operators.selection import resolve_pair

COLORS = {"box": (0.9, 0.9, 0.9, 0.6), "up": (0.3, 0.9, 0.3, 1.0),
          "front": (0.3, 0.5, 1.0, 1.0), "part": (1.0, 0.6, 0.1, 1.0)}
_handle = None


def overlay_objects(context) -> list:
    """The pair a relation would use, else the selected objects with geometry (at most two)."""
    try:
        return list(resolve_pair(context))
    except ValueError:
        return [obj for obj in context.selected_objects if obj.type == 'MESH'][:2]


def overlay_segments(context) -> dict:
    """Colour name -> world-space segments for everything the overlay shows now."""
    segments = {name: [] for name in COLORS}
    if context.scene is None or not context.scene.oor.show_frames:
        return segments
    depsgraph = context.evaluated_depsgraph_get()
    for obj in overlay_objects(context):
        try:
            drawing = frame_drawing(obj, depsgraph)
        except ValueError:
            continue  # an object without a frame: the panel's report explains it
        for name in COLORS:
            segments[name] += getattr(drawing, name)
    return segments


def _draw():
    shader = gpu.shader.from_builtin('UNIFORM_COLOR')
    gpu.state.line_width_set(2.0)
    gpu.state.blend_set('ALPHA')
    for name, segments in overlay_segments(bpy.context).items():
        if not segments:
            continue
        coords = [tuple(point) for segment in segments for point in segment]
        batch = batch_for_shader(shader, 'LINES', {"pos": coords})
        shader.uniform_float("color", COLORS[name])
        batch.draw(shader)
    gpu.state.blend_set('NONE')
    gpu.state.line_width_set(1.0)


def register():
    global _handle
    _handle = bpy.types.SpaceView3D.draw_handler_add(_draw, (), 'WINDOW', 'POST_VIEW')


def unregister():
    global _handle
    if _handle is not None:
        bpy.types.SpaceView3D.draw_handler_remove(_handle, 'WINDOW')
        _handle = None
