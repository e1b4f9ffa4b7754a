# SPDX-License-Identifier: GPL-3.0-or-later
"""Add-on preferences: model and text-encoder overrides, CPU threads.

`get_preferences` also works when the add-on was registered without being enabled as an extension
(tests, scripts that call register() directly): then the defaults apply.
"""

from dataclasses import dataclass

import bpy
from bpy.props import IntProperty, StringProperty


@dataclass(frozen=True)
class Settings:
    model_path: str = ""  # empty: the model shipped with the extension
    encoder_path: str = ""  # empty: all-MiniLM-L6-v2 from the bundled package
    cpu_threads: int = 0  # 0: chosen automatically


class OOR_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    model_path: StringProperty(
        name="Model File",
        description="OOR model (.safetensors) to use instead of the shipped one; empty for default",
        subtype='FILE_PATH',
    )
    encoder_path: StringProperty(
        name="Text Encoder Folder",
        description="Local folder of a transformers text encoder (e.g. a T5 encoder) matching the "
                    "model; empty for the bundled all-MiniLM-L6-v2",
        subtype='DIR_PATH',
    )
    cpu_threads: IntProperty(
        name="CPU Threads",
        description="Threads for model inference; 0 chooses automatically (Blender keeps its own "
                    "threads busy, so fewer is often faster)",
        default=0, min=0, max=64,
    )

    def draw(self, _context):
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "model_path")
        layout.prop(self, "encoder_path")
        layout.prop(self, "cpu_threads")


def get_preferences(context=None) -> Settings:
    context = context or bpy.context
    addon = context.preferences.addons.get(__package__)
    if addon is None or addon.preferences is None:
        return Settings()
    prefs = addon.preferences
    return Settings(bpy.path.abspath(prefs.model_path) if prefs.model_path else "",
                    bpy.path.abspath(prefs.encoder_path) if prefs.encoder_path else "",
                    int(prefs.cpu_threads))


def register():
    bpy.utils.register_class(OOR_AP_preferences)


def unregister():
    bpy.utils.unregister_class(OOR_AP_preferences)
