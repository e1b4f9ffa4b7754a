"""Metamorphic checks of a model: mirror the prompt, and the result must mirror.

    python -m oor_core.evaluation.metamorphic [--pairs 60] [--weights PATH] [--json OUT]

For (target, base) pairs drawn from the whole category table (not only the library's pairs),
each prompt and its mirror ("to the left of" / "to the right of", "in front of" / "behind",
"on" / "under") are sampled as Apply Relation does (the top-ranked of 16, real sizes known);
a pair passes when both land on their own side of the base: x < 0 left, x > 0 right, z > 0 in
front, z < 0 behind (the base's canonical frame), above the base's top for "on" and below it
for "under". Pairs for on/under have a base with a top and room beneath (tables, desks, beds)
and a target that fits under it, as the library's "under" rule has them.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from ..geometry.oor_vector import TRANSLATION
from ..relations.category_table import CATEGORIES
from ..relations.prompts import with_article
from ..training.retarget import typical_size
from .report_output import emit_json

MIRRORS = {
    "left_right": ("{T} to the left of {B}", "{T} to the right of {B}", 0, -1.0),
    "front_behind": ("{T} in front of {B}", "{T} behind {B}", 2, 1.0),
    "on_under": ("{T} on {B}", "{T} under {B}", 1, 1.0),
}


@dataclass(frozen=True)
class Pair:
    target: str
    base: str
    known_scales: np.ndarray  # (6,) [s_T->B, s_B] of the categories' middle sizes


def _pair(target: str, base: str) -> Pair:
    t, b = typical_size(target), typical_size(base)
    unit = float(b.max())
    return Pair(target, base, np.concatenate([t / unit, b / unit]))


def draw_pairs(relation: str, n: int, seed: int = 0) -> list[Pair]:
    rng = np.random.default_rng(seed)
    names = sorted(CATEGORIES)
    if relation == "on_under":
        bases = [c for c in names if "table" in CATEGORIES[c].tags]
        targets = [c for c in names if "under" in CATEGORIES[c].tags]
    else:
        bases = targets = names
    pairs: list[Pair] = []
    while len(pairs) < n:
        target, base = str(rng.choice(targets)), str(rng.choice(bases))
        if target == base:
            continue
        ratio = typical_size(target).max() / typical_size(base).max()
        if relation == "on_under" or 0.1 <= ratio <= 3.0:  # both sides make sense
            pairs.append(_pair(target, base))
    return pairs


def _prompt(template: str, pair: Pair) -> str:
    text = template.format(T=with_article(pair.target, "a"), B=with_article(pair.base, "the"))
    return text[0].upper() + text[1:]


def mirror_pass_rates(model, pairs_per_relation: int = 60, seed: int = 0) -> dict:
    """{relation: {'pass_rate', 'pairs', 'failures': [...]}} for the three mirrors."""
    results = {}
    for relation, (first, second, axis, sign) in MIRRORS.items():
        pairs = draw_pairs(relation, pairs_per_relation, seed)
        prompts = [_prompt(t, p) for p in pairs for t in (first, second)]
        bases = [p.base for p in pairs for _ in range(2)]
        targets = [p.target for p in pairs for _ in range(2)]
        known = np.stack([p.known_scales for p in pairs for _ in range(2)])
        phi = model.sample_batch(prompts, bases, targets, known, num_samples=1, rank_from=16,
                                 seed=seed)[:, 0]
        t = phi[:, TRANSLATION][:, axis].reshape(-1, 2)
        if relation == "on_under":  # above the base's top / below it (box centre at 0)
            half = known[::2, 3 + axis] / 2
            ok = (t[:, 0] > half) & (t[:, 1] < half)
        else:
            ok = (sign * t[:, 0] > 0) & (sign * t[:, 1] < 0)
        results[relation] = {
            "pass_rate": round(float(ok.mean()), 4), "pairs": len(pairs),
            "failures": [f"{p.target} / {p.base}" for p, good in zip(pairs, ok, strict=True)
                         if not good]}
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m oor_core.evaluation.metamorphic",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=60, help="pairs per mirrored relation")
    ap.add_argument("--weights", default=None, help="model file (default: the shipped one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    from ..model.inference import OORModel

    model = OORModel.load(args.weights)
    results = mirror_pass_rates(model, args.pairs, args.seed)
    emit_json({"weights": args.weights or "shipped", "results": results}, args.json)
    for name, record in results.items():
        print(f"{name}: {record['pass_rate']:.1%} of {record['pairs']} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
