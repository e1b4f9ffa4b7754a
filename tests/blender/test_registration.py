import pathlib

import bpy

from scene_helpers import register_addon, unregister_addon

ADDON_CLASSES = {
    "OOR_OT_apply_relation": bpy.types.Operator,
    "OOR_OT_cycle_candidate": bpy.types.Operator,
    "OOR_OT_reset_relation": bpy.types.Operator,
    "OOR_OT_snap_to_contact": bpy.types.Operator,
    "OOR_OT_capture_relation": bpy.types.Operator,
    "OOR_OT_swap_objects": bpy.types.Operator,
    "OOR_OT_use_recent_prompt": bpy.types.Operator,
    "OOR_MT_recent_prompts": bpy.types.Menu,
    "OORRecentPrompt": bpy.types.PropertyGroup,
    "OORSceneSettings": bpy.types.PropertyGroup,
    "OOR_OT_measure_relation": bpy.types.Operator,
    "OOR_OT_detect_axes": bpy.types.Operator,
    "OOR_PT_relation": bpy.types.Panel,
    "OOR_PT_object": bpy.types.Panel,
    "OORObjectSettings": bpy.types.PropertyGroup,
    "OOR_AP_preferences": bpy.types.AddonPreferences,
}


def registered_classes():
    return {name for name, base in ADDON_CLASSES.items()
            if base.bl_rna_get_subclass_py(name) is not None}


def test_register_unregister_register_leaves_nothing_behind():
    assert registered_classes() == set()
    for _ in range(2):
        register_addon()
        try:
            assert registered_classes() == set(ADDON_CLASSES)
            assert hasattr(bpy.types.Object, "oor")
            assert hasattr(bpy.types.Scene, "oor")
            assert hasattr(bpy.ops.oor, "measure_relation")
        finally:
            unregister_addon()
        assert registered_classes() == set()
        assert not hasattr(bpy.types.Object, "oor")
        assert not hasattr(bpy.types.Scene, "oor")


def test_preferences_default_when_registered_without_install(addon):
    from oor_arrange.preferences import Settings, get_preferences

    assert bpy.context.preferences.addons.get("oor_arrange") is None
    assert get_preferences() == Settings()


def test_sidebar_panel_has_its_own_tab(addon):
    panel = bpy.types.OOR_PT_relation
    assert panel.bl_space_type == 'VIEW_3D'
    assert panel.bl_region_type == 'UI'
    assert panel.bl_category == "OOR"
    for name in ("apply_relation", "cycle_candidate", "reset_relation", "snap_to_contact"):
        operator = bpy.types.Operator.bl_rna_get_subclass_py(f"OOR_OT_{name}")
        assert operator.bl_options >= {'REGISTER', 'UNDO'}, name


def test_enabling_the_addon_does_not_import_torch():
    """torch and transformers load with the model, so Blender starts without their cost."""
    import subprocess
    import sys

    code = ("import sys; sys.path[:0] = sys.argv[1:]; import conftest, bpy, oor_arrange; "
            "oor_arrange.register(); heavy = [m for m in ('torch', 'transformers') "
            "if m in sys.modules]; oor_arrange.unregister(); print(heavy)")
    tests = pathlib.Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code, str(tests)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
