"""Reference samplers: a geometric heuristic and nearest-prompt retrieval.

Both follow the sampler protocol of sampler_registry (sample(prompts, base_names, target_names,
known_scales, num_samples, seed) -> (Q, num_samples, 15)).
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np

from ..geometry.oor_vector import BASE_SCALE, TARGET_SCALE, TRANSLATION, pack_phi, unpack_phi
from ..relations.frames import aabb_half


class HeuristicSampler:
    """Target centred on the base's top face, identity rotation (the 'put it on top' guess)."""

    def sample(self, prompts, base_names, target_names, known_scales, num_samples=1, seed=0):
        ks = np.asarray(known_scales, dtype=np.float64)
        s_t, s_b = ks[:, :3], ks[:, 3:]
        t = np.zeros_like(s_t)
        t[:, 1] = s_b[:, 1] / 2 + s_t[:, 1] / 2
        phi = pack_phi(np.broadcast_to(np.eye(3), (len(ks), 3, 3)), t, s_t, s_b)
        return np.repeat(phi[:, None, :], num_samples, axis=1)


class HashedBagOfWords:
    """Tiny offline text encoder (hashed unigrams + bigrams); for tests and as a fallback."""

    dim = 384

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
            for tok in words + [a + "_" + b for a, b in itertools.pairwise(words)]:
                h = int.from_bytes(hashlib.md5(tok.encode()).digest()[:4], "little")
                out[i, h % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def make_encoder(name: str):
    if name == "bow":
        return HashedBagOfWords()
    from ..model.text_encoder import (
        TextEncoder,  # the project's sentence encoder (MiniLM by default)
    )

    return TextEncoder()


def rescale_translation(phi_src: np.ndarray, s_t: np.ndarray, s_b: np.ndarray) -> np.ndarray:
    """Move a retrieved sample to new scales, keeping 'touching' contacts touching.

    Per axis, t is expressed relative to (base half extent + target half extent), the distance at
    which the two boxes touch; that ratio is kept at the new scales.
    """
    o = unpack_phi(phi_src)
    old = o.base_scale / 2 + aabb_half(o.rotation, o.target_scale)
    new = s_b / 2 + aabb_half(o.rotation, s_t)
    return o.translation / np.maximum(old, 1e-9) * new


class RetrievalSampler:
    """Nearest training prompt by text embedding -> a random training sample of its context."""

    def __init__(self, dataset=None, encoder: str = "minilm", index_per_context: int = 8):
        from .harness import default_dataset

        self.ds = dataset if dataset is not None else default_dataset()
        self.encoder = make_encoder(encoder) if isinstance(encoder, str) else encoder
        train_ctx = {i for i, c in enumerate(self.ds.contexts) if c.split == "train"}
        rows, per = [], {}
        for p in self.ds.prompts:
            if (p.split == "train" and p.context_index in train_ctx
                    and per.get(p.context_index, 0) < index_per_context):
                per[p.context_index] = per.get(p.context_index, 0) + 1
                rows.append(p)
        self.index_prompts = rows
        self.index_context = np.array([p.context_index for p in rows], dtype=np.int64)
        self.index_emb = np.asarray(self.encoder.encode([p.text for p in rows]), dtype=np.float32)
        self.by_context = {}
        for ci in np.unique(self.index_context):
            self.by_context[int(ci)] = np.flatnonzero(self.ds.context_index == ci)

    def nearest_context(self, prompts) -> np.ndarray:
        q = np.asarray(self.encoder.encode(list(prompts)), dtype=np.float32)
        return self.index_context[np.argmax(q @ self.index_emb.T, axis=1)]

    def sample(self, prompts, base_names, target_names, known_scales, num_samples=1, seed=0):
        rng = np.random.default_rng(seed)
        ks = np.asarray(known_scales, dtype=np.float64)
        ctx = self.nearest_context(prompts)
        out = np.empty((len(prompts), num_samples, 15))
        for q, ci in enumerate(ctx):
            rows = rng.choice(self.by_context[int(ci)], num_samples)
            src = self.ds.phi[rows].astype(np.float64)
            s_t = np.broadcast_to(ks[q, :3], (num_samples, 3))
            s_b = np.broadcast_to(ks[q, 3:], (num_samples, 3))
            phi = src.copy()
            phi[:, TRANSLATION] = rescale_translation(src, s_t, s_b)
            phi[:, TARGET_SCALE], phi[:, BASE_SCALE] = s_t, s_b
            out[q] = phi
        return out
