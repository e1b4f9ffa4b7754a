"""Print the pinned requirements of pyproject.toml (runtime + dev), one per line, for pip -r."""

import pathlib
import sys
import tomllib

project = tomllib.loads(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
                        .read_text(encoding="utf-8"))["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
    print(requirement)
