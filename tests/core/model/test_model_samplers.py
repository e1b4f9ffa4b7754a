"""ODE samplers against an exact Gaussian-mixture score, determinism, known scales, guidance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oor_core.geometry.oor_vector import SCALES
from oor_core.model.samplers import Denoiser, SamplingError, karras_sigmas, run_sampler
from oor_core.model.sde import VESDE
from oor_core.model.text_encoder import shared_encoder
from oor_core.training.synthetic import model_from_trainer, quick_trainer

D = 15
GEN = torch.Generator().manual_seed(0)
MU = torch.randn(3, D, generator=GEN) * 1.5
SD = torch.tensor([0.05, 0.2, 0.02])
W = torch.tensor([0.5, 0.3, 0.2])


def gmm_score(x, sigma):
    """Exact score of the mixture convolved with N(0, sigma^2 I)."""
    s2 = SD[None, :] ** 2 + sigma[:, None] ** 2
    diff = x[:, None, :] - MU[None]
    logp = -0.5 * (diff**2).sum(-1) / s2 - 0.5 * D * torch.log(s2) + torch.log(W)[None]
    r = torch.softmax(logp, -1)
    return -(r[:, :, None] * diff / s2[:, :, None]).sum(1)


SDE = VESDE(0.005, 20.0)


@pytest.fixture(scope="module")
def reference():
    x_init = SDE.prior_sample((400, D), torch.Generator().manual_seed(5))
    den = Denoiser(gmm_score, SDE)
    return x_init, run_sampler("rk45", den, x_init, SDE), den.nfe


def test_rk45_recovers_the_mixture(reference):
    _, x, nfe = reference
    k = ((x[:, None] - MU[None]) ** 2).sum(-1).argmin(1)
    frac = torch.bincount(k, minlength=3) / len(x)
    assert torch.allclose(frac, W, atol=0.07)
    for j in range(3):
        ratio = ((x[k == j] - MU[j]).pow(2).mean().sqrt() / SD[j]).item()
        assert 0.85 < ratio < 1.15
    assert 50 < nfe < 400


@pytest.mark.parametrize(("name", "steps", "tol"), [("dpmpp2m", 12, 0.03), ("heun", 18, 0.03)])
def test_fast_samplers_follow_rk45(reference, name, steps, tol):
    x_init, x_ref, nfe_ref = reference
    den = Denoiser(gmm_score, SDE)
    x = run_sampler(name, den, x_init, SDE, steps, sigma_end=SDE.sigma_min)  # exact score: go down
    assert (x - x_ref).norm(dim=1).median() < tol
    assert den.nfe <= nfe_ref / 3


def test_karras_schedule():
    s = karras_sigmas(5, 0.01, 10.0)
    assert len(s) == 6 and s[0] == pytest.approx(10.0) and s[4] == pytest.approx(0.01)
    assert s[-1] == 0 and torch.all(s[1:] < s[:-1])


def test_known_components_are_exact_in_every_sampler(reference):
    x_init = reference[0][:16]
    mask = torch.zeros(16, D, dtype=torch.bool)
    mask[:, SCALES] = True
    values = torch.randn(16, D)
    for name in ("rk45", "dpmpp2m", "heun", "euler"):
        for noise in (None, x_init / SDE.sigma_max):  # learned-style and inpainting-style
            den = Denoiser(gmm_score, SDE, known_values=values, known_mask=mask, known_noise=noise)
            x = run_sampler(name, den, x_init, SDE)
            torch.testing.assert_close(x[:, SCALES], values[:, SCALES])


def test_guidance_hook_moves_samples(reference):
    from oor_core.model.score_network import PhiSpace

    x_init = reference[0][:64]
    norm = PhiSpace(torch.zeros(D), torch.ones(D))
    norm.to_raw, norm.from_raw = (lambda v: v), (lambda v: v)  # identity map for this test
    calls = []

    def push_up(phi, t):  # gradient of the loss -10 * phi[0]: raises component 0
        calls.append(t)
        grad = torch.zeros_like(phi)
        grad[:, 0] = -10.0
        return grad

    plain = run_sampler("dpmpp2m", Denoiser(gmm_score, SDE), x_init, SDE)
    guided = run_sampler("dpmpp2m", Denoiser(gmm_score, SDE, guidance=push_up, normalizer=norm),
                         x_init, SDE)
    assert calls and all(0 <= t <= 1 for t in calls)
    assert guided[:, 0].mean() > plain[:, 0].mean()


def test_nan_is_reported():
    den = Denoiser(lambda x, s: torch.full_like(x, float("nan")), SDE)
    with pytest.raises(SamplingError, match="NaN"):
        run_sampler("dpmpp2m", den, torch.zeros(2, D), SDE)


def test_unknown_sampler():
    with pytest.raises(ValueError, match="unknown sampler"):
        run_sampler("ddim", Denoiser(gmm_score, SDE), torch.zeros(1, D), SDE)


# ------------------------------------------------------------------ with the model
@pytest.fixture(scope="module")
def model():
    encoder = shared_encoder()
    return model_from_trainer(quick_trainer(encoder, steps=30), encoder)


def test_same_seed_same_result(model):
    a = model.sample("A cup on a table", "table", "cup", num_candidates=8, seed=3)
    b = model.sample("A cup on a table", "table", "cup", num_candidates=8, seed=3)
    c = model.sample("A cup on a table", "table", "cup", num_candidates=8, seed=4)
    np.testing.assert_array_equal(a.phi, b.phi)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert not np.allclose(a.phi, c.phi)
    by_energy = model.sample("A cup on a table", "table", "cup", num_candidates=8, seed=3,
                             check_relation=False)
    assert np.all(np.diff(by_energy.scores) >= 0)  # ranked best first (the words unchecked)
    assert a.nfe > 0 and a.phi.shape == (8, 15)


@pytest.mark.parametrize("mode", ["learned", "inpaint"])
@pytest.mark.parametrize("sampler", ["default", "heun", "rk45"])
def test_known_scales_returned_exactly(model, mode, sampler):
    known = np.array([0.08, 0.11, 0.08, 1.0, 0.62, 0.5])
    cands = model.sample("A cup on a table", "table", "cup", known_scales=known,
                         num_candidates=4, seed=0, sampler=sampler, known_scale_mode=mode)
    np.testing.assert_array_equal(cands.phi[:, 9:15], np.broadcast_to(known, (4, 6)))
    rot = cands.phi[:, 0:6]
    np.testing.assert_allclose(np.linalg.norm(rot[:, :3], axis=1), 1.0, atol=1e-9)


def test_batch_sampling_protocol(model):
    from oor_core.model.inference import load_eval_sampler

    sampler = load_eval_sampler(model=model, sampler="default")
    known = np.array([[0.08, 0.11, 0.08, 1.0, 0.62, 0.5], [np.nan] * 6])
    out = sampler.sample(["A cup on a table", "A cup beside the table"], ["table", "table"],
                         ["cup", "cup"], known, num_samples=5, seed=0)
    assert out.shape == (2, 5, 15) and np.isfinite(out).all()
    np.testing.assert_array_equal(out[0, :, 9:15], np.broadcast_to(known[0], (5, 6)))
    assert np.all(out[1, :, 9:15] > 0)  # unknown scales are sampled, and kept positive
    again = sampler.sample(["A cup on a table", "A cup beside the table"], ["table", "table"],
                           ["cup", "cup"], known, num_samples=5, seed=0)
    np.testing.assert_array_equal(out, again)


def test_ranked_batch_returns_best_candidates(model):
    known = np.array([[0.08, 0.11, 0.08, 1.0, 0.62, 0.5]])
    args = (["A cup on a table"], ["table"], ["cup"], known)
    ranked = model.sample_batch(*args, num_samples=2, seed=0, rank_from=8, check_relation=False)
    assert ranked.shape == (1, 2, 15)
    pool = model.sample_batch(*args, num_samples=8, seed=0)
    for row in ranked[0]:  # the chosen ones are among the 8 drawn with the same seed
        assert np.min(np.abs(pool[0] - row).max(axis=1)) < 1e-6


def test_eval_sampler_ranks_with_the_energy_it_is_given(model):
    """`evaluate --option ranking=consistency` measures that energy, not the default."""
    from oor_core.model.inference import load_eval_sampler

    known = np.array([[0.08, 0.11, 0.08, 1.0, 0.62, 0.5]])
    args = (["A cup on a table"], ["table"], ["cup"], known)
    out = load_eval_sampler(model=model, rank_from=8, ranking="consistency").sample(
        *args, num_samples=2, seed=0)
    expected = model.sample_batch(*args, num_samples=2, seed=0, rank_from=8,
                                  ranking="consistency")
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError, match="unknown ranking method 'nonsense'"):
        load_eval_sampler(model=model, rank_from=8, ranking="nonsense").sample(
            *args, num_samples=2, seed=0)


def test_model_guidance_and_plausibility(model):
    known = np.array([0.08, 0.11, 0.08, 1.0, 0.62, 0.5])

    def push_right(phi, t):  # weighted gradient of the loss -phi_tx: moves targets to +x
        grad = torch.zeros_like(phi)
        grad[:, 6] = -50.0 if t <= 0.5 else 0.0
        return grad

    words = dict(check_relation=False)  # the mechanics alone, not the words' check
    plain = model.sample("A cup on a table", "table", "cup", known_scales=known, seed=0, **words)
    guided = model.sample("A cup on a table", "table", "cup", known_scales=known, seed=0,
                          guidance=push_right, **words)
    assert guided.phi[:, 6].mean() > plain.phi[:, 6].mean()
    np.testing.assert_array_equal(guided.phi[:, 9:15], plain.phi[:, 9:15])
    prefer_left = model.sample("A cup on a table", "table", "cup", known_scales=known, seed=0,
                               plausibility=lambda phi: 1e6 * phi[:, 6], **words)
    assert prefer_left.phi[0, 6] == plain.phi[:, 6].min()


def test_bad_known_scales(model):
    with pytest.raises(ValueError, match="positive"):
        model.sample("A cup on a table", "table", "cup", known_scales=[0, 1, 1, 1, 1, 1])
