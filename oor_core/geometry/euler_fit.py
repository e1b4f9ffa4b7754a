"""Euler angles for a rotation matrix, accurate also near gimbal lock.

Blender decomposes a matrix into Euler angles in float32; near gimbal lock (the middle angle
close to +-90 degrees) that loses ~1e-4, far more than float32 storage itself needs. Here the
angles are fitted in float64 by Gauss-Newton on the forward map, which is well conditioned
everywhere; least squares takes the minimum-norm step where the lock makes two angles one.
"""

from __future__ import annotations

import numpy as np

AXES = {"X": 0, "Y": 1, "Z": 2}


def _axis_rotation(axis: int, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    i, j = (axis + 1) % 3, (axis + 2) % 3  # cyclic, so every axis turns right-handed
    rotation = np.eye(3)
    rotation[i, i], rotation[i, j], rotation[j, i], rotation[j, j] = c, -s, s, c
    return rotation


def euler_matrix(angles, order: str = "XYZ") -> np.ndarray:
    """Blender's convention: order 'XYZ' rotates about X first, so R = Rz @ Ry @ Rx; each
    angle belongs to its axis (angles[0] is about X whatever the order)."""
    rotation = np.eye(3)
    for axis_name in order:
        axis = AXES[axis_name]
        rotation = _axis_rotation(axis, float(angles[axis])) @ rotation
    return rotation


def fit_euler(rotation: np.ndarray, order: str, start, iterations: int = 40) -> np.ndarray:
    """Angles (about X, Y, Z) whose `order` rotation is `rotation`, refined from `start`."""
    target = np.asarray(rotation, dtype=np.float64)
    angles = np.asarray(start, dtype=np.float64).copy()
    step = 1e-6
    for _ in range(iterations):  # at the lock itself convergence is linear, elsewhere quadratic
        residual = (euler_matrix(angles, order) - target).ravel()
        if np.max(np.abs(residual)) < 1e-13:
            break
        jacobian = np.empty((9, 3))
        for k in range(3):  # central differences: the truncation error is ~1e-12
            nudge = np.zeros(3)
            nudge[k] = step
            jacobian[:, k] = (euler_matrix(angles + nudge, order)
                              - euler_matrix(angles - nudge, order)).ravel() / (2 * step)
        angles -= np.linalg.lstsq(jacobian, residual, rcond=1e-9)[0]
    return angles
