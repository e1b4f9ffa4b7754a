"""Rank sampled OOR candidates by a likelihood proxy (GenPose ranks with an energy network).

Instead of training a second network we use the score model itself at small noise:
- "score_norm" (default): ||D(x, sigma) - x||^2 / sigma^2 = ||sigma * score(x, sigma)||^2 at
  sigma = 0.02, evaluated at the candidate itself: how far the denoiser wants to move it, i.e.
  its distance to the learned data manifold (a candidate in a high-density region is a fixed
  point of the denoiser). One network call on the K candidates.
- "consistency": re-noise each candidate at a few small levels with fixed noise draws and
  average ||D(x + sigma z, sigma) - x||^2 / sigma^2 (the DSM loss at the candidate). 12x the
  cost and, measured on the shipped model, a little worse (docs/MODEL.md).

Lower energy = better. An optional external plausibility callable (phi (K,15) -> penalty (K,),
lower is better) is added with a weight.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .samplers import Denoiser

DEFAULT_RANKING = "score_norm"
DEFAULT_LEVELS = (0.02, 0.05, 0.1)
DEFAULT_DRAWS = 4


def candidate_energy(
    den: Denoiser,
    x: torch.Tensor,
    method: str = DEFAULT_RANKING,
    levels: tuple[float, ...] = DEFAULT_LEVELS,
    draws: int = DEFAULT_DRAWS,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(K,) energies of candidates x (K,15, normalised space); one batched network call."""
    k = x.shape[0]
    if method == "score_norm":
        s = float(levels[0])
        d = den(x, s)
        return ((d - x) ** 2).sum(-1) / (s * s)
    if method != "consistency":
        raise ValueError(f"unknown ranking method {method!r}")
    reps = len(levels) * draws
    sig = torch.tensor(levels, dtype=x.dtype).repeat_interleave(draws).repeat(k)  # (K*reps,)
    xs = x.repeat_interleave(reps, dim=0)
    noise = torch.randn(xs.shape, generator=generator, dtype=x.dtype)
    if den.known_mask is not None:
        noise = torch.where(den.known_mask.expand_as(noise) if den.known_mask.dim() == 1
                            else den.known_mask.repeat_interleave(reps, dim=0), 0.0, noise)
    noisy = xs + sig[:, None] * noise
    sub = _expanded_denoiser(den, reps)
    d = sub(noisy, sig)
    err = ((d - xs) ** 2).sum(-1) / (sig * sig)
    return err.reshape(k, reps).mean(-1)


def _expanded_denoiser(den: Denoiser, reps: int) -> Denoiser:
    """The same denoiser with its per-candidate tensors repeated for `reps` noisy copies."""
    def rep(t):
        if t is None or t.dim() < 2:
            return t
        return t.repeat_interleave(reps, dim=0)

    score_fn = getattr(den.score_fn, "repeated", None)
    score_fn = score_fn(reps) if score_fn is not None else den.score_fn
    out = Denoiser(score_fn, den.sde, known_values=rep(den.known_values),
                   known_mask=rep(den.known_mask), known_noise=None)
    out.nfe = 0
    return out


def rank_candidates(
    den: Denoiser,
    x: torch.Tensor,
    phi: torch.Tensor,
    method: str = DEFAULT_RANKING,
    plausibility: Callable[[torch.Tensor], torch.Tensor] | None = None,
    plausibility_weight: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (order, energies): candidate indices best first and their (combined) energies."""
    energy = candidate_energy(den, x, method=method, generator=generator)
    if plausibility is not None:
        penalty = torch.as_tensor(plausibility(phi), dtype=energy.dtype)
        energy = energy + plausibility_weight * penalty
    order = torch.argsort(energy, stable=True)
    return order, energy
