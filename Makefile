# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BLENDER_EXT := $(PY) tools/blender_ext.py

.PHONY: venv test lint pytest demo data train eval bench extension clean

venv: $(STAMP)

# Re-install only when the pins change; a current .venv makes this a no-op.
$(STAMP): pyproject.toml tools/pinned_requirements.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (the bpy module is built for it)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) tools/pinned_requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $(STAMP)

test: $(STAMP) lint pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

pytest: $(STAMP)
	$(PY) -m pytest -q

demo: $(STAMP)
	@echo "make demo: the headless demo (oor_batch.py --demo) is not built yet; see README.md." >&2
	@exit 1

data: $(STAMP)
	$(PY) -m oor_core.relations build --out data

clean:
	rm -rf build dist out .pytest_cache .ruff_cache
