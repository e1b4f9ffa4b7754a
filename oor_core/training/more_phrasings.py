"""More phrasings per train context (`--more-phrasings K`): each train context of the library
(and of the extra and sibling contexts) gets K more train prompts in the phrasings of
`relations/more_phrasings.py`, in memory only. Held-out contexts and their prompts are untouched,
and no held-out paraphrase's words enter (see that module)."""

from __future__ import annotations

from ..dataset import OORDataset, PromptRecord
from ..relations.category_table import CATEGORIES
from ..relations.contexts import context_from_id
from ..relations.prompts import more_prompts
from ..relations.templates import TEMPLATES


def with_more_phrasings(dataset: OORDataset, per_context: int) -> tuple[OORDataset, int]:
    """The dataset with up to `per_context` more train prompts per library train context, and
    how many prompts were added. Texts the dataset already has are skipped."""
    texts = {p.text for p in dataset.prompts}
    added: list[PromptRecord] = []
    for ci, c in enumerate(dataset.contexts):
        if (c.split != "train" or c.family not in TEMPLATES or c.base not in CATEGORIES
                or c.target not in CATEGORIES):
            continue  # held-out contexts, and captures that name the user's own objects
        for text, base_name, target_name in more_prompts(context_from_id(c.id), per_context):
            if text not in texts:
                texts.add(text)
                added.append(PromptRecord(text, ci, base_name, target_name, "train"))
    if not added:
        return dataset, 0
    return OORDataset(phi=dataset.phi, context_index=dataset.context_index, source=dataset.source,
                      contexts=dataset.contexts, prompts=[*dataset.prompts, *added],
                      content_hash=dataset.content_hash, version=dataset.version,
                      seed=dataset.seed), len(added)
