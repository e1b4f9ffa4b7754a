# SPDX-License-Identifier: GPL-3.0-or-later
"""Use Recent Prompt: put a prompt from the sidebar's recent list back in the prompt field."""

import bpy
from bpy.props import StringProperty


class OOR_OT_use_recent_prompt(bpy.types.Operator):
    """Use this prompt again"""

    bl_idname = "oor.use_recent_prompt"
    bl_label = "Use Recent Prompt"
    bl_options = {'INTERNAL'}

    text: StringProperty(name="Prompt")

    def execute(self, context):
        context.scene.oor.prompt = self.text
        return {'FINISHED'}


CLASSES = (OOR_OT_use_recent_prompt,)
