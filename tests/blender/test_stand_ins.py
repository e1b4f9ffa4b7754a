"""The evaluation's stand-ins have the shape the library gives their categories: a sofa's seat
at its support height, room under a table's top, a cup's cavity (tests/blender/scene_helpers)."""

import bpy
import numpy as np
from mathutils import Vector

from oor_arrange.oor_core.relations.category_table import CATEGORIES
from scene_helpers import add_stand_in

DOWN, UP = Vector((0, 0, -1)), Vector((0, 0, 1))


def _hit(origin, direction) -> float | None:
    depsgraph = bpy.context.evaluated_depsgraph_get()
    found, location, *_ = bpy.context.scene.ray_cast(depsgraph, Vector(origin), direction)
    return location.z if found else None


def test_a_sofa_has_its_seat_a_table_room_under_it_a_cup_its_cavity():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    sofa, table, cup = CATEGORIES["sofa"], CATEGORIES["dining table"], CATEGORIES["mug"]
    add_stand_in("Sofa", sofa, (2.0, 0.9, 0.9), location=(0, 0, 0))
    add_stand_in("Table", table, (1.6, 0.75, 0.9), location=(5, 0, 0))
    add_stand_in("Mug", cup, (0.09, 0.1, 0.09), location=(10, 0, 0))
    seat_y, *_ = sofa.part("support")
    # over the seat's middle (the seat is at the front, towards -Y): the seat's height
    z_front = (sofa.part("support")[3] + sofa.part("support")[4]) / 2 * 0.9
    assert np.isclose(_hit((0, -z_front, 5), DOWN), (0.5 + seat_y) * 0.9)
    assert np.isclose(_hit((0, 0.44, 5), DOWN), 0.9)  # the back stands to full height
    slab = table.part("underside")[0] * 0.75
    assert np.isclose(_hit((5, 0, 0.01), UP), 0.75 - slab)  # room under the top, legs at corners
    ox, _oz, depth = cup.part("opening")
    assert np.isclose(_hit((10, 0, 1), DOWN), 0.1 * (1 - depth))  # the cavity's floor
    assert np.isclose(_hit((10 + (ox * 0.09 + 0.045) / 2, 0, 1), DOWN), 0.1)  # the wall's rim
    add_stand_in("Box", sofa, (2.0, 0.9, 0.9), location=(15, 0, 0), box=True)
    assert np.isclose(_hit((15, -z_front, 5), DOWN), 0.9)  # --boxes: the whole box
