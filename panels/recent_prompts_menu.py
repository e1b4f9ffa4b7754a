# SPDX-License-Identifier: GPL-3.0-or-later
"""The recent-prompts drop-down beside the prompt field."""

import bpy


class OOR_MT_recent_prompts(bpy.types.Menu):
    bl_idname = "OOR_MT_recent_prompts"
    bl_label = "Recent Prompts"

    def draw(self, context):
        recent = context.scene.oor.recent_prompts
        if not len(recent):
            self.layout.label(text="No prompts used yet")
        for item in recent:
            self.layout.operator("oor.use_recent_prompt", text=item.text).text = item.text


CLASSES = (OOR_MT_recent_prompts,)
