import bpy
import pytest

from scene_helpers import add_box, select


def test_measure_relation_reports_the_target_in_the_base(addon):
    table = add_box("Table", (1.2, 0.8, 0.75), center=(0, 0, 0.375))
    cup = add_box("Cup.001", (0.08, 0.08, 0.09), location=(0, 0, 0.75), center=(0, 0, 0.045))
    select(table, cup)
    before = [tuple(o.matrix_world.translation) for o in (table, cup)]
    with bpy.context.temp_override(active_object=table, selected_objects=[table, cup]):
        assert bpy.ops.oor.measure_relation() == {'FINISHED'}
    assert [tuple(o.matrix_world.translation) for o in (table, cup)] == before


@pytest.mark.parametrize("count", [0, 1, 3])
def test_measure_relation_needs_exactly_two_objects(addon, count):
    objects = [add_box(f"Box{i}", (1, 1, 1), location=(2 * i, 0, 0)) for i in range(count)]
    with (bpy.context.temp_override(active_object=objects[0] if objects else None,
                                    selected_objects=objects),
          pytest.raises(RuntimeError, match="Select exactly two objects")):
        bpy.ops.oor.measure_relation()


def test_measure_relation_refuses_a_light_with_its_name(addon):
    table = add_box("Table", (1, 1, 1))
    lamp = bpy.data.objects.new("Desk Lamp", bpy.data.lights.new("Desk Lamp", 'POINT'))
    bpy.context.scene.collection.objects.link(lamp)
    with (bpy.context.temp_override(active_object=table, selected_objects=[table, lamp]),
          pytest.raises(RuntimeError, match="'Desk Lamp' is a light")):
        bpy.ops.oor.measure_relation()
