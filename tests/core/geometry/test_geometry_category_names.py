import pytest

from oor_core.geometry.category_names import category_from_object_name


@pytest.mark.parametrize(("name", "category"), [
    ("Teapot", "teapot"),
    ("Teapot.001", "teapot"),
    ("coffee_cup_02", "coffee cup"),
    ("CoffeeCup", "coffee cup"),
    ("Wine-Glass.012", "wine glass"),
    ("Chair 3", "chair"),
    ("123", "object"),
    ("", "object"),
])
def test_category_from_object_name(name, category):
    assert category_from_object_name(name) == category
