# SPDX-License-Identifier: GPL-3.0-or-later
"""Next / Previous Candidate: step through the ranked candidates of the last Apply Relation."""

import bpy
from bpy.props import IntProperty

from ..bridge.candidates import CACHE
from ..bridge.pair import apply_candidate


def _last_candidates(context):
    settings = context.scene.oor
    target = context.scene.objects.get(settings.last_target)
    candidates = CACHE.latest(settings.last_target) if target is not None else None
    return target, candidates


class OOR_OT_cycle_candidate(bpy.types.Operator):
    """Show the next (or previous) ranked arrangement of the last applied relation"""

    bl_idname = "oor.cycle_candidate"
    bl_label = "Cycle Candidate"
    bl_options = {'REGISTER', 'UNDO'}

    direction: IntProperty(name="Direction", default=1, min=-1, max=1,
                           options={'HIDDEN', 'SKIP_SAVE'})

    @classmethod
    def description(cls, _context, properties):
        return ("Show the previous ranked arrangement" if properties.direction < 0
                else "Show the next ranked arrangement")

    @classmethod
    def poll(cls, context):
        target, candidates = _last_candidates(context)
        if candidates is None:
            cls.poll_message_set("Apply a relation first: its candidates are kept for this "
                                 "session")
            return False
        if len(candidates) < 2:
            cls.poll_message_set("The last relation was sampled with a single candidate")
            return False
        return target is not None

    def execute(self, context):
        target, candidates = _last_candidates(context)
        settings = context.scene.oor
        index = (settings.candidate_index + (self.direction or 1)) % len(candidates)
        try:
            summary = apply_candidate(target, candidates, index)
        except ValueError as error:  # the target is back where it was
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        settings.candidate_index = index
        self.report({'INFO'}, f"'{target.name}': {summary}")
        return {'FINISHED'}


CLASSES = (OOR_OT_cycle_candidate,)
