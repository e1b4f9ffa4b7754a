"""Few-shot augmentation: a captured arrangement re-posed for other objects of similar kinds
and sizes, so that five captures teach a relation and not one pair.

A capture says where the target sat for one base and one target. Moved to other sizes, what
must stay is what the artist arranged: a candle 3 cm in from a table's corner stays 3 cm (in
base units) in from the corner of a desk, resting on its top; a book leaning at 35 degrees
keeps its tilt and still touches the bookend's face. Per base axis the capture's position is
read as the nearest face relation between the target's box and the base's (outside or inside
the base's face, the target's near or far side) plus a remainder, or, where no face is near, as
a position; remainder and position are kept as fractions of the base's half extent along that
axis (a gap fits a shallow base too). The rotation is kept. The same reading rebuilds the pose
for any new sizes, so contacts stay exact.

Substitutes: the captured category's own kind (teapot ~ kettle, docs/DATASET.md) and every
category of like tags (surface, item, food, ...) whose typical size is within a factor 1.7 of
the captured object's on every axis, nearest first; an object whose name says nothing
('object') gets substitutes by size alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dataset import VERSION, ContextRecord, OORDataset, PromptRecord
from ..geometry.oor_vector import pack_phi, unpack_phi
from ..language.mentions import find_mentions, replace_mentions
from ..relations.category_table import CATEGORIES
from ..relations.frames import aabb_half
from .captures import capture_context_id

# Face relations per axis: (alpha, beta) with position = alpha * base half + beta * target
# half + remainder; (0, 0) is the fractional reading.
FACE_ANCHORS = ((1, 1), (1, -1), (-1, 1), (-1, -1))
# A face anchors the position when the remainder is under this fraction of the base's half
# extent (a candle 3 cm in from a 1.6 m table's edge); farther in, the position is a fraction.
FACE_REACH = 0.35
SIZE_FACTOR = 1.7  # substitutes are within this factor of the captured size on every axis
# Of another kind, a substitute also shares this fraction of the captured category's tags (a
# sofa is a table's size, not a surface to set a candle on).
TAG_OVERLAP = 0.3
MAX_SUBSTITUTES = 12
OWN_SHARE = 0.25  # rows of the captured pair itself (resized), the rest substitutes
CAPTURED_SIZE_JITTER = 0.15  # log-std of the per-axis size factor of the captured pair
SAMPLES_PER_PAIR = 8


@dataclass(frozen=True)
class AxisReading:
    """Per base axis: anchor (alpha, beta) and remainder; alpha = beta = 0: fraction."""

    alpha: np.ndarray  # (3,)
    beta: np.ndarray  # (3,)
    remainder: np.ndarray  # (3,) in base half extents along the axis


def read_axes(phi) -> AxisReading:
    """How the captured target sits along each base axis (see the module docstring)."""
    oor = unpack_phi(np.asarray(phi, dtype=np.float64))
    half_t = aabb_half(oor.rotation, oor.target_scale)
    half_b = oor.base_scale / 2.0
    alpha, beta, rest = np.zeros(3), np.zeros(3), np.zeros(3)
    for i in range(3):
        gaps = [oor.translation[i] - a * half_b[i] - b * half_t[i] for a, b in FACE_ANCHORS]
        k = int(np.argmin(np.abs(gaps)))
        if abs(gaps[k]) <= FACE_REACH * half_b[i]:
            alpha[i], beta[i] = FACE_ANCHORS[k]
            rest[i] = gaps[k] / max(half_b[i], 1e-9)
        else:
            rest[i] = oor.translation[i] / max(half_b[i], 1e-9)
    return AxisReading(alpha, beta, rest)


def repose(phi, target_size, base_size) -> np.ndarray:
    """The captured relation for new object sizes (metres, canonical axes): phi (15,)."""
    oor = unpack_phi(np.asarray(phi, dtype=np.float64))
    reading = read_axes(phi)
    base_size = np.asarray(base_size, dtype=np.float64)
    unit = float(np.max(base_size))
    s_b = base_size / unit
    s_t = np.asarray(target_size, dtype=np.float64) / unit
    half_t = aabb_half(oor.rotation, s_t)
    half_b = s_b / 2.0
    translation = reading.alpha * half_b + reading.beta * half_t + reading.remainder * half_b
    return pack_phi(oor.rotation, translation, s_t, s_b)


def _tag_overlap(a: frozenset, b: frozenset) -> float:
    return len(a & b) / max(1, len(a | b))


def typical_size(category: str) -> np.ndarray | None:
    cat = CATEGORIES.get(category)
    if cat is None:
        return None
    return np.array([(lo + hi) / 2.0 for lo, hi in cat.size])


def substitutes(category: str, size_m, limit: int = MAX_SUBSTITUTES) -> list[str]:
    """Categories of the same kind and of similar size, nearest in size first (not the
    captured category itself)."""
    size = np.asarray(size_m, dtype=np.float64) if size_m is not None else typical_size(category)
    own = CATEGORIES.get(category)
    scored = []
    for name, cat in CATEGORIES.items():
        if name == category:
            continue
        mid = typical_size(name)
        log_ratio = np.abs(np.log(np.maximum(mid, 1e-4) / np.maximum(size, 1e-4)))
        same_kind = own is not None and cat.kind == own.kind
        alike = own is None or _tag_overlap(own.tags, cat.tags) >= TAG_OVERLAP
        if same_kind or (alike and np.all(log_ratio <= np.log(SIZE_FACTOR))):
            scored.append((not same_kind, float(log_ratio.sum()), name))
    return [name for _, _, name in sorted(scored)[:limit]]


def _captured_size(capture, side: str) -> np.ndarray:
    """Metres of one side of a capture: as recorded, else from its category, else from phi
    with a 1 m base (a capture written before sizes were recorded)."""
    recorded = getattr(capture, f"{side}_size")
    if recorded is not None and min(recorded) > 0:
        return np.asarray(recorded, dtype=np.float64)
    typical = typical_size(getattr(capture, side))
    oor = unpack_phi(np.asarray(capture.phi, dtype=np.float64))
    if side == "base":
        return typical if typical is not None else oor.base_scale
    base = _captured_size(capture, "base")
    return oor.target_scale * float(np.max(base))


def _sizes(category: str, fallback: np.ndarray, rng, n: int) -> np.ndarray:
    cat = CATEGORIES.get(category)
    if cat is None:
        base = np.broadcast_to(fallback, (n, 3))
        return base * np.exp(rng.normal(0.0, CAPTURED_SIZE_JITTER, (n, 3)))
    return cat.sample_sizes(rng, n)


def augment_captures(captures, rows: int, seed: int = 0, similarity=None) -> OORDataset:
    """About `rows` training rows from the captures (shared evenly), as train contexts of the
    captured pairs resized and of substitute pairs, each prompt renamed to its pair."""
    rng = np.random.default_rng(seed)
    per_capture = max(SAMPLES_PER_PAIR, rows // max(1, len(captures)))
    contexts: list[ContextRecord] = []
    prompts: list[PromptRecord] = []
    index: dict[str, int] = {}
    phis, row_context = [], []

    def context_of(capture, base: str, target: str, text: str) -> int:
        key = capture_context_id(capture.prompt, base, target)
        if key not in index:
            index[key] = len(contexts)
            contexts.append(ContextRecord(key, "captured", base, target, "train"))
            prompts.append(PromptRecord(text, index[key], base, target, "train"))
        return index[key]

    for capture in captures:
        base_m, target_m = _captured_size(capture, "base"), _captured_size(capture, "target")
        spans = find_mentions(capture.prompt, capture.target, capture.base, similarity)
        pairs = [(b, t) for b in [capture.base, *substitutes(capture.base, base_m)]
                 for t in [capture.target, *substitutes(capture.target, target_m)]
                 if (b, t) != (capture.base, capture.target)]
        own = max(SAMPLES_PER_PAIR, int(per_capture * OWN_SHARE)) if pairs else per_capture
        plan = [((capture.base, capture.target), own)]
        if pairs:
            picks = rng.integers(0, len(pairs), max(1, (per_capture - own) // SAMPLES_PER_PAIR))
            plan += [(pairs[int(i)], SAMPLES_PER_PAIR) for i in picks]
        for (base, target), n in plan:
            own_pair = (base, target) == (capture.base, capture.target)
            text = capture.prompt if own_pair else replace_mentions(
                capture.prompt, spans, {"target": target, "base": base})
            ci = context_of(capture, base, target, text)
            if own_pair:
                jitter = np.exp(rng.normal(0.0, CAPTURED_SIZE_JITTER, (2, n, 3)))
                b_sizes, t_sizes = base_m * jitter[0], target_m * jitter[1]
            else:
                b_sizes = _sizes(base, base_m, rng, n)
                t_sizes = _sizes(target, target_m, rng, n)
            phis.extend(repose(capture.phi, ts, bs) for bs, ts in zip(b_sizes, t_sizes,
                                                                      strict=True))
            row_context.extend([ci] * n)
    ds = OORDataset(phi=np.asarray(phis, dtype=np.float32).reshape(-1, 15),
                    context_index=np.asarray(row_context, dtype=np.int64),
                    source=np.full(len(phis), "capture"), contexts=contexts, prompts=prompts,
                    version=VERSION, seed=seed)
    ds.rehash()
    return ds
