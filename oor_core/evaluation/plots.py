"""Diagnostic PNGs (matplotlib, Agg): per-family success, pouring tilt/azimuth, top-down layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..relations.fam_common import DEG
from ..relations.frames import azimuth_of, parts, tilt_angle


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_all(out: Path, ds, queries, pred, split: str, sampler: str) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    fam_of = np.array([ds.contexts[ci].family for ci, _, _ in queries])
    gt = ds.phi[[r for _, _, r in queries]].astype(np.float64)
    files = []
    tag = f"{sampler}_{split}"

    pour = fam_of == "pouring_into"
    if pour.any():
        fig, ax = plt.subplots(figsize=(6, 4))
        for data, label, mk in ((gt[pour], "ground truth", "o"), (pred[pour], sampler, "x")):
            rot, t, _, _ = parts(data)
            ax.scatter(azimuth_of(t) / DEG, tilt_angle(rot) / DEG, s=10, marker=mk, label=label)
        ax.set(xlabel="azimuth of pourer around base (deg)", ylabel="tilt (deg)",
               title=f"pouring_into: tilt vs azimuth ({split})")
        ax.legend()
        files.append(_save(fig, out / f"{tag}_pouring_tilt_azimuth.png", plt))

    adj = np.isin(fam_of, ["next_to", "near", "around", "left_of", "right_of", "in_front_of",
                           "behind", "facing"])
    if adj.any():
        fig, axes = plt.subplots(1, 2, figsize=(9, 4.5), sharex=True, sharey=True)
        for ax, data, label in ((axes[0], gt[adj], "ground truth"), (axes[1], pred[adj], sampler)):
            _, t, _, s_b = parts(data)
            rel = t / np.maximum(s_b / 2, 1e-9)  # in base half-extents: the base is [-1,1]^2
            ax.scatter(rel[:, 0], rel[:, 2], s=6, alpha=0.6)
            ax.add_patch(plt.Rectangle((-1, -1), 2, 2, fill=False, color="k"))
            ax.set(title=label, xlabel="x / base half width", ylabel="z (front) / base half depth",
                   xlim=(-6, 6), ylim=(-6, 6))
        fig.suptitle(f"adjacency families, top-down ({split})")
        files.append(_save(fig, out / f"{tag}_adjacency_topdown.png", plt))
    return files


def _save(fig, path: Path, plt) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return str(path)


def draw_family_bars(out: Path, result: dict) -> str:
    plt = _plt()
    fams = sorted(result["per_family"])
    vals = [result["per_family"][f]["success_rate"] for f in fams]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(range(len(fams)), vals)
    ax.set_xticks(range(len(fams)), fams, rotation=75, fontsize=7)
    ax.set(ylabel="success rate", ylim=(0, 1),
           title=f"{result['sampler']} on {result['split']}: success per family")
    return _save(fig, out / f"{result['sampler']}_{result['split']}_family_success.png", plt)
