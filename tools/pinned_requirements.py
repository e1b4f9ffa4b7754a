"""The development environment's pins.

    python tools/pinned_requirements.py          # pyproject.toml's pins (runtime, cluster, dev)
    python tools/pinned_requirements.py --lock   # every installed distribution: requirements.lock

`make venv` installs the first list constrained by requirements.lock (pip -c), so transitive
dependencies are as pinned as direct ones: without the lock, a fresh install took whatever
newer filelock or regex the index had that day, and the extension build (whose bundled wheels
must equal what the tests ran) refused it. Regenerate the lock from a venv that passes
`make test`: `.venv/bin/python tools/pinned_requirements.py --lock > requirements.lock`.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import sys
import tomllib

REPO = pathlib.Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"
# pip's own tooling: present in every venv, never pinned (as pip freeze leaves them out).
UNLOCKED = {"pip", "setuptools", "wheel"}


def normalise(name: str) -> str:
    """PEP 503 name: 'PyYAML' and 'typing_extensions' -> 'pyyaml', 'typing-extensions'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins(path: pathlib.Path = REPO / "pyproject.toml") -> list[str]:
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return project["dependencies"] + extras["cluster"] + extras["dev"]


def read_lock(path: pathlib.Path = LOCK) -> dict[str, str]:
    """requirements.lock as {normalised name: version}."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[normalise(name)] = version.strip()
    return pins


def installed_versions() -> dict[str, str]:
    """{normalised name: version} of this interpreter's distributions, local labels dropped
    (torch's '+cpu' is this machine's build of the pinned release, not another release)."""
    found = {}
    for dist in importlib.metadata.distributions():
        name = normalise(dist.metadata["Name"])
        if name not in UNLOCKED:
            found[name] = dist.version.split("+")[0]
    return found


def main(argv: list[str]) -> int:
    if argv == ["--lock"]:
        print("# Every distribution of the development venv (python tools/pinned_requirements.py "
              "--lock);\n# `make venv` installs pyproject.toml's pins constrained by this file.")
        for name, version in sorted(installed_versions().items()):
            print(f"{name}=={version}")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n".join(pyproject_pins()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
