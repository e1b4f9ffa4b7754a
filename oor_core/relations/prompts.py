"""Prompt paraphrases for a context: templates x names (synonyms) x articles, deterministic.

Order comes from a generator seeded by the context id (never global random state), so the same
context always gets the same prompts.
"""

from __future__ import annotations

import itertools

import numpy as np

from .category_table import CATEGORIES
from .contexts import Context, stable_seed
from .templates import TEMPLATES

TRAIN_PER_CONTEXT = 44
PARAPHRASE_PER_CONTEXT = 6


# Plural-only nouns take a counted singular ('A pair of pliers rests ...').
COUNTED = {"chopsticks": "pair of", "tongs": "pair of", "pliers": "pair of", "scissors": "pair of",
           "slippers": "pair of", "house slippers": "pair of", "glasses": "pair of",
           "eyeglasses": "pair of", "headphones": "pair of", "keys": "set of", "grapes": "bunch of"}


def with_article(name: str, article: str) -> str:
    if name in COUNTED and article == "a":
        return f"a {COUNTED[name]} {name}"
    if article == "a" and name[0].lower() in "aeiou":
        article = "an"
    return f"{article} {name}"


def render(template: str, target_np: str, base_np: str) -> str:
    text = template.lstrip("!").format(T=target_np, B=base_np)
    return text[0].upper() + text[1:]


def _variants(ctx: Context, templates: list[str]):
    t_names = CATEGORIES[ctx.target].names
    b_names = CATEGORIES[ctx.base].names
    for tpl, tn, bn, ta, ba in itertools.product(templates, t_names, b_names, "ab", "ab"):
        text = render(tpl, with_article(tn, "a" if ta == "a" else "the"),
                      with_article(bn, "a" if ba == "a" else "the"))
        yield text, bn, tn


def _take(ctx: Context, templates: list[str], k: int, salt: str):
    rows = list(dict.fromkeys(_variants(ctx, templates)))  # dedupe, keep order
    order = np.random.default_rng(stable_seed(0, f"prompts|{salt}|{ctx.id}")).permutation(len(rows))
    out, seen = [], set()
    for i in order:
        if rows[i][0] not in seen:
            seen.add(rows[i][0])
            out.append(rows[i])
        if len(out) == k:
            break
    return out


def context_prompts(ctx: Context, context_split: str) -> list[tuple[str, str, str, str]]:
    """(text, base_name, target_name, prompt split) rows for one context."""
    templates = TEMPLATES[ctx.family]
    train_t = [t for t in templates if not t.startswith("!")]
    held_t = [t for t in templates if t.startswith("!")]
    if context_split != "train":
        n = TRAIN_PER_CONTEXT + PARAPHRASE_PER_CONTEXT
        return [(*row, context_split) for row in _take(ctx, templates, n, "all")]
    rows = [(*row, "train") for row in _take(ctx, train_t, TRAIN_PER_CONTEXT, "train")]
    rows += [(*row, "heldout_paraphrase")
             for row in _take(ctx, held_t, PARAPHRASE_PER_CONTEXT, "paraphrase")]
    return rows


def more_prompts(ctx: Context, k: int) -> list[tuple[str, str, str]]:
    """Up to k (text, base_name, target_name) train prompts of `ctx` in the phrasings of
    `more_phrasings.py` (training only), deterministic per context."""
    from .more_phrasings import more_templates

    templates = more_templates(ctx.family)
    return _take(ctx, templates, k, "more") if templates and k > 0 else []
