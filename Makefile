# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BLENDER_EXT := $(PY) tools/blender_ext.py

.PHONY: venv test lint pytest demo data train eval studies baselines bench assets scenes scale teach \
  clean

venv: $(STAMP)

# Re-install only when the pins change; a current .venv makes this a no-op. requirements.lock
# constrains every transitive dependency too (tools/pinned_requirements.py says why).
$(STAMP): pyproject.toml requirements.lock tools/pinned_requirements.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (the bpy module is built for it)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) tools/pinned_requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt \
	  -c requirements.lock
	touch $(STAMP)

test: $(STAMP) lint pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

pytest: $(STAMP)
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) oor_batch.py --demo --out out

DATASET := data/oor-v1/manifest.json
SPLITS := train heldout_paraphrase heldout_category heldout_combo

data: $(DATASET)

$(DATASET): $(STAMP) $(wildcard oor_core/relations/*.py)
	$(PY) -m oor_core.relations build --out data

# Reproduces the shipped weights (oor_core/weights/) from the fixed seed: 68,000 float32 steps of
# 512 on two torch threads over the library plus twice its pairs per family (--extra-contexts 1.0),
# every pair in its sibling relations and 22 more phrasings per context (--more-phrasings 22);
# about 42 minutes on this 2-core AVX2 CPU when idle (27 steps a second; the run that wrote the
# shipped weights took 50.4 minutes with tests and measurements beside it). Run it on an
# otherwise idle machine: a busy second core makes two threads far slower. Name dropout, noise levels focused
# around the sampler's (--sigma-focus), text-embedding noise, resized samples, prompts in role
# words: docs/MODEL.md.
train: $(DATASET)
	$(PY) -m oor_core.training --data data/oor-v1 --out oor_core/weights --seed 0 --steps 68000 \
	  --hidden 384 --batch-size 512 --lr 0.0014 --sigma-focus 0.8 --text-noise 0.03 \
	  --size-jitter 0.5 --name-dropout 0.2 --threads 2 --eval-every 34000 --probe-queries 48 \
	  --prompt-roles marked --sibling-contexts --extra-contexts 1.0 --more-phrasings 22

# Each split twice: one unranked sample per query (the model's distribution) and the best of 16
# ranked candidates (what Apply Relation and OORModel.sample return). 30 queries per context:
# with fewer, a context's own ground-truth draws miss some of its modes (coverage ceiling 0.93
# at 10, 1.0 at 30), so coverage would measure the sample count rather than the model. About
# 15 minutes on this 2-core CPU, mostly the ranked train and paraphrase splits.
EVAL_PER_CONTEXT ?= 30

eval: $(DATASET)
	mkdir -p reports/model
	for split in $(SPLITS); do \
	  $(PY) -m oor_core.evaluation --sampler model --split $$split --dataset data/oor-v1 \
	    --per-context $(EVAL_PER_CONTEXT) --json reports/model/eval_$$split.json \
	    --plots reports/model/plots || exit 1; \
	  $(PY) -m oor_core.evaluation --sampler model --split $$split --dataset data/oor-v1 \
	    --per-context $(EVAL_PER_CONTEXT) --option rank_from=16 \
	    --json reports/model/eval_$${split}_ranked.json || exit 1; \
	done
	$(PY) -m oor_core.evaluation.metamorphic --pairs 100 --json reports/model/metamorphic.json

# Design measurements on the shipped model (docs/MODEL.md): known-scale conditioning, sampler NFE
# vs quality against RK45, ranking vs a random candidate.
studies: $(DATASET)
	mkdir -p reports/model
	$(PY) -m oor_core.evaluation.studies --queries 96 --threads 1 \
	  --json reports/model/studies_train.json
	for split in train heldout_category; do \
	  $(PY) -m oor_core.evaluation.studies --split $$split --queries 300 --threads 1 \
	    --only known,ranking --json reports/model/studies_ranking_$$split.json || exit 1; \
	done

# The two baselines on the same queries as `make eval`.
baselines: $(DATASET)
	mkdir -p reports/baselines
	for sampler in heuristic retrieval; do for split in $(SPLITS); do \
	  $(PY) -m oor_core.evaluation --sampler $$sampler --split $$split --dataset data/oor-v1 \
	    --per-context $(EVAL_PER_CONTEXT) --json reports/baselines/$${sampler}_$$split.json \
	    --plots reports/baselines/plots || exit 1; \
	done; done

bench: $(STAMP)
	mkdir -p reports/model
	$(PY) -m oor_core.evaluation.bench --json reports/model/bench.json
	$(PY) tools/bench_blender.py --json reports/blender_bench.json

# Real meshes as artists import them (tests/assets/real_meshes): detected axes against the truth,
# Apply Relation on 25 pair cases with detected and with hand-set axes, detection latency on a
# 20,000-vertex object. About 3 minutes.
assets: $(STAMP)
	mkdir -p reports
	$(PY) tools/eval_real_assets.py --json reports/real_assets.json

# The 24 library scenes through Arrange Objects' own path with meshes: scenes whose final layout
# has intersecting meshes and relations that hold, as sampled before and as laid out now
# (settled, pushed apart, refused if still colliding); pours; dining tables with 2-8 chairs and
# a plate before each, set as sets and as independent samples; the test descriptions arranged
# and their relations checked; descriptions read into relations (tests/assets/descriptions).
# About eight minutes.
scenes: $(STAMP)
	mkdir -p reports
	$(PY) tools/eval_scene_collisions.py --json reports/scene_collisions.json
	$(PY) tools/eval_pours.py --json reports/pours.json
	$(PY) tools/eval_dining_sets.py --seeds 10 --json reports/dining_sets.json
	$(PY) tools/eval_described_scenes.py --json reports/described_scenes.json
	for set in descriptions heldout blind blind2; do \
	  $(PY) -m oor_core.evaluation.describe_eval --set tests/assets/descriptions/$$set.json \
	    --json reports/describe_$$set.json || exit 1; \
	done

# Batches at scale (issue 21), side by side in one run: 200 pair jobs on one process, on
# --workers 2 and on a two-node Ray cluster started here (outputs compared matrix by matrix); a
# --workers 2 run killed half-way and resumed; the driver's peak memory on 1,000 and 10,000 quick
# jobs. About 5 minutes; wants an otherwise idle machine.
scale: $(STAMP)
	mkdir -p reports
	$(PY) tools/bench_batch_scale.py --jobs 200 --repeats 2 --cluster --json reports/batch_scale.json

# Teach it your own relations (issue 23, docs/TEACHING.md): relations the product lacks (and the
# corner, which places on a top now cover without teaching), fine-tuned on 1, 3 and 5 synthetic
# captures, asked on never-captured pairs of similar kinds (before/after); the sidebar's timer
# while the worker trains; `make eval`'s ranked splits on the two 5-capture models of relations
# still taught (forgetting). About 30 minutes; wants an otherwise idle machine.
TAUGHT := candle_along_the_back_edge-5 book_at_35_degrees-5
teach: $(DATASET)
	mkdir -p reports/teach
	$(PY) -m oor_core.evaluation.teach_eval --captures 1 3 5 --queries 40 \
	  --keep reports/teach/models --json reports/teach/few_shot.json
	$(PY) tools/bench_finetune_ui.py --json reports/teach/finetune_ui.json
	for model in $(TAUGHT); do for split in $(SPLITS); do \
	  $(PY) -m oor_core.evaluation --sampler model --split $$split --dataset data/oor-v1 \
	    --per-context $(EVAL_PER_CONTEXT) --option rank_from=16 \
	    --option checkpoint=reports/teach/models/$$model.safetensors \
	    --json reports/teach/eval_$${model}_$$split.json || exit 1; \
	done; done

# One zip per platform in dist/, runtime wheels bundled (tools/build_extension.py, docs/INSTALL.md).
# EXTENSION_PLATFORMS: any of linux-x64 windows-x64 macos-arm64 (default all); downloads are
# cached in build/wheel-cache/, and an unchanged zip is not rebuilt.
EXTENSION_PLATFORMS ?=
EXTENSION_OUT ?= dist

.PHONY: extension
extension: $(STAMP)
	$(PY) tools/build_extension.py --out $(EXTENSION_OUT) \
	  $(foreach p,$(EXTENSION_PLATFORMS),--platform $(p))

clean:
	rm -rf build dist out .pytest_cache .ruff_cache
