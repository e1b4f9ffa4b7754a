"""How well descriptions become relations (`python -m oor_core.evaluation.describe_eval`):
each test description (tests/assets/descriptions/descriptions.json: text, scene object names,
materials, the intended (base, target) edges and the mentions the scene lacks) is read by
language/describe.py against its objects, categories from their names as the add-on does.

- edges found: intended edges produced / intended edges;
- edges right: produced edges that are intended / produced edges;
- clauses without a wrong object: clauses whose every relation is an intended edge;
- not-in-scene reported: intended missing mentions that were reported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from ..language.describe import SceneThing, read_description
from ..language.object_names import category_for_object_name

DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "assets" / "descriptions" / \
    "descriptions.json"


def scene_things(case: dict) -> list[SceneThing]:
    materials = case.get("materials", {})
    return [SceneThing(name, category_for_object_name(name),
                       tuple(w.lower() for w in materials.get(name, ())))
            for name in case["objects"]]


def evaluate_case(case: dict) -> dict:
    started = time.perf_counter()
    result = read_description(case["text"], scene_things(case))
    seconds = time.perf_counter() - started
    intended = {tuple(edge) for edge in case["edges"]}
    # What the clauses say; a support they imply ("the lamp on the desk behind the laptop": the
    # laptop on the desk, language/implied_supports.py) is no clause's reading and counted apart.
    said = [r for r in result.relations if not r.implied]
    produced = [(r.base, r.target) for r in said]
    clauses = defaultdict(list)
    for relation in said:
        clauses[relation.clause].append((relation.base, relation.target) in intended)
    missing = [m.lower() for m in case.get("not_in_scene", [])]
    return {"text": case["text"], "intended": len(intended),
            "found": len(intended & set(produced)), "produced": len(produced),
            "right": sum(edge in intended for edge in produced),
            "clauses": len(clauses), "clean_clauses": sum(all(ok) for ok in clauses.values()),
            "not_in_scene_expected": len(missing),
            "not_in_scene_reported": sum(any(m in r for r in result.not_in_scene)
                                         for m in missing),
            "implied": len(result.relations) - len(said),
            "wrong": sorted(set(produced) - intended), "lost": sorted(intended - set(produced)),
            "seconds": seconds}


def evaluate(path: Path = DEFAULT_SET) -> dict:
    cases = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = [evaluate_case(case) for case in cases]
    for _ in range(2):  # warm timings: the category table and templates are cached now
        timed = [evaluate_case(case)["seconds"] for case in cases]

    def ratio(a, b):
        return round(sum(r[a] for r in rows) / max(1, sum(r[b] for r in rows)), 4)

    timed.sort()
    return {"descriptions": len(rows), "intended_edges": sum(r["intended"] for r in rows),
            "edges_found": ratio("found", "intended"), "edges_right": ratio("right", "produced"),
            "clauses_without_a_wrong_object": ratio("clean_clauses", "clauses"),
            "not_in_scene_reported": ratio("not_in_scene_reported", "not_in_scene_expected"),
            "implied_supports": sum(r["implied"] for r in rows),
            "parse_ms_median": round(1000 * timed[len(timed) // 2], 2),
            "parse_ms_max": round(1000 * timed[-1], 2),
            "misses": [{k: r[k] for k in ("text", "wrong", "lost")} for r in rows
                       if r["wrong"] or r["lost"]]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default=str(DEFAULT_SET), help="descriptions JSON")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    report = evaluate(Path(args.set))
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
