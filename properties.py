# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-object OOR settings (Object.oor) and the sidebar's scene settings (Scene.oor)."""

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from .bridge.frames import forget_detections
from .oor_core.geometry.axes import AXIS_LABELS, DEFAULT_FRONT, DEFAULT_UP

_AXIS_ITEMS = [(key, label, f"Local {label} axis") for key, label in AXIS_LABELS.items()]
_SIDE_ITEMS = [('AUTO', "Detect", "Read from the mesh"), *_AXIS_ITEMS]
_SOURCE_ITEMS = [
    ('AUTO', "Not Yet Detected", "Detected from the mesh when the object is first used"),
    ('DETECTED', "Detected", "Detected from the mesh and recorded; Detect Axes runs it again"),
    ('SET', "Set by Hand", "Chosen in the Object Axes panel or by a script"),
]


def _axes_edited(settings, _context):
    # Any edit of Up or Front (panel, script) is a choice detection must not overwrite.
    settings.axes_source = 'SET'


class OORObjectSettings(bpy.types.PropertyGroup):
    category: StringProperty(
        name="Category",
        description="What the object is (e.g. 'teacup'); empty: taken from the object's name",
    )
    up_axis: EnumProperty(
        name="Up", description="Local axis that points up on the real object",
        items=_AXIS_ITEMS, default=DEFAULT_UP, update=_axes_edited,
    )
    front_axis: EnumProperty(
        name="Front", description="Local axis on the side that faces the viewer",
        items=_AXIS_ITEMS, default=DEFAULT_FRONT, update=_axes_edited,
    )
    axes_source: EnumProperty(
        name="Axes", description="Where Up and Front come from", items=_SOURCE_ITEMS,
        default='AUTO',
    )
    working_side: EnumProperty(
        name="Working Side", items=_SIDE_ITEMS, default='AUTO',
        description="Local axis toward a knife's cutting edge or a pourer's spout; Detect: "
        "read from the mesh",
    )
    axes_confidence: FloatProperty(name="Confidence", min=0.0, max=1.0, options={'HIDDEN'})
    axes_reason: StringProperty(name="Reason", options={'HIDDEN'})


MAX_RECENT_PROMPTS = 10


class OORRecentPrompt(bpy.types.PropertyGroup):
    text: StringProperty(name="Prompt")


def _has_geometry(_self, obj):
    return obj.type in {'MESH', 'CURVE', 'SURFACE', 'FONT', 'META'} or (
        obj.type == 'EMPTY' and obj.instance_type == 'COLLECTION')


class OORRelationRow(bpy.types.PropertyGroup):
    """One edge of a multi-object arrangement: the target is placed relative to the base."""

    enabled: BoolProperty(name="Enabled", default=True)
    base: PointerProperty(name="Base", type=bpy.types.Object, poll=_has_geometry)
    target: PointerProperty(name="Target", type=bpy.types.Object, poll=_has_geometry)
    prompt: StringProperty(name="Prompt")


class OORSceneSettings(bpy.types.PropertyGroup):
    prompt: StringProperty(
        name="Prompt", description="How the target relates to the base, e.g. 'A teapot pouring "
        "tea into a teacup'",
    )
    recent_prompts: CollectionProperty(type=OORRecentPrompt)
    base: PointerProperty(
        name="Base", type=bpy.types.Object, poll=_has_geometry,
        description="Object that stays in place; empty: the active object",
    )
    target: PointerProperty(
        name="Target", type=bpy.types.Object, poll=_has_geometry,
        description="Object that is moved; empty: the other selected object",
    )
    seed: IntProperty(name="Seed", description="Random seed of the sampler", default=0, min=0)
    num_candidates: IntProperty(
        name="Candidates", description="How many arrangements to sample and rank",
        default=16, min=1, max=64,
    )
    show_frames: BoolProperty(
        name="Show Frames", default=False,
        description="Draw the base's and the target's canonical box, up and front arrows and "
        "working part in the viewport",
    )
    settle: BoolProperty(
        name="Settle", default=False,
        description="After placing, let Blender's rigid-body physics drop the target into a "
        "resting pose; kept only when it still rests on its base, barely turned or slid",
    )
    keep_size: BoolProperty(
        name="Keep Real Size", default=True,
        description="Keep the target's size; off: adopt the sampled size, keeping proportions",
    )
    relations: CollectionProperty(type=OORRelationRow)
    active_relation: IntProperty(name="Active Relation", default=0, min=0)
    description: StringProperty(
        name="Description", description="The whole scene in words, e.g. 'A desk with a monitor "
        "in the middle, the keyboard in front of it and a lamp on the left corner'",
    )
    describe_scope: EnumProperty(
        name="Objects", default='SELECTED',
        items=[('SELECTED', "Selected", "Match the description to the selected objects"),
               ('VIEW_LAYER', "View Layer", "Match it to every object of the view layer")],
    )
    describe_arrange: BoolProperty(
        name="Arrange at Once", default=False,
        description="Arrange the objects as soon as the relation list is filled (off: review "
        "the rows first, then click Arrange Objects)",
    )
    last_target: StringProperty(name="Last Target", options={'HIDDEN'})
    candidate_index: IntProperty(name="Candidate", default=0, min=0, options={'HIDDEN'})

    def remember_prompt(self, prompt: str) -> None:
        """Most recent first, no duplicates, at most MAX_RECENT_PROMPTS."""
        texts = [prompt] + [r.text for r in self.recent_prompts if r.text != prompt]
        self.recent_prompts.clear()
        for text in texts[:MAX_RECENT_PROMPTS]:
            self.recent_prompts.add().text = text


_CLASSES = (OORObjectSettings, OORRecentPrompt, OORRelationRow, OORSceneSettings)


@bpy.app.handlers.persistent
def _file_opened(_filename):
    forget_detections()  # detections not yet recorded belong to the file that was open


def register():
    for cls in _CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Object.oor = PointerProperty(type=OORObjectSettings)
    bpy.types.Scene.oor = PointerProperty(type=OORSceneSettings)
    bpy.app.handlers.load_post.append(_file_opened)


def unregister():
    if _file_opened in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.remove(_file_opened)
    del bpy.types.Scene.oor
    del bpy.types.Object.oor
    for cls in reversed(_CLASSES):
        bpy.utils.unregister_class(cls)
