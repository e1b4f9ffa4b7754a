"""An analytic stand-in for OORModel: exact Gaussian-mixture scores, no training, no encoder.

Each prompt names a mixture of modes (phi vectors); the score of the noised mixture is exact, so
sampling, guidance and refinement can be checked against known answers in milliseconds.
"""

from __future__ import annotations

import numpy as np
import torch

from oor_core.geometry.box_pose import BoxPose
from oor_core.geometry.oor_vector import PHI_DIM, pack_phi
from oor_core.model.score_network import PhiSpace
from oor_core.model.sde import VESDE

TAU = 0.03  # spread of every mode in the normalised space


class MixtureNet:
    """net(x, sigma, text_feat, scale_cond): exact score of a per-prompt Gaussian mixture."""

    def __init__(self, modes: list[torch.Tensor], tau: float = TAU):
        self.modes = modes  # per prompt id: (M, 15) in the normalised space
        self.tau = tau

    def __call__(self, x, sigma, text_feat, scale_cond):
        ids = text_feat[:, 0].long()
        if ids.numel() == 1:
            ids = ids.expand(x.shape[0])
        out = torch.empty_like(x)
        var = (self.tau ** 2 + sigma.reshape(-1) ** 2)[:, None]
        for pid in ids.unique():
            rows = ids == pid
            mu = self.modes[int(pid)].to(x.dtype)  # (M, 15)
            xr, vr = x[rows], var[rows]
            d2 = ((xr[:, None, :] - mu[None]) ** 2).sum(-1)  # (R, M)
            w = torch.softmax(-d2 / (2 * vr), dim=-1)
            out[rows] = ((w[..., None] * mu[None]).sum(1) - xr) / vr
        return out


class FakeModel:
    """Duck-typed OORModel: net, normalizer, sde, text_features, known_scale_mode."""

    known_scale_mode = "learned"

    def __init__(self, prompt_modes: dict[str, np.ndarray]):
        self.normalizer = PhiSpace(torch.zeros(PHI_DIM), torch.ones(PHI_DIM))
        self.sde = VESDE(0.005, 10.0)
        self.ids = {p: i for i, p in enumerate(prompt_modes)}
        modes = [self.normalizer.normalize(torch.as_tensor(np.atleast_2d(m), dtype=torch.float32))
                 for m in prompt_modes.values()]
        self.net = MixtureNet(modes)

    def text_features(self, prompts, base_names, target_names):
        return torch.tensor([[float(self.ids[p])] for p in prompts])


def upright_phi(t, s_t, s_b) -> np.ndarray:
    return pack_phi(np.eye(3), np.asarray(t, float), s_t, s_b)


def box(center, size, yaw=0.0) -> BoxPose:
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return BoxPose(rot, np.asarray(center, float), np.asarray(size, float))
