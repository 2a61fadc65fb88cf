"""Numpy oracles of torch.nn: vision.

Shuffles by their index formulas; ``interpolate`` one output position at a time from its
per-dim source positions and weights (products of 1-d weights), in float64 except where
torch's index arithmetic is itself in float (nearest modes, and the float32 source
positions of float32 inputs), so that the same source elements are chosen.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "interpolate"]


def pixel_shuffle(x, r: int):
    """``out[..., c, h * r + i, w * r + j] = x[..., c * r * r + i * r + j, h, w]``."""
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c // (r * r), h * r, w * r), x.dtype)
    for oc, i, j in itertools.product(range(c // (r * r)), range(r), range(r)):
        out[..., oc, i::r, j::r] = x[..., oc * r * r + i * r + j, :, :]
    return out


def pixel_unshuffle(x, r: int):
    """``out[..., c * r * r + i * r + j, h, w] = x[..., c, h * r + i, w * r + j]``."""
    *lead, c, h, w = x.shape
    out = np.empty((*lead, c * r * r, h // r, w // r), x.dtype)
    for ic, i, j in itertools.product(range(c), range(r), range(r)):
        out[..., ic * r * r + i * r + j, :, :] = x[..., ic, i::r, j::r]
    return out


def channel_shuffle(x, groups: int):
    """Output channel ``j * groups + i`` is input channel ``i * (C / groups) + j``."""
    c = x.shape[1]
    per = c // groups
    out = np.empty_like(x)
    for i, j in itertools.product(range(groups), range(per)):
        out[:, j * groups + i] = x[:, i * per + j]
    return out


def _sizes(x, size, scale_factor, recompute):
    spatial = x.shape[2:]
    n = len(spatial)
    if size is not None:
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * n
        return [int(v) for v in sizes], [None] * n
    scales = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * n
    sizes = [math.floor(v * float(s)) for v, s in zip(spatial, scales, strict=True)]
    return sizes, ([None] * n if recompute else [float(s) for s in scales])


def _nearest(o: int, size_in: int, size_out: int, scale, exact: bool) -> list:
    f = np.float32(1.0 / scale) if scale else np.float32(size_in) / np.float32(size_out)
    if exact:
        src = math.floor(np.float32((o + 0.5) * float(f)))
    elif size_out == size_in:
        src = o
    elif size_out == 2 * size_in:
        src = o // 2
    else:
        src = math.floor(np.float32(o) * f)
    return [(min(src, size_in - 1), 1.0)]


def _source(o: int, size_in: int, size_out: int, align: bool, scale, t, cubic: bool):
    if align:
        step = t(size_in - 1) / t(size_out - 1) if size_out > 1 else t(0)
        return t(step * t(o))
    step = t(1.0 / scale) if scale else t(size_in) / t(size_out)
    src = t(step * (t(o) + t(0.5)) - t(0.5))
    return src if cubic or src >= 0 else t(0)


def _cubic(tt: float, a: float = -0.75) -> list[float]:
    def near(v):
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def far(v):
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a

    return [far(tt + 1), near(tt), near(1 - tt), far(2 - tt)]


def _taps(o, size_in, size_out, mode, align, scale, t) -> list:
    """``(source index, weight)`` pairs of output position ``o`` along one dim."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest(o, size_in, size_out, scale, mode == "nearest-exact")
    src = float(_source(o, size_in, size_out, align, scale, t, mode == "bicubic"))
    base = math.floor(src)
    if mode == "bicubic":
        weights = _cubic(src - base)
        return [(min(max(base - 1 + k, 0), size_in - 1), w) for k, w in enumerate(weights)]
    i0 = min(base, size_in - 1)
    lam = min(max(src - i0, 0.0), 1.0)
    return [(i0, 1.0 - lam), (min(i0 + 1, size_in - 1), lam)]


def _area(x, out):
    spatial = x.shape[2:]
    result = np.empty(x.shape[:2] + tuple(out))
    for o in itertools.product(*[range(m) for m in out]):
        box = tuple(
            slice(math.floor(i * n / m), math.ceil((i + 1) * n / m))
            for i, n, m in zip(o, spatial, out, strict=True)
        )
        result[(slice(None), slice(None), *o)] = x[(slice(None), slice(None), *box)].mean(
            axis=tuple(range(2, x.ndim))
        )
    return result


def interpolate(
    x, size=None, scale_factor=None, mode="nearest", align_corners=None,
    recompute_scale_factor=None,
):  # fmt: skip
    """``F.interpolate`` for ``(N, C, *spatial)``: every output element a sum of source
    elements times the product of their per-dim weights."""
    out, scales = _sizes(x, size, scale_factor, recompute_scale_factor)
    xd = x.astype(np.float64)
    if mode == "area":
        return _area(xd, out).astype(x.dtype)
    t = np.float64 if x.dtype == np.float64 else np.float32
    align = bool(align_corners)
    spatial = x.shape[2:]
    result = np.zeros(x.shape[:2] + tuple(out))
    for o in itertools.product(*[range(m) for m in out]):
        per_dim = [
            _taps(o[d], spatial[d], out[d], mode, align, scales[d], t) for d in range(len(out))
        ]
        total = 0.0
        for combo in itertools.product(*per_dim):
            index = tuple(i for i, _ in combo)
            weight = math.prod(w for _, w in combo)
            total = total + weight * xd[(slice(None), slice(None), *index)]
        result[(slice(None), slice(None), *o)] = total
    return result.astype(x.dtype)
