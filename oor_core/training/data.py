"""Training pairs (phi, c, B, T) with every text embedded once up front.

A training pair is a sample of a train context with a random train prompt of that context; the
prompt gives c (its text), B (base_name) and T (target_name). All distinct texts are encoded
once (through the encoder's disk cache) and batches gather rows of that table, so a training
step never touches the text encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..language.mentions import condition_parts, mark_roles, text_parts


@dataclass
class PairTable:
    """Rows of phi with, per row, the prompts it may be paired with."""

    phi: np.ndarray  # (N, 15) float32, raw units
    row_context: np.ndarray  # (N,) index into the context arrays below
    offsets: np.ndarray  # (C,) start of each context's prompts in `prompt_ids`
    counts: np.ndarray  # (C,) number of usable prompts per context (>= 1)
    prompt_ids: np.ndarray  # flat prompt indices into `text_ids`
    text_ids: np.ndarray  # (P, parts) rows of the embedding table for (c, B, T[, R])

    def __len__(self) -> int:
        return len(self.phi)

    def draw(self, rng: np.random.Generator, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """-> (rows (B,), text_ids (B, parts)) of `batch` random pairs."""
        rows = rng.integers(0, len(self.phi), batch)
        ctx = self.row_context[rows]
        pick = (rng.random(batch) * self.counts[ctx]).astype(np.int64)
        prompts = self.prompt_ids[self.offsets[ctx] + pick]
        return rows, self.text_ids[prompts]

    def other_prompts(self, rng: np.random.Generator, rows: np.ndarray) -> np.ndarray:
        """text_ids (B, parts) of another random prompt of each row's context (the same one
        where the context has only one)."""
        ctx = self.row_context[rows]
        pick = (rng.random(len(rows)) * self.counts[ctx]).astype(np.int64)
        return self.text_ids[self.prompt_ids[self.offsets[ctx] + pick]]


class TextTable:
    """Distinct texts -> rows of one (U, dim) embedding matrix."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def embed(self, encoder) -> torch.Tensor:
        texts = sorted(self.index, key=self.index.get)
        return torch.from_numpy(np.ascontiguousarray(encoder.encode(texts), dtype=np.float32))


def conditioning_text(prompt, prompt_roles: str) -> str:
    """What the network reads as c for a dataset prompt (names recorded, so marking is exact)."""
    if prompt_roles in ("marked", "phrase"):
        return mark_roles(prompt.text, prompt.target_name, prompt.base_name)
    return prompt.text


def build_pairs(dataset, text_table: TextTable, context_splits, prompt_splits,
                prompt_roles: str = "raw") -> PairTable | None:
    """Pairs from contexts whose split is in `context_splits`, each paired with its prompts whose
    split is in `prompt_splits`. Contexts without such prompts are skipped. None when empty."""
    ctx_split = np.array([c.split for c in dataset.contexts])
    by_context: dict[int, list[int]] = {}
    prompt_rows: list[tuple[int, ...]] = []
    for p in dataset.prompts:
        ci = int(p.context_index)
        if ctx_split[ci] in context_splits and p.split in prompt_splits:
            by_context.setdefault(ci, []).append(len(prompt_rows))
            texts = condition_parts(conditioning_text(p, prompt_roles), p.base_name,
                                    p.target_name, prompt_roles)
            prompt_rows.append(tuple(text_table.add(t) for t in texts))
    if not by_context:
        return None
    ctx_list = sorted(by_context)
    local = {ci: j for j, ci in enumerate(ctx_list)}
    keep = np.isin(dataset.context_index, ctx_list)
    if not keep.any():
        return None
    counts = np.array([len(by_context[ci]) for ci in ctx_list], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    flat = np.concatenate([by_context[ci] for ci in ctx_list]).astype(np.int64)
    row_ctx = np.array([local[int(c)] for c in dataset.context_index[keep]], dtype=np.int64)
    return PairTable(
        phi=np.asarray(dataset.phi[keep], dtype=np.float32),
        row_context=row_ctx,
        offsets=offsets,
        counts=counts,
        prompt_ids=flat,
        text_ids=np.asarray(prompt_rows, dtype=np.int64).reshape(-1, text_parts(prompt_roles)),
    )


# Held-out views measured during training (validation loss); the harness measures success.
VALIDATION_VIEWS = {
    "heldout_paraphrase": (("train",), ("heldout_paraphrase",)),
    "heldout_category": (("heldout_category",), ("heldout_category", "train")),
    "heldout_combo": (("heldout_combo",), ("heldout_combo", "train")),
}


@dataclass
class TrainingData:
    train: PairTable
    validation: dict[str, PairTable]
    embeddings: torch.Tensor  # (U, dim)

    @classmethod
    def from_dataset(cls, dataset, encoder, train_context_splits=("train",),
                     prompt_roles: str = "raw") -> TrainingData:
        table = TextTable()
        train = build_pairs(dataset, table, train_context_splits, ("train",), prompt_roles)
        if train is None:
            raise ValueError("the dataset has no train contexts with train prompts")
        validation = {}
        for name, (ctx_splits, prompt_splits) in VALIDATION_VIEWS.items():
            pairs = build_pairs(dataset, table, ctx_splits, prompt_splits, prompt_roles)
            if pairs is not None:
                validation[name] = pairs
        return cls(train, validation, table.embed(encoder))

    def condition(self, text_ids: np.ndarray) -> torch.Tensor:
        """(B, parts) text rows -> (B, parts*dim) concatenated [c, B, T[, R]] embeddings."""
        emb = self.embeddings[torch.from_numpy(text_ids.reshape(-1))]
        return emb.reshape(len(text_ids), -1)
