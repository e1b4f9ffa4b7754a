"""A mesh in its own local coordinates, and the surface statistics that frame detection reads.

Plain numpy (vertices and triangles), so detection runs on Blender meshes and on files parsed in
tests alike. The shell centroid (area-weighted triangle centres) stands in for the centre of
mass: it does not move when an artist adds detail to one side of the mesh.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

SURFACE_SAMPLES = 6000  # enough for a 20^3 symmetry grid; fixed seed keeps detection repeatable


@dataclass(frozen=True)
class LocalMesh:
    vertices: np.ndarray  # (N, 3) local coordinates
    triangles: np.ndarray  # (M, 3) vertex indices

    @staticmethod
    def from_arrays(vertices, triangles) -> LocalMesh:
        points = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
        if len(points) == 0:
            raise ValueError("the mesh has no vertices")
        if not np.all(np.isfinite(points)):
            raise ValueError("the mesh has NaN or infinite vertex coordinates")
        if len(faces) and (faces.min() < 0 or faces.max() >= len(points)):
            raise ValueError("the mesh has triangles that index missing vertices")
        return LocalMesh(points, faces)

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.vertices.min(axis=0), self.vertices.max(axis=0)

    @cached_property
    def _areas_and_centres(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self.triangles) == 0:
            return np.ones(len(self.vertices)), self.vertices
        corners = self.vertices[self.triangles]
        areas = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0],
                                              corners[:, 2] - corners[:, 0]), axis=1)
        return areas, corners.mean(axis=1)

    @cached_property
    def shell_centroid(self) -> np.ndarray:
        areas, centres = self._areas_and_centres
        total = float(areas.sum())
        if total <= 0.0:
            return self.vertices.mean(axis=0)
        return (areas[:, None] * centres).sum(axis=0) / total

    @cached_property
    def surface_points(self) -> np.ndarray:
        """Points spread evenly over the surface (vertices only, for a mesh without faces)."""
        areas, _ = self._areas_and_centres
        if len(self.triangles) == 0 or float(areas.sum()) <= 0.0:
            return self.vertices
        rng = np.random.default_rng(0)
        chosen = rng.choice(len(self.triangles), SURFACE_SAMPLES, p=areas / areas.sum())
        corners = self.vertices[self.triangles[chosen]]
        u, v = rng.random((2, SURFACE_SAMPLES, 1))
        flip = (u + v) > 1.0
        u, v = np.where(flip, 1.0 - u, u), np.where(flip, 1.0 - v, v)
        sampled = corners[:, 0] + u * (corners[:, 1] - corners[:, 0]) + v * (corners[:, 2]
                                                                              - corners[:, 0])
        return np.concatenate([sampled, self.vertices[:: max(1, len(self.vertices) // 2000)]])
