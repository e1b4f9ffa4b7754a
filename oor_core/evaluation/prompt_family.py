"""Which library relation a free prompt asks for, to check arranged scenes with the library's
predicates: the family of the nearest library train prompt, both in role words (the objects'
names replaced, language/mentions.py; a place on the top read as resting,
language/surface_places.py): a vote of the `NEIGHBOURS` nearest by the shipped text encoder's
cosine similarity, weighted by it. One neighbour is not enough: "the object is on the
reference" is nearest to "the object is under the reference." (0.961, then "in" 0.956 and two
"on" prompts, 0.951 and 0.942): sentence embeddings barely tell on from under."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..language.mentions import mark_roles
from ..language.surface_places import read_place

NEIGHBOURS = 5


class PromptFamilies:
    def __init__(self, encoder, dataset=None):
        from ..relations.build import build_library

        dataset = dataset if dataset is not None else build_library(samples_per_context=1)
        votes: dict[str, Counter] = {}
        for p in dataset.prompts:
            if p.split == "train":
                text = mark_roles(p.text, p.target_name, p.base_name)
                votes.setdefault(text, Counter())[dataset.contexts[p.context_index].family] += 1
        self.texts = sorted(votes)
        self.families = [votes[t].most_common(1)[0][0] for t in self.texts]
        self.encoder = encoder
        self.vectors = encoder.encode(self.texts)

    def family(self, prompt: str, target: str, base: str) -> tuple[str, float]:
        """(family, cosine similarity of its nearest library prompt)."""
        text = mark_roles(read_place(prompt)[0], target, base)
        sims = self.vectors @ self.encoder.encode([text])[0]
        votes: Counter = Counter()
        for i in np.argsort(-sims)[:NEIGHBOURS]:
            votes[self.families[i]] += float(sims[i])
        family = votes.most_common(1)[0][0]
        return family, float(max(sims[i] for i in range(len(sims))
                                 if self.families[i] == family))
