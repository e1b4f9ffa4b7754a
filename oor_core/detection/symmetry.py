"""Mirror symmetry of a mesh across the planes of its local box (voxel overlap).

Most made objects are mirror-symmetric left to right; the front then lies in the mirror plane.
The surface is voxelised in its bounding box and compared with its own reflection.
"""

from __future__ import annotations

import numpy as np

from .local_mesh import LocalMesh

GRID = 20


def _cells(points: np.ndarray) -> np.ndarray:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0.0, hi - lo, 1.0)
    cells = np.clip(((points - lo) / span * GRID).astype(int), 0, GRID - 1)
    grid = np.zeros((GRID, GRID, GRID), dtype=bool)
    grid[cells[:, 0], cells[:, 1], cells[:, 2]] = True
    return grid


def _dilated(grid: np.ndarray) -> np.ndarray:
    """One-cell tolerance: a surface a hair off the mirror image still counts as symmetric."""
    out = grid.copy()
    for axis in range(3):
        out |= np.roll(grid, 1, axis=axis) | np.roll(grid, -1, axis=axis)
    return out


def mirror_scores(mesh: LocalMesh) -> np.ndarray:
    """(3,) for each local axis: the share in [0, 1] of the surface whose mirror image across the
    plane perpendicular to that axis (through the box centre) lands on the surface again."""
    surface = _cells(mesh.surface_points)
    tolerant = _dilated(surface)
    count = max(1, int(surface.sum()))
    return np.array([float((np.flip(surface, axis=axis) & tolerant).sum()) / count
                     for axis in range(3)])
