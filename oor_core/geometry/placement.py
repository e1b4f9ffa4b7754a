"""Between two placed objects and an OOR sample phi: extraction (Eqs. 5-6) and placement.

Scale policies for the target when phi is applied:
- KEEP: the target keeps its real size (default: scenes are built from real-size assets);
- ASPECT: adopt phi's size but keep the target's proportions (paper Eq. 16);
- ANISOTROPIC: adopt phi's size per axis.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from .box_pose import BoxPose, compose, relative_phi
from .object_frame import ObjectGeometry, object_frame, world_matrix_for_pose
from .oor_vector import TARGET_SCALE


class ScalePolicy(StrEnum):
    KEEP = "KEEP"
    ASPECT = "ASPECT"
    ANISOTROPIC = "ANISOTROPIC"


def extract_relation(base: ObjectGeometry, target: ObjectGeometry) -> np.ndarray:
    """phi of the target in the base's instance canonical space."""
    return relative_phi(object_frame(base).pose, object_frame(target).pose)


# A flat object (a plane, a sheet of paper, a rug) has a zero side; the model knows only solid
# things and needs positive sizes, so its thinnest side counts as this fraction of its longest.
FLAT_FRACTION = 1e-3


def solid_scales(scales) -> np.ndarray:
    """(6,) [s_T->B, s_B] with every zero (flat) side raised to FLAT_FRACTION of its box's
    longest side."""
    solid = np.array(scales, dtype=np.float64)
    for part in (slice(0, 3), slice(3, 6)):
        solid[part] = np.maximum(solid[part], FLAT_FRACTION * np.max(solid[part]))
    return solid


def known_scales(base: ObjectGeometry, target: ObjectGeometry) -> np.ndarray:
    """(6,) [s_T->B, s_B] of the objects as they are: what known-scale sampling conditions on."""
    return solid_scales(extract_relation(base, target)[TARGET_SCALE.start:])


def aspect_preserving_size(sampled: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Eq. 16: s' = mean(s / BBOX) * BBOX, with BBOX the current box normalised to longest 1."""
    bbox = current / np.max(current)
    solid = bbox > 0.0
    factor = float(np.mean(sampled[solid] / bbox[solid]))
    return factor * bbox


def target_pose(base: ObjectGeometry, target: ObjectGeometry, phi,
                policy: ScalePolicy = ScalePolicy.KEEP) -> BoxPose:
    """World box the target should occupy: phi applied to the real base."""
    base_pose = object_frame(base).pose
    placed = compose(base_pose, phi)
    current = object_frame(target).pose.size
    policy = ScalePolicy(policy)
    if policy is ScalePolicy.KEEP:
        size = current
    elif policy is ScalePolicy.ASPECT:
        size = aspect_preserving_size(placed.size, current)
    else:
        size = placed.size
    return BoxPose(rotation=placed.rotation, center=placed.center, size=size)


def place_target(base: ObjectGeometry, target: ObjectGeometry, phi,
                 policy: ScalePolicy = ScalePolicy.KEEP) -> np.ndarray:
    """The target's new world matrix (4x4) so that its relation to the base is phi."""
    pose = target_pose(base, target, phi, policy)
    return world_matrix_for_pose(object_frame(target), pose)
