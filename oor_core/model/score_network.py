"""Score network Psi_theta(phi_t, t | c, B, T) in the style of GenPose's ScoreNet (paper App. B).

Pose, time (Gaussian Fourier features) and the text condition (embeddings of the context
prompt c and of the category names B and T) are embedded separately, fused by a residual MLP,
and read out by separate heads for rotation (6), translation (3), target scale (3) and base
scale (3). The output is divided by sigma(t), so the network itself predicts -noise.

Two deliberate departures from GenPose, both for a small CPU-trained model:
- the noisy input is scaled by 1/sqrt(1 + sigma^2) (EDM's c_in; the data are normalised to unit
  spread) so the first layer sees O(1) values at every noise level;
- known-scale conditioning: the network also receives the clean scale block with a mask flag
  (DESIGN.md sec. 2: scene objects keep their real size). Training masks it at random so one
  model samples with and without known scales.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..geometry.oor_vector import BASE_SCALE, PHI_DIM, R6, SCALES, TARGET_SCALE, TRANSLATION

SCALE_COND_DIM = 7  # 6 clean scales (normalised, zero when unknown) + 1 "known" flag


@dataclass(frozen=True)
class ScoreNetConfig:
    text_dim: int = 384
    text_parts: int = 3  # embedded texts per query: c, B, T (+ the relation words, 4)
    hidden: int = 384
    depth: int = 3  # residual blocks in the fusion MLP
    pose_embed: int = 256
    time_embed: int = 128
    text_embed: int = 256
    scale_embed: int = 64
    head_hidden: int = 192
    fourier_scale: float = 16.0
    sigma_min: float = 0.005
    sigma_max: float = 20.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ScoreNetConfig:
        fields = cls.__dataclass_fields__
        unknown = set(data) - set(fields)
        if unknown:
            raise ValueError(f"unknown score network settings: {sorted(unknown)}")
        return cls(**data)


class GaussianFourierProjection(nn.Module):
    """Random Fourier features of the diffusion time (fixed, not trained; Tancik et al.)."""

    def __init__(self, dim: int, scale: float):
        super().__init__()
        self.register_buffer("weight", torch.randn(dim // 2) * scale)

    def forward(self, t):
        proj = t[:, None] * self.weight[None, :] * (2 * math.pi)
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)


def _mlp(sizes: list[int], last_act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_act:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.act = nn.SiLU()

    def forward(self, h):
        return h + self.fc2(self.act(self.fc1(self.act(self.norm(h)))))


class ScoreNet(nn.Module):
    """score(x, sigma | text, scale_cond) in the normalised phi space."""

    HEADS = (("rotation", R6), ("translation", TRANSLATION),
             ("target_scale", TARGET_SCALE), ("base_scale", BASE_SCALE))

    def __init__(self, config: ScoreNetConfig | None = None):
        super().__init__()
        cfg = config or ScoreNetConfig()
        self.config = cfg
        self._log_min = math.log(cfg.sigma_min)
        self._log_range = math.log(cfg.sigma_max / cfg.sigma_min)
        self.pose_encoder = _mlp([PHI_DIM, cfg.pose_embed, cfg.pose_embed])
        self.time_encoder = nn.Sequential(
            GaussianFourierProjection(cfg.time_embed, cfg.fourier_scale),
            nn.Linear(cfg.time_embed, cfg.time_embed),
            nn.SiLU(),
        )
        self.text_encoder = _mlp([cfg.text_parts * cfg.text_dim, cfg.text_embed, cfg.text_embed])
        self.scale_encoder = _mlp([SCALE_COND_DIM, cfg.scale_embed, cfg.scale_embed])
        fused = cfg.pose_embed + cfg.time_embed + cfg.text_embed + cfg.scale_embed
        self.fuse = nn.Linear(fused, cfg.hidden)
        self.blocks = nn.ModuleList(ResidualBlock(cfg.hidden) for _ in range(cfg.depth))
        self.out_norm = nn.LayerNorm(cfg.hidden)
        self.heads = nn.ModuleDict()
        for name, part in self.HEADS:
            head = _mlp([cfg.hidden, cfg.head_hidden, part.stop - part.start], last_act=False)
            nn.init.zeros_(head[-1].weight)  # start as "predict zero noise": a calm first step
            nn.init.zeros_(head[-1].bias)
            self.heads[name] = head

    def sigma_to_time(self, sigma):
        return (torch.log(sigma) - self._log_min) / self._log_range

    def encode_text(self, text_emb):
        """(B, parts*text_dim) = [c, B, T[, R]] embeddings -> condition features; cached per
        query."""
        return self.text_encoder(text_emb)

    def forward(self, x, sigma, text_feat, scale_cond):
        """x (B,15) noisy normalised phi; sigma (B,) noise level; text_feat from encode_text;
        scale_cond (B,7). Returns the score (B,15) = F(x) / sigma."""
        sigma = sigma.reshape(-1)
        x_in = x / torch.sqrt(1.0 + sigma * sigma)[:, None]
        # Under bf16 autocast (training with --bf16) the noisy pose is embedded in fp32: its
        # 15 inputs are not rounded to bf16's 3 digits before the first layer, whose 256
        # features then carry the fine position on (the layer costs ~4 % of a step).
        with torch.autocast(x.device.type, enabled=False):
            pose = self.pose_encoder(x_in.float())
        h = torch.cat(
            [
                pose,
                self.time_encoder(self.sigma_to_time(sigma)),
                text_feat.expand(x.shape[0], -1) if text_feat.shape[0] == 1 else text_feat,
                self.scale_encoder(scale_cond),
            ],
            dim=-1,
        )
        h = self.fuse(h)
        for block in self.blocks:
            h = block(h)
        h = torch.nn.functional.silu(self.out_norm(h))
        out = torch.cat([self.heads[name](h) for name, _ in self.HEADS], dim=-1)
        return out.float() / sigma[:, None]


def make_scale_cond(known_scales_norm, known_mask):
    """(B,6) normalised clean scales and (B,) bool -> (B,7) network input (zeros when unknown)."""
    mask = known_mask.to(known_scales_norm.dtype)[:, None]
    return torch.cat([known_scales_norm * mask, mask], dim=-1)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())




TRANSFORM = "r6-u-logscale-v1"


class PhiSpace:
    """The model's data space z = normalise(T(phi)), stored with the model (DESIGN sec. 2).

    T maps phi = [r6, t, s_T->B, s_B] to [r6, u, log s_T->B, log s_B] with
        u = t / d(s),  d(s) = max((s_B + s_T->B) / 2, D_FLOOR)  (per axis),
    i.e. the translation in units of the two boxes' joint half extent. Contact relations then
    become (near) constants whatever the sizes (a cup on a table: u_y = 1; next to: |u_x| >~ 1),
    so the network needs no size arithmetic, the required precision scales with the objects,
    and the heavy-tailed raw translations/scales (|t| up to ~18, s_T->B from 1e-3 to 40 base
    units) become O(1). Log scales keep sampled scales positive. Then every component is
    standardised (mean/std of the training data, std floored so near-constant components are
    not blown up). T is a bijection for positive scales, so sampling z and mapping back samples
    phi; with known scales the inverse uses exactly the known sizes.
    """

    STD_FLOOR = 0.02
    D_FLOOR = 0.05  # base units: keeps u bounded for very thin pairs (a coin on a rug)
    SCALE_FLOOR = 1e-3

    def __init__(self, mean, std, d_floor: float = D_FLOOR, scale_floor: float = SCALE_FLOOR,
                 kind: str = TRANSFORM):
        if kind != TRANSFORM:
            raise ValueError(f"unknown phi transform {kind!r}")
        self.kind = kind
        self.mean = torch.as_tensor(mean, dtype=torch.float32).reshape(PHI_DIM)
        self.std = torch.as_tensor(std, dtype=torch.float32).reshape(PHI_DIM)
        self.d_floor = float(d_floor)
        self.scale_floor = float(scale_floor)
        if not (torch.isfinite(self.mean).all() and (self.std > 0).all()):
            raise ValueError("normalisation needs finite means and positive stds")

    # unnormalised transform ------------------------------------------------
    def _half_extent(self, s_t, s_b):
        return torch.clamp((s_t + s_b) * 0.5, min=self.d_floor)

    def to_raw(self, phi):
        """phi (..., 15) -> T(phi) = [r6, u, log s_T, log s_B] (no standardisation)."""
        s_t = phi[..., TARGET_SCALE].clamp_min(self.scale_floor)
        s_b = phi[..., BASE_SCALE].clamp_min(self.scale_floor)
        u = phi[..., TRANSLATION] / self._half_extent(s_t, s_b)
        return torch.cat([phi[..., R6], u, torch.log(s_t), torch.log(s_b)], dim=-1)

    def from_raw(self, y):
        s_t, s_b = torch.exp(y[..., TARGET_SCALE]), torch.exp(y[..., BASE_SCALE])
        t = y[..., TRANSLATION] * self._half_extent(s_t, s_b)
        return torch.cat([y[..., R6], t, s_t, s_b], dim=-1)

    # full map ----------------------------------------------------------------
    @classmethod
    def fit(cls, phi, **options) -> PhiSpace:
        phi = torch.as_tensor(np.asarray(phi), dtype=torch.float64)
        raw = cls(torch.zeros(PHI_DIM), torch.ones(PHI_DIM), **options).to_raw(phi)
        std = raw.std(dim=0).clamp_min(cls.STD_FLOOR)
        return cls(raw.mean(dim=0), std, **options)

    def normalize(self, phi):
        """phi -> z (the diffusion space)."""
        return (self.to_raw(phi) - self.mean.to(phi.dtype)) / self.std.to(phi.dtype)

    def denormalize(self, z):
        """z -> phi."""
        return self.from_raw(z * self.std.to(z.dtype) + self.mean.to(z.dtype))

    def to_dict(self) -> dict:
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std],
                "transform": {"name": self.kind, "d_floor": self.d_floor,
                              "scale_floor": self.scale_floor}}

    @classmethod
    def from_dict(cls, data: dict) -> PhiSpace:
        tf = data.get("transform") or {}
        return cls(data["mean"], data["std"], tf.get("d_floor", cls.D_FLOOR),
                   tf.get("scale_floor", cls.SCALE_FLOOR), tf.get("name", TRANSFORM))


class ConditionedScore:
    """score_fn(x, sigma) for samplers: one query's text features and scale condition bound.

    text_feat is (1, H) (shared by all candidates) or (B, H); scale_cond is (B, 7).
    """

    def __init__(self, net: ScoreNet, text_feat, scale_cond):
        self.net = net
        self.text_feat = text_feat
        self.scale_cond = scale_cond

    def __call__(self, x, sigma):
        return self.net(x, sigma, self.text_feat, self.scale_cond)

    def repeated(self, reps: int) -> ConditionedScore:
        """The same condition for every candidate repeated `reps` times (ranking batches)."""
        tf = self.text_feat if self.text_feat.shape[0] == 1 else self.text_feat.repeat_interleave(
            reps, dim=0)
        return ConditionedScore(self.net, tf, self.scale_cond.repeat_interleave(reps, dim=0))


__all__ = [
    "SCALES",
    "SCALE_COND_DIM",
    "ConditionedScore",
    "PhiSpace",
    "ScoreNet",
    "ScoreNetConfig",
    "count_parameters",
    "make_scale_cond",
]
