"""Evaluation harness for OOR samplers: metrics, baselines, sampler registry, plots."""

from .harness import SPLITS, default_dataset, evaluate
from .metrics import frechet_distance, mmd_rotation_aware, mode_coverage
from .sampler_registry import get_sampler

__all__ = ["SPLITS", "default_dataset", "evaluate", "frechet_distance", "get_sampler",
           "mmd_rotation_aware", "mode_coverage"]
