"""Suggest Relations without text: the library's typical relation for each object."""

from oor_core.language.describe import SceneThing
from oor_core.language.object_names import category_for_object_name
from oor_core.language.suggest import suggest_relations
from oor_core.scene.scene_graph import validate_scene_graph


def scene(*names):
    return [SceneThing(n, category_for_object_name(n)) for n in names]


def edges(*names):
    return {(s.target, s.base, s.family) for s in suggest_relations(scene(*names))}


def test_a_tea_set_pours_into_the_cup_on_its_saucer_and_chairs_go_around_the_table():
    got = edges("Dining Table", "Chair", "Chair.001", "Teacup", "Saucer", "Teapot")
    assert ("Teapot", "Teacup", "pouring_into") in got
    assert ("Teacup", "Saucer", "on") in got
    assert {("Chair", "Dining Table", "around"), ("Chair.001", "Dining Table", "around")} <= got


def test_a_desk_holds_what_belongs_on_it_and_the_best_comes_first():
    suggestions = suggest_relations(scene("Desk", "Monitor", "Keyboard", "Desk Lamp"))
    assert {(s.target, s.base, s.family) for s in suggestions} == {
        ("Monitor", "Desk", "on"), ("Keyboard", "Desk", "on"), ("Desk Lamp", "Desk", "on")}
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions),
                                                    reverse=True)
    assert suggestions[0].prompt in {"A monitor on the desk", "A keyboard on the desk",
                                     "A desk lamp on the desk"}


def test_the_suggestions_form_one_graph_rooted_at_the_largest_object():
    for names in (("Kitchen Counter", "Cutting Board", "Chef's Knife", "Tomato", "Bowl"),
                  ("Sofa", "Cushion", "Coffee Table", "Remote Control", "Mug"),
                  ("Mesh_1", "Mesh_2", "Teapot")):
        suggestions = suggest_relations(scene(*names))
        assert len(suggestions) == len(names) - 1
        root, _ = validate_scene_graph([(s.base, s.target) for s in suggestions])
        assert root == max(scene(*names), key=lambda t: t.extent or 0.0).name


def test_nothing_held_by_a_smaller_base():
    for s in suggest_relations(scene("Dining Table", "Plate", "Saucer", "Teacup")):
        if s.family == "on":
            base = next(t for t in scene(s.base) if t.name == s.base)
            target = next(t for t in scene(s.target) if t.name == s.target)
            assert target.extent <= 1.1 * base.extent, s
