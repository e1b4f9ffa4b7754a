"""Named samplers for evaluation.

Protocol: an object with
    sample(prompts: list[str], base_names: list[str], target_names: list[str],
           known_scales: np.ndarray (Q, 6) = [s_T->B, s_B], num_samples: int, seed: int)
        -> np.ndarray (Q, num_samples, 15)
Same seed -> same output. The evaluator overwrites output scales with the known ones.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Sampler(Protocol):
    def sample(self, prompts: list[str], base_names: list[str], target_names: list[str],
               known_scales: np.ndarray, num_samples: int, seed: int) -> np.ndarray: ...


NAMES = ("heuristic", "retrieval", "model")


def get_sampler(name: str, **options) -> Sampler:
    if name == "heuristic":
        from .baselines import HeuristicSampler

        return HeuristicSampler(**options)
    if name == "retrieval":
        from .baselines import RetrievalSampler

        return RetrievalSampler(**options)
    if name == "model":
        try:
            from ..model.inference import load_eval_sampler
        except ImportError as exc:
            raise RuntimeError(
                "sampler 'model' needs oor_core.model.inference.load_eval_sampler (the trained OOR "
                f"diffusion model), which is not available: {exc}") from exc
        return load_eval_sampler(**options)
    raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(NAMES)}")
