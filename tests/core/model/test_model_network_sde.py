"""Score network shapes and the VE SDE."""

from __future__ import annotations

import math

import torch

from oor_core.model.score_network import (
    ConditionedScore,
    PhiSpace,
    ScoreNet,
    ScoreNetConfig,
    count_parameters,
    make_scale_cond,
)
from oor_core.model.sde import VESDE, dsm_loss

TINY = ScoreNetConfig(hidden=32, depth=1, pose_embed=16, time_embed=16, text_embed=16,
                      scale_embed=8, head_hidden=16)


def test_sigma_monotone_and_inverse():
    sde = VESDE(0.005, 20.0)
    t = torch.linspace(sde.eps, 1, 50)
    s = sde.sigma(t)
    assert torch.all(s[1:] > s[:-1])
    assert math.isclose(sde.sigma(0.0), 0.005) and math.isclose(sde.sigma(1.0), 20.0)
    torch.testing.assert_close(sde.time(s), t)
    assert VESDE.from_dict(sde.to_dict()) == sde


def test_marginal_prob_std_matches_perturbation():
    sde = VESDE(0.01, 10.0)
    g = torch.Generator().manual_seed(0)
    for t in (0.1, 0.5, 0.9):
        std = sde.marginal_prob_std(torch.tensor(t))
        noise = torch.randn(20000, 15, generator=g) * std
        assert abs(noise.std().item() / std.item() - 1) < 0.02


def test_network_shapes_and_zero_init():
    net = ScoreNet(TINY)
    b = 5
    x, sigma = torch.randn(b, 15), torch.rand(b) + 0.1
    text = net.encode_text(torch.randn(b, 3 * 384))
    cond = make_scale_cond(torch.randn(b, 6), torch.tensor([True, False, True, False, True]))
    assert cond.shape == (b, 7) and torch.all(cond[1, :6] == 0)
    out = net(x, sigma, text, cond)
    assert out.shape == (b, 15)
    assert torch.all(out == 0)  # zero-initialised heads: first steps are calm
    shared = net(x, sigma, text[:1], cond)  # one text feature broadcast to all rows
    assert shared.shape == (b, 15)
    score = ConditionedScore(net, text[:1], cond).repeated(3)
    assert score(torch.randn(3 * b, 15), torch.ones(3 * b)).shape == (3 * b, 15)
    assert count_parameters(net) > 0


def test_output_divided_by_sigma():
    torch.manual_seed(0)
    net = ScoreNet(TINY)
    for head in net.heads.values():
        torch.nn.init.normal_(head[-1].weight)
    net.sigma_to_time = lambda sigma: torch.full_like(sigma, 0.3)  # freeze the time input
    x_in, text, cond = torch.randn(1, 15), net.encode_text(torch.randn(1, 1152)), torch.zeros(1, 7)
    a, b = torch.tensor([0.5]), torch.tensor([4.0])
    score_a = net(x_in * torch.sqrt(1 + a * a), a, text, cond)
    score_b = net(x_in * torch.sqrt(1 + b * b), b, text, cond)
    assert score_a.abs().max() > 0
    torch.testing.assert_close(score_a * a, score_b * b)


def test_dsm_loss_zero_for_exact_score():
    x0 = torch.randn(8, 15)
    sigma = torch.full((8, 1), 0.3)
    xt = x0 + sigma * torch.randn(8, 15)
    exact = (x0 - xt) / sigma**2
    assert dsm_loss(exact, x0, xt, sigma).item() < 1e-10
    mask = torch.ones(8, 15)
    mask[:, 9:] = 0
    assert dsm_loss(exact + mask.logical_not() * 5, x0, xt, sigma, mask).item() < 1e-10


def test_config_and_phi_space_round_trip():
    assert ScoreNetConfig.from_dict(TINY.to_dict()) == TINY
    g = torch.Generator().manual_seed(0)
    phi = torch.randn(200, 15, generator=g, dtype=torch.float64)
    phi[:, 9:15] = torch.rand(200, 6, generator=g, dtype=torch.float64) * 3 + 0.01
    phi[:, 0] = 0.5  # a constant component gets the std floor, not a division by zero
    space = PhiSpace.fit(phi)
    assert space.std[0] == PhiSpace.STD_FLOOR
    back = PhiSpace.from_dict(space.to_dict())
    torch.testing.assert_close(back.denormalize(back.normalize(phi)), phi, atol=1e-9, rtol=1e-9)
    z = back.normalize(phi)
    assert z.std(0).max() < 1.5 and z.mean(0).abs().max() < 1e-6


def test_phi_space_makes_contact_constant():
    """A target resting on a base: u_y = t_y / ((s_By + s_Ty) / 2) = 1 whatever the sizes."""
    space = PhiSpace(torch.zeros(15), torch.ones(15))
    g = torch.Generator().manual_seed(1)
    s_t = torch.rand(50, 3, generator=g, dtype=torch.float64) * 2 + 0.1
    s_b = torch.rand(50, 3, generator=g, dtype=torch.float64) * 0.9 + 0.1
    t = torch.zeros(50, 3, dtype=torch.float64)
    t[:, 1] = (s_t[:, 1] + s_b[:, 1]) / 2
    r6 = torch.tensor([1.0, 0, 0, 0, 1, 0], dtype=torch.float64).expand(50, 6)
    raw = space.to_raw(torch.cat([r6, t, s_t, s_b], -1))
    torch.testing.assert_close(raw[:, 7], torch.ones(50, dtype=torch.float64))
    assert torch.all(space.from_raw(raw)[:, 9:] > 0)


def test_bf16_autocast_embeds_the_pose_in_fp32_and_returns_an_fp32_score():
    """Mixed-precision training rounds activations to bfloat16 (1.0 and 1.0 + 1e-3 are one
    number there); the noisy pose itself must reach the network unrounded."""
    torch.manual_seed(0)
    net = ScoreNet(TINY)
    seen = []
    net.pose_encoder.register_forward_hook(lambda mod, args, out: seen.append(out.dtype))
    text, cond = net.encode_text(torch.randn(1, 1152)), torch.zeros(1, 7)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        score = net(torch.ones(1, 15), torch.tensor([0.01]), text, cond)
        assert net.fuse(torch.ones(1, net.fuse.in_features)).dtype == torch.bfloat16
    assert seen == [torch.float32]
    assert score.dtype == torch.float32
