# SPDX-License-Identifier: GPL-3.0-or-later
"""Suggest Relations: the relation list filled without any text, with the typical relation of
each selected object (what the relation library pairs its category with), ranked."""

import bpy

from ..bridge.describe import suggest_rows
from ..bridge.relation_rows import fill_relation_list
from ..bridge.request import RequestError


class OOR_OT_suggest_relations(bpy.types.Operator):
    """Fill the relation list with the typical relation of each selected object (the largest
    stays in place); edit or disable rows, then Arrange Objects"""

    bl_idname = "oor.suggest_relations"
    bl_label = "Suggest Relations"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        if len(context.selected_objects) < 2:
            cls.poll_message_set("Select the objects to relate (two or more)")
            return False
        return True

    def execute(self, context):
        settings = context.scene.oor
        try:
            rows, suggestions = suggest_rows(context.selected_objects)
        except RequestError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        fill_relation_list(settings, rows)
        fallback = [s for s in suggestions if s.score == 0.0]
        note = (f"; no typical relation known for {', '.join(s.target for s in fallback)}: "
                f"next to '{fallback[0].base}'" if fallback else "")
        self.report({'INFO'}, f"{len(rows)} relations suggested, most typical first{note}")
        return {'FINISHED'}


CLASSES = (OOR_OT_suggest_relations,)
