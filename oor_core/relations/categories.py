"""Object categories: real-world size ranges, canonical frame and the parts relations use.

Sizes are metres along the OOR canonical axes (x width, y height, z depth; y up, z front). Parts
are given in the target's unit cube ([-0.5, 0.5]^3 after scale normalisation) so they stay valid
for any sampled (or user-given) box size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Range = tuple[float, float]

# Defaults for parts, in unit-cube coordinates (see module docstring).
DEFAULT_PARTS: dict[str, tuple] = {
    # (y, x0, x1, z0, z1): height and footprint of the support surface (a table top = top face).
    "support": (0.5, -0.5, 0.5, -0.5, 0.5),
    # (half-width x, half-depth z, depth): opening of an open container, inner depth from rim.
    "opening": (0.42, 0.42, 0.85),
    "wall": (0.06,),  # wall thickness of closed containers (inside)
    "underside": (0.07,),  # top slab thickness of tables (under)
    "spout": (0.0, 0.3, 0.5),  # pour point of pourers (front, upper)
    "tip": (0.0, 0.0, 0.5),  # working end of long tools lying along z (spoon bowl, pen tip)
    "strike": (0.0, 0.0, 0.35),  # sweet spot of strikers lying along z
    "blade": (-0.5, 0.0, 0.15),  # cutting edge point of knives (edge on the -x side)
    "plug": (0.0, 0.0, -0.5),  # insertion end of plugs (back face), inserted along -z
    "port": ("front",),  # face of a socket that takes plugs: front | top | right
    "mount": (1.2, 1.7),  # centre height (m) of wall-mounted items above the floor
    "hang": (0.0, 0.5, 0.0),  # point a hangable item hangs from (top centre)
}


@dataclass(frozen=True)
class Category:
    name: str
    kind: str  # substitute group: members share shape and scale (teapot ~ kettle ~ pitcher)
    room: str
    size: tuple[Range, Range, Range]  # metres, (x, y, z)
    shape: str  # box | round (x == z) | long (long along z) | tall (long along y) | flat
    tags: frozenset[str]
    synonyms: tuple[str, ...] = ()
    yaw: str = "any"  # target yaw when resting: any | front (faces base front) | axis (x/z aligned)
    parts: dict = field(default_factory=dict)

    def part(self, key: str) -> tuple:
        return self.parts.get(key, DEFAULT_PARTS[key])

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)

    def sample_sizes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n,3) sizes in metres: one shared size factor plus per-axis aspect jitter."""
        lo = np.array([r[0] for r in self.size])
        hi = np.array([r[1] for r in self.size])
        u = rng.uniform(0.0, 1.0, (n, 1))
        jitter = rng.normal(0.0, 0.18, (n, 3))
        v = np.clip(u + jitter, 0.0, 1.0)
        sizes = lo + v * (hi - lo)
        if self.shape == "round":
            sizes[:, 2] = np.clip(sizes[:, 0], lo[2], hi[2])
        return sizes


def make(name, kind, room, x, y, z, tags, syn=(), shape="box", yaw=None, **parts) -> Category:
    """Table-row constructor: keeps the category tables one line per category."""
    if yaw is None:
        yaw = "any" if shape in ("round", "long") else "front"
    return Category(
        name=name,
        kind=kind,
        room=room,
        size=(tuple(x), tuple(y), tuple(z)),
        shape=shape,
        tags=frozenset(tags.split()),
        synonyms=tuple(syn),
        yaw=yaw,
        parts=parts,
    )
