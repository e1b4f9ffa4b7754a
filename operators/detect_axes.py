# SPDX-License-Identifier: GPL-3.0-or-later
"""Detect Axes: read up and front of the selected objects from their meshes, as they stand now."""

import bpy

from ..bridge.frames import detect_object_axes, object_axes, record_axes
from ..bridge.objects import GEOMETRY_TYPES, BridgeError
from ..oor_core.geometry.axes import AXIS_LABELS


def _candidates(context):
    return [obj for obj in context.selected_objects
            if obj.type in GEOMETRY_TYPES or obj.instance_type == 'COLLECTION']


class OOR_OT_detect_axes(bpy.types.Operator):
    """Detect each selected object's up and front from its mesh and how it stands now (replaces
    axes set by hand; the working side stays as chosen)"""

    bl_idname = "oor.detect_axes"
    bl_label = "Detect Axes"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        if context.mode != 'OBJECT':
            cls.poll_message_set("Switch to Object Mode")
            return False
        if not _candidates(context):
            cls.poll_message_set("Select the objects whose axes to detect")
            return False
        return True

    def execute(self, context):
        depsgraph = context.evaluated_depsgraph_get()
        done, failed = [], []
        for obj in _candidates(context):
            try:
                guess = detect_object_axes(obj, depsgraph, fresh=True)
                record_axes(obj.oor, guess)
                axes = object_axes(obj, depsgraph)
            except (BridgeError, ValueError) as error:
                failed.append(str(error))
                continue
            text = (f"'{obj.name}': up {AXIS_LABELS[axes.up]}, front {AXIS_LABELS[axes.front]} "
                    f"({guess.up_reason}; {guess.front_reason})")
            if guess.guessed:
                text += f"; guessed: {', '.join(guess.guessed)}"
            done.append(text)
        for message in failed:
            self.report({'WARNING'}, message)
        if not done:
            return {'CANCELLED'}
        self.report({'INFO'}, " | ".join(done))
        return {'FINISHED'}


CLASSES = (OOR_OT_detect_axes,)
