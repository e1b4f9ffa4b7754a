"""Distribution metrics over 15-D OOR vectors (numpy only)."""

from __future__ import annotations

import numpy as np

from ..geometry.oor_vector import unpack_phi


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Squared Fréchet distance of Gaussian fits (paper Eq. 15).

    tr((S_x S_y)^1/2) is computed as tr((S_x^1/2 S_y S_x^1/2)^1/2): both factors are symmetric
    PSD, so eigendecompositions stay real and stable even for singular covariances.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mu = x.mean(0) - y.mean(0)
    sx = np.atleast_2d(np.cov(x, rowvar=False)) if len(x) > 1 else np.zeros((x.shape[1],) * 2)
    sy = np.atleast_2d(np.cov(y, rowvar=False)) if len(y) > 1 else np.zeros((y.shape[1],) * 2)
    root = _sqrtm_psd(sx)
    cross = np.linalg.eigvalsh((root @ sy @ root + (root @ sy @ root).T) / 2)
    tr_cross = np.sum(np.sqrt(np.clip(cross, 0, None)))
    return float(max(mu @ mu + np.trace(sx) + np.trace(sy) - 2 * tr_cross, 0.0))


def geodesic_angles(ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Pairwise rotation angles (rad) between (n,3,3) and (m,3,3) -> (n, m)."""
    tr = np.einsum("nij,mij->nm", ra, rb)  # trace(Ra^T Rb)
    return np.arccos(np.clip((tr - 1) / 2, -1, 1))


def mmd_rotation_aware(x, y, rot_bandwidth: float = 0.5, trans_bandwidth: float | None = None):
    """Biased MMD^2 with k = exp(-(angle/s_R)^2 - |dt|^2/s_t^2) on (R, t) of phi rows.

    The translation bandwidth defaults to the median pairwise distance of y (the reference).
    """
    ox, oy = unpack_phi(np.asarray(x)), unpack_phi(np.asarray(y))

    def kern(a, b):
        ang = geodesic_angles(a.rotation, b.rotation)
        dt = np.linalg.norm(a.translation[:, None] - b.translation[None], axis=-1)
        return np.exp(-((ang / rot_bandwidth) ** 2) - (dt / s_t) ** 2)

    if trans_bandwidth is None:
        d = np.linalg.norm(oy.translation[:, None] - oy.translation[None], axis=-1)
        s_t = max(float(np.median(d[np.triu_indices(len(d), 1)])) if len(d) > 1 else 0.0, 1e-3)
    else:
        s_t = trans_bandwidth
    return float(kern(ox, ox).mean() + kern(oy, oy).mean() - 2 * kern(ox, oy).mean())


def mode_coverage(gt_modes: np.ndarray, pred_modes: np.ndarray, min_share: float = 0.05) -> float:
    """Share of ground-truth modes (holding >= min_share of GT) that the predictions reach."""
    gt_modes = np.asarray(gt_modes)
    labels, counts = np.unique(gt_modes, return_counts=True)
    major = labels[counts >= min_share * len(gt_modes)]
    if len(major) == 0:
        return 1.0
    return float(np.isin(major, np.asarray(pred_modes)).mean())
