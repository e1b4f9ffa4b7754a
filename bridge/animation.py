# SPDX-License-Identifier: GPL-3.0-or-later
"""Keyframe an edit: objects move along the editing trajectory over N frames."""

from __future__ import annotations

import numpy as np

from .objects import write_world_matrix

_ROTATION_PATHS = {"QUATERNION": "rotation_quaternion", "AXIS_ANGLE": "rotation_axis_angle"}


def _keyframe(obj, frame: int) -> None:
    obj.keyframe_insert("location", frame=frame)
    obj.keyframe_insert(_ROTATION_PATHS.get(obj.rotation_mode, "rotation_euler"), frame=frame)
    obj.keyframe_insert("scale", frame=frame)


def animate_layouts(scene, objects: dict, layouts: list[dict[str, np.ndarray]], frames: int
                    ) -> tuple[int, int]:
    """Key `layouts` (name -> world matrix, first = current) evenly over `frames` frames from
    the current frame; returns (first, last) frame. The scene ends on the last layout."""
    start = scene.frame_current
    frames = max(1, int(frames))
    picks = np.linspace(0, len(layouts) - 1, num=min(len(layouts), frames + 1)).round()
    for i, index in enumerate(picks.astype(int)):
        frame = start + round(i * frames / max(1, len(picks) - 1))
        for name, matrix in layouts[index].items():
            obj = objects[name]
            write_world_matrix(obj, matrix)
            _keyframe(obj, frame)
    scene.frame_set(start + frames)
    return start, start + frames
