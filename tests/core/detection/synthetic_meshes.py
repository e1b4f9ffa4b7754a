"""Small synthetic meshes with a known up and front, built from boxes and cylinders (metres)."""

from __future__ import annotations

import itertools

import numpy as np

from oor_arrange.oor_core.detection.local_mesh import LocalMesh


def box(lo, hi) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    corners = np.array([[hi[0] if x else lo[0], hi[1] if y else lo[1], hi[2] if z else lo[2]]
                        for x, y, z in itertools.product((0, 1), repeat=3)])
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    triangles = [t for a, b, c, d in quads for t in ((a, b, c), (a, c, d))]
    return corners, np.array(triangles)


def cylinder(radius, height, segments=24, axis=2) -> tuple[np.ndarray, np.ndarray]:
    """Closed cylinder from 0 to `height` along `axis`."""
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ring = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    rows = []
    for level in (0.0, height):
        points = np.zeros((segments, 3))
        across = [k for k in range(3) if k != axis]
        points[:, across[0]], points[:, across[1]] = ring[:, 0], ring[:, 1]
        points[:, axis] = level
        rows.append(points)
    centres = [np.eye(3)[axis][None] * 0.0, np.eye(3)[axis][None] * height]
    vertices = np.concatenate([*rows, *centres])
    bottom_centre, top_centre = 2 * segments, 2 * segments + 1
    triangles = []
    for k in range(segments):
        n = (k + 1) % segments
        triangles += [(k, n, segments + n), (k, segments + n, segments + k),
                      (bottom_centre, n, k), (top_centre, segments + k, segments + n)]
    return vertices, np.array(triangles)


def merge(*parts) -> LocalMesh:
    vertices, triangles, start = [], [], 0
    for v, t in parts:
        vertices.append(v)
        triangles.append(t + start)
        start += len(v)
    return LocalMesh.from_arrays(np.concatenate(vertices), np.concatenate(triangles))


def chair() -> LocalMesh:
    """Blender axes: +Z up, front -Y; backrest at +Y (the back)."""
    legs = [box((x - 0.02, y - 0.02, 0), (x + 0.02, y + 0.02, 0.45))
            for x in (-0.2, 0.2) for y in (-0.2, 0.2)]
    seat = box((-0.22, -0.22, 0.45), (0.22, 0.22, 0.5))
    back = box((-0.22, 0.18, 0.5), (0.22, 0.22, 0.95))
    return merge(*legs, seat, back)


def mug() -> LocalMesh:
    """Z-up cylinder with a handle loop at +X (no front of its own)."""
    body = cylinder(0.04, 0.1)
    handle = [box((0.04, -0.005, 0.02), (0.065, 0.005, 0.03)),
              box((0.055, -0.005, 0.02), (0.065, 0.005, 0.08)),
              box((0.04, -0.005, 0.07), (0.065, 0.005, 0.08))]
    return merge(body, *handle)


def knife(edge_at_negative_x: bool = True) -> LocalMesh:
    """Lying flat (+Z up), tip at -Y (its front), handle at +Y; the blade drops below the
    handle's line on the edge side."""
    handle = box((-0.01, 0.02, 0.0), (0.01, 0.12, 0.02))
    blade_lo, blade_hi = ((-0.025, -0.12, 0.008), (0.01, 0.02, 0.011)) if edge_at_negative_x \
        else ((-0.01, -0.12, 0.008), (0.025, 0.02, 0.011))
    return merge(handle, box(blade_lo, blade_hi))


def pourer() -> LocalMesh:
    """Z-up jug: body cylinder, a spout lip at the rim on -X, a handle loop over the height at
    +X."""
    body = cylinder(0.05, 0.2)
    spout = box((-0.075, -0.01, 0.18), (-0.05, 0.01, 0.2))
    handle = [box((0.05, -0.006, 0.04), (0.085, 0.006, 0.05)),
              box((0.075, -0.006, 0.04), (0.085, 0.006, 0.17)),
              box((0.05, -0.006, 0.16), (0.085, 0.006, 0.17))]
    return merge(body, spout, *handle)
