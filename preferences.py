# SPDX-License-Identifier: GPL-3.0-or-later
"""Add-on preferences: model and text-encoder overrides, CPU threads, the model in use.

`get_preferences` also works when the add-on was registered without being enabled as an extension
(tests, scripts that call register() directly): then the defaults apply. The model in use is the
Model File when one is set, else the artist's active fine-tune (bridge/active_model.py), else the
shipped model.
"""

from dataclasses import dataclass

import bpy
from bpy.props import IntProperty, StringProperty

from .bridge.active_model import describe_model, read_active
from .bridge.candidates import CACHE


def _model_changed(_self, _context):
    """Candidates sampled by the previous model must not be offered again."""
    CACHE.clear()


@dataclass(frozen=True)
class Settings:
    model_path: str = ""  # empty: the model shipped with the extension
    encoder_path: str = ""  # empty: all-MiniLM-L6-v2 from the bundled package
    cpu_threads: int = 0  # 0: chosen automatically


class OOR_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    model_path: StringProperty(
        name="Model File",
        description="OOR model (.safetensors) to use instead of the shipped one or your "
                    "fine-tuned one; empty for those",
        subtype='FILE_PATH',
        update=_model_changed,
    )
    encoder_path: StringProperty(
        name="Text Encoder Folder",
        description="Local folder of a transformers text encoder (e.g. a T5 encoder) matching the "
                    "model; empty for the bundled all-MiniLM-L6-v2",
        subtype='DIR_PATH',
        update=_model_changed,
    )
    cpu_threads: IntProperty(
        name="CPU Threads",
        description="Threads for model inference; 0 chooses automatically (Blender keeps its own "
                    "threads busy, so fewer is often faster)",
        default=0, min=0, max=64,
    )

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "model_path")
        layout.prop(self, "encoder_path")
        layout.prop(self, "cpu_threads")
        row = layout.row()
        row.label(text=f"Model in use: {describe_model(get_preferences(context).model_path)}",
                  icon='MODIFIER')
        if self.model_path or read_active():
            row.operator("oor.use_shipped_model")


def get_preferences(context=None) -> Settings:
    context = context or bpy.context
    addon = context.preferences.addons.get(__package__)
    if addon is None or addon.preferences is None:
        return Settings(model_path=read_active())
    prefs = addon.preferences
    return Settings(bpy.path.abspath(prefs.model_path) if prefs.model_path else read_active(),
                    bpy.path.abspath(prefs.encoder_path) if prefs.encoder_path else "",
                    int(prefs.cpu_threads))


def register():
    bpy.utils.register_class(OOR_AP_preferences)


def unregister():
    bpy.utils.unregister_class(OOR_AP_preferences)
