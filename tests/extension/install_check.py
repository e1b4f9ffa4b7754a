"""Run in a fresh process with BLENDER_USER_RESOURCES set: install the zip, use it, remove it.

Prints one JSON line of what it found; exits non-zero on any failure.
"""

import json
import os
import sys

import bpy

MODULE = "bl_ext.user_default.oor_arrange"


def main(zip_path: str) -> dict:
    found = {}
    result = bpy.ops.extensions.package_install_files(filepath=zip_path, repo='user_default',
                                                      enable_on_install=True)
    found["install"] = sorted(result)
    found["enabled"] = MODULE in bpy.context.preferences.addons
    found["panel"] = bpy.types.Panel.bl_rna_get_subclass_py("OOR_PT_relation") is not None
    found["operator"] = hasattr(bpy.ops.oor, "measure_relation")
    found["preferences"] = repr(sys.modules[MODULE + ".preferences"].get_preferences())
    installed = bpy.utils.user_resource('EXTENSIONS', path="user_default")
    found["files_installed"] = os.path.isfile(os.path.join(installed, "oor_arrange",
                                                           "__init__.py"))
    found["tests_shipped"] = os.path.exists(os.path.join(installed, "oor_arrange", "tests"))
    bpy.ops.preferences.addon_disable(module=MODULE)
    found["panel_after_disable"] = (
        bpy.types.Panel.bl_rna_get_subclass_py("OOR_PT_relation") is not None)
    bpy.ops.extensions.package_uninstall(repo_directory=installed, pkg_id="oor_arrange")
    found["files_after_remove"] = os.path.exists(os.path.join(installed, "oor_arrange"))
    return found


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
