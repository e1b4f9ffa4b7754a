"""A tiny synthetic OOR dataset with the real dataset's interface, for tests and quick checks.

Two contexts between a table (base) and a cup (target):
- "on": the cup stands on the table top anywhere over it (one mode);
- "next to": the cup stands on the floor left or right of the table (two modes).
Each sample is checkable by `synthetic_success`, so quality can be measured exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dataset import ContextRecord, PromptRecord
from ..geometry.oor_vector import pack_phi

CONTACT_TOL = 0.03  # base units
GAP_MAX = 0.1

PROMPTS = {
    0: (["A cup on a table", "A cup sits on top of the table", "The cup rests on the table",
         "A table with a cup on it"], ["A cup is placed on the table"]),
    1: (["A cup next to a table", "A cup beside the table", "The cup stands by the table",
         "A table with a cup next to it"], ["A cup is placed beside a table"]),
}


@dataclass
class SyntheticDataset:
    phi: np.ndarray
    context_index: np.ndarray
    contexts: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    source: str = "synthetic"
    content_hash: str = "synthetic"
    version: str = "synthetic-1"
    seed: int = 0

    def prompts_for(self, context_index: int, split: str | None = None) -> list:
        return [p for p in self.prompts if p.context_index == context_index
                and (split is None or p.split == split)]


def _yaw(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def sample_context(ctx: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 15) phi samples of context 0 ('on') or 1 ('next to')."""
    s_b = np.stack([np.ones(n), rng.uniform(0.5, 0.8, n), rng.uniform(0.4, 0.7, n)], -1)
    s_t = np.stack([rng.uniform(0.06, 0.1, n), rng.uniform(0.08, 0.14, n),
                    rng.uniform(0.06, 0.1, n)], -1)
    s_t[:, 2] = s_t[:, 0]  # round cup
    rot = _yaw(rng.uniform(-np.pi, np.pi, n))
    t = np.zeros((n, 3))
    if ctx == 0:
        t[:, 0] = rng.uniform(-1, 1, n) * (s_b[:, 0] - s_t[:, 0]) / 2
        t[:, 1] = (s_b[:, 1] + s_t[:, 1]) / 2
        t[:, 2] = rng.uniform(-1, 1, n) * (s_b[:, 2] - s_t[:, 2]) / 2
    else:
        side = rng.choice([-1.0, 1.0], n)
        t[:, 0] = side * ((s_b[:, 0] + s_t[:, 0]) / 2 + rng.uniform(0.0, GAP_MAX, n))
        t[:, 1] = (s_t[:, 1] - s_b[:, 1]) / 2
        t[:, 2] = rng.uniform(-1, 1, n) * (s_b[:, 2] / 2)
    return pack_phi(rot, t, s_t, s_b)


def synthetic_success(phi: np.ndarray, ctx: int, tol: float = CONTACT_TOL) -> np.ndarray:
    """(n,) bool: does each sample satisfy context ctx (contact, footprint, gap)."""
    phi = np.asarray(phi, dtype=np.float64).reshape(-1, 15)
    t, s_t, s_b = phi[:, 6:9], phi[:, 9:12], phi[:, 12:15]
    upright = np.abs(phi[:, 4] - 1.0) < 0.05  # second column of R ~ +y
    if ctx == 0:
        ok = np.abs(t[:, 1] - (s_b[:, 1] + s_t[:, 1]) / 2) < tol
        ok &= np.abs(t[:, 0]) <= (s_b[:, 0] - s_t[:, 0]) / 2 + tol
        ok &= np.abs(t[:, 2]) <= (s_b[:, 2] - s_t[:, 2]) / 2 + tol
    else:
        ok = np.abs(t[:, 1] - (s_t[:, 1] - s_b[:, 1]) / 2) < tol
        gap = np.abs(t[:, 0]) - (s_b[:, 0] + s_t[:, 0]) / 2
        ok &= (gap > -tol) & (gap < GAP_MAX + tol)
        ok &= np.abs(t[:, 2]) <= s_b[:, 2] / 2 + tol
    return ok & upright


def make_synthetic_dataset(n_per_context: int = 2000, seed: int = 0) -> SyntheticDataset:
    rng = np.random.default_rng(seed)
    phis, ctx_idx, prompts = [], [], []
    contexts = [ContextRecord("table-on-cup", "on", "table", "cup", "train"),
                ContextRecord("table-next-cup", "next_to", "table", "cup", "train")]
    for c in (0, 1):
        phis.append(sample_context(c, n_per_context, rng))
        ctx_idx.append(np.full(n_per_context, c))
        train, held = PROMPTS[c]
        prompts += [PromptRecord(p, c, "table", "cup", "train") for p in train]
        prompts += [PromptRecord(p, c, "table", "cup", "heldout_paraphrase") for p in held]
    return SyntheticDataset(np.concatenate(phis).astype(np.float32),
                            np.concatenate(ctx_idx).astype(np.int64), contexts, prompts, seed=seed)


TINY_NETWORK = {"hidden": 64, "depth": 1, "pose_embed": 32, "time_embed": 32, "text_embed": 32,
                "scale_embed": 16, "head_hidden": 32}


def quick_trainer(encoder, steps: int = 0, seed: int = 0, network: dict | None = None,
                  n_per_context: int = 500, batch_size: int = 64, lr: float = 2e-3,
                  schedule_steps: int | None = None, bf16: bool = False, **options):
    """A Trainer on the synthetic dataset (tests, smoke checks), trained for `steps` steps.
    `options` are further TrainConfig fields (e.g. sigma_focus)."""
    from ..model.score_network import PhiSpace
    from ..model.sde import VESDE
    from .data import TrainingData
    from .loop import TrainConfig, Trainer

    data = TrainingData.from_dataset(make_synthetic_dataset(n_per_context, seed), encoder)
    normalizer = PhiSpace.fit(data.train.phi)
    sde = VESDE(0.005, 10.0)
    net = dict(TINY_NETWORK if network is None else network, text_dim=encoder.dim,
               sigma_min=sde.sigma_min, sigma_max=sde.sigma_max)
    config = TrainConfig(steps=schedule_steps or max(steps, 1), batch_size=batch_size, lr=lr,
                         warmup=10, seed=seed, bf16=bf16, network=net, sde=sde.to_dict(),
                         **options)
    trainer = Trainer(config, data, normalizer)
    for _ in range(steps):
        trainer.train_step()
    return trainer


def model_from_trainer(trainer, encoder):
    """An OORModel around a trainer's EMA network (no file involved)."""
    from ..model.inference import OORModel
    from .metadata import build_metadata

    meta = build_metadata(trainer, encoder, {"path": "synthetic"}, {})
    return OORModel.from_state(trainer.ema.state_dict(), meta, encoder)
