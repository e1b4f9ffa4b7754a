"""Variance-exploding SDE of the OOR diffusion (paper Sec. 3.3, Eqs. 8-9; Song et al. 2021).

sigma(t) = sigma_min (sigma_max / sigma_min)^t,  t in [eps, 1],  x_t = x_0 + sigma(t) z.

Everything here works in the *normalised* 15-D space (phi - mean) / std, where every component
has unit spread, so the noise range is chosen once for that space (see `default_sde` and
docs/MODEL.md). The probability-flow ODE (Eq. 9) is written both in t and, equivalently, in
sigma: dx/dsigma = -sigma * score(x, sigma) = (x - D(x, sigma)) / sigma, D being the denoiser.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch


@dataclass(frozen=True)
class VESDE:
    sigma_min: float = 0.005
    sigma_max: float = 20.0
    eps: float = 1e-5  # smallest training / sampling time (GenPose, Song et al.)

    def __post_init__(self):
        if not (0 < self.sigma_min < self.sigma_max):
            raise ValueError("VE SDE needs 0 < sigma_min < sigma_max")
        if not (0 <= self.eps < 1):
            raise ValueError("VE SDE needs 0 <= eps < 1")

    @property
    def log_ratio(self) -> float:
        return math.log(self.sigma_max / self.sigma_min)

    def sigma(self, t):
        """Noise level at time t (tensor or float)."""
        if isinstance(t, torch.Tensor):
            return self.sigma_min * torch.exp(t * self.log_ratio)
        return self.sigma_min * math.exp(t * self.log_ratio)

    def time(self, sigma):
        """Inverse of sigma(t)."""
        if isinstance(sigma, torch.Tensor):
            return torch.log(sigma / self.sigma_min) / self.log_ratio
        return math.log(sigma / self.sigma_min) / self.log_ratio

    def marginal_prob_std(self, t):
        """Std of x_t given x_0. Song et al.'s VE uses sigma(t) itself (the sigma_min^2 offset
        of the exact SDE is negligible and keeps sigma(t) == std, which every sampler assumes)."""
        return self.sigma(t)

    def dsigma_dt(self, t):
        return self.sigma(t) * self.log_ratio

    def ode_drift(self, score, t):
        """Eq. 9: d x_t / d t = -sigma(t) sigma'(t) score."""
        sigma = self.sigma(t)
        return -sigma * sigma * self.log_ratio * score

    def prior_sample(self, shape, generator: torch.Generator | None = None, dtype=torch.float32):
        return torch.randn(shape, generator=generator, dtype=dtype) * self.sigma_max

    def sample_time(self, n: int, generator: torch.Generator | None = None):
        """Training times t ~ U(eps, 1), i.e. log-uniform noise levels."""
        return self.eps + (1.0 - self.eps) * torch.rand(n, generator=generator)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> VESDE:
        return cls(**{k: float(data[k]) for k in ("sigma_min", "sigma_max", "eps")})


def dsm_loss(score, x0, xt, sigma, weight_mask=None):
    """Eq. 8 with lambda_t = sigma^2: || sigma * score - (x0 - xt) / sigma ||^2, mean over batch.

    weight_mask (B, D) zeroes components that are not diffused (known scales held clean).
    """
    target = (x0 - xt) / sigma
    err = (sigma * score - target) ** 2
    if weight_mask is not None:
        err = err * weight_mask
        return err.sum(dim=-1).mean() / weight_mask.shape[-1]
    return err.mean()
