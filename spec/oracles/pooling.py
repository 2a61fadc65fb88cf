"""Numpy oracles of torch.nn: pooling.

Direct definitions, one output position at a time (the spec draws small shapes): windows
from torch's output-size rule, maxima that take the first largest element or the last NaN,
means over windows with torch's divisor, adaptive windows ``[floor(i L / n), ceil((i + 1) L
/ n))``, fractional windows from their uniform samples. Values in float64, returned in the
input's dtype; indices are flat positions within each channel plane.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = [
    "pool_out_size",
    "max_pool",
    "max_pool_indices",
    "avg_pool",
    "lp_pool",
    "adaptive_max_pool",
    "adaptive_max_pool_indices",
    "adaptive_avg_pool",
    "fractional_max_pool2d",
    "fractional_max_pool2d_indices",
    "max_unpool",
]


def _tuple(v, n: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def pool_out_size(size: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Windows along one dim: the last must start inside the input or its left padding."""
    eff = d * (k - 1) + 1
    span = size + 2 * p - eff
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _planes(x: np.ndarray, n: int):
    """``x`` as ``(planes, *spatial)`` in float64, and its leading shape."""
    lead = x.shape[: x.ndim - n]
    return x.astype(np.float64).reshape((-1,) + x.shape[x.ndim - n :]), lead


def _pick_max(values: list, positions: list) -> tuple:
    """torch's choice: the last NaN if any, else the first largest."""
    nans = [pos for v, pos in zip(values, positions, strict=True) if np.isnan(v)]
    if nans:
        return np.nan, nans[-1]
    best, where = -np.inf, positions[0]
    for v, pos in zip(values, positions, strict=True):
        if v > best:
            best, where = v, pos
    return best, where


def _flat(coord: tuple, spatial: tuple) -> int:
    return int(np.ravel_multi_index(coord, spatial))


def _max_windows(x, n, windows_of, out):
    """Max and index per output position; ``windows_of(plane, o)`` lists coordinates."""
    planes, lead = _planes(x, n)
    spatial = planes.shape[1:]
    values = np.empty((planes.shape[0], *out))
    index = np.zeros((planes.shape[0], *out), np.int64)
    for b in range(planes.shape[0]):
        for o in itertools.product(*[range(m) for m in out]):
            coords = windows_of(b, o)
            vals = [planes[b][c] for c in coords]
            values[(b, *o)], best = _pick_max(vals, coords)
            index[(b, *o)] = _flat(best, spatial)
    return values.reshape(lead + tuple(out)).astype(x.dtype), index.reshape(lead + tuple(out))


def _regular(x, n, kernel_size, stride, padding, dilation, ceil_mode):
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride is not None else kernel_size, n)
    p, d = _tuple(padding, n), _tuple(dilation, n)
    spatial = x.shape[x.ndim - n :]
    out = [pool_out_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d, strict=True)]

    def windows(b, o):
        per_dim = [
            [o[i] * s[i] - p[i] + j * d[i] for j in range(k[i])
             if 0 <= o[i] * s[i] - p[i] + j * d[i] < spatial[i]]
            for i in range(n)
        ]  # fmt: skip
        return list(itertools.product(*per_dim))

    return windows, out


def max_pool(x, n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling over the last ``n`` dims (padding never wins)."""
    windows, out = _regular(x, n, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_windows(x, n, windows, out)[0]


def max_pool_indices(x, n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Flat index within its plane of each maximum that ``max_pool`` picks."""
    windows, out = _regular(x, n, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_windows(x, n, windows, out)[1]


def avg_pool(
    x, n, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None,
):  # fmt: skip
    """Mean over windows: the sum of the real elements over the window's size clipped to
    the padded input (``count_include_pad``), or over its count of real elements."""
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride is not None else kernel_size, n)
    p = _tuple(padding, n)
    planes, lead = _planes(x, n)
    spatial = planes.shape[1:]
    out = [pool_out_size(*a, 1, ceil_mode) for a in zip(spatial, k, s, p, strict=True)]
    result = np.empty((planes.shape[0], *out))
    for o in itertools.product(*[range(m) for m in out]):
        starts = [o[i] * s[i] - p[i] for i in range(n)]
        ends = [min(starts[i] + k[i], spatial[i] + p[i]) for i in range(n)]
        lo = [max(a, 0) for a in starts]
        hi = [min(e, size) for e, size in zip(ends, spatial, strict=True)]
        window = planes[(slice(None), *[slice(a, b) for a, b in zip(lo, hi, strict=True)])]
        if divisor_override:
            div = divisor_override
        elif count_include_pad:
            div = math.prod(e - a for a, e in zip(starts, ends, strict=True))
        else:
            div = math.prod(b - a for a, b in zip(lo, hi, strict=True))
        result[(slice(None), *o)] = window.reshape(planes.shape[0], -1).sum(1) / div
    return result.reshape(lead + tuple(out)).astype(x.dtype)


def lp_pool(x, n, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum over each window of x ** p) ** (1 / p)``, windows without padding."""
    p = float(norm_type)
    k = _tuple(kernel_size, n)
    powered = np.power(x.astype(np.float64), p)
    mean = avg_pool(powered, n, k, stride, 0, ceil_mode, True)
    return np.power(mean * math.prod(k), 1.0 / p).astype(x.dtype)


def _adaptive_out(x, n, output_size) -> list:
    sizes = _tuple(output_size, n)
    spatial = x.shape[x.ndim - n :]
    return [size if o is None else o for o, size in zip(sizes, spatial, strict=True)]


def _adaptive_range(i: int, size: int, out: int) -> range:
    return range(math.floor(i * size / out), math.ceil((i + 1) * size / out))


def _adaptive_windows(x, n, output_size):
    out = _adaptive_out(x, n, output_size)
    spatial = x.shape[x.ndim - n :]

    def windows(b, o):
        return list(itertools.product(*[
            _adaptive_range(o[i], spatial[i], out[i]) for i in range(n)
        ]))  # fmt: skip

    return windows, out


def adaptive_max_pool(x, n, output_size):
    """Max over adaptive windows (a None size keeps the input's)."""
    windows, out = _adaptive_windows(x, n, output_size)
    return _max_windows(x, n, windows, out)[0]


def adaptive_max_pool_indices(x, n, output_size):
    """Flat in-plane index of each adaptive maximum."""
    windows, out = _adaptive_windows(x, n, output_size)
    return _max_windows(x, n, windows, out)[1]


def adaptive_avg_pool(x, n, output_size):
    """Mean over adaptive windows."""
    windows, out = _adaptive_windows(x, n, output_size)
    planes, lead = _planes(x, n)
    result = np.empty((planes.shape[0], *out))
    for b in range(planes.shape[0]):
        for o in itertools.product(*[range(m) for m in out]):
            coords = windows(b, o)
            result[(b, *o)] = sum(planes[b][c] for c in coords) / len(coords)
    return result.reshape(lead + tuple(out)).astype(x.dtype)


def _intervals(u, size: int, out: int, pool: int) -> list[int]:
    """Fractional window starts, computed in the samples' own precision."""
    t = np.asarray(u).dtype.type
    if out == 1:
        return [size - pool]
    alpha = t(size - pool) / t(out - 1)
    starts = [int(t((t(i) + t(u)) * alpha)) - int(t(t(u) * alpha)) for i in range(out - 1)]
    return starts + [size - pool]


def _fractional(x, kernel_size, output_size, samples):
    k = _tuple(kernel_size, 2)
    out = list(_tuple(output_size, 2))
    h, w = x.shape[-2:]
    u = np.asarray(samples).reshape(-1, 2)

    def windows(b, o):
        rows = _intervals(u[b, 1], h, out[0], k[0])
        cols = _intervals(u[b, 0], w, out[1], k[1])
        r, c = rows[o[0]], cols[o[1]]
        return list(itertools.product(range(r, r + k[0]), range(c, c + k[1])))

    return windows, out


def fractional_max_pool2d(x, kernel_size, output_size, samples):
    """Max over fractional windows; ``samples`` ``(N, C, 2)``: ``[..., 0]`` places the
    columns, ``[..., 1]`` the rows."""
    windows, out = _fractional(x, kernel_size, output_size, samples)
    return _max_windows(x, 2, windows, out)[0]


def fractional_max_pool2d_indices(x, kernel_size, output_size, samples):
    """Flat in-plane indices of the fractional maxima."""
    windows, out = _fractional(x, kernel_size, output_size, samples)
    return _max_windows(x, 2, windows, out)[1]


def max_unpool(x, indices, n, kernel_size, stride=None, padding=0, output_size=None):
    """Zeros of the unpooled size with each value written at its flat in-plane index."""
    k = _tuple(kernel_size, n)
    s = _tuple(stride if stride is not None else kernel_size, n)
    p = _tuple(padding, n)
    spatial_in = x.shape[x.ndim - n :]
    if output_size is None:
        size = [(spatial_in[i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(n)]
    else:
        size = list(output_size)[-n:]
    lead = x.shape[: x.ndim - n]
    values = x.reshape(-1, math.prod(spatial_in))
    where = np.asarray(indices).reshape(values.shape)
    out = np.zeros((values.shape[0], math.prod(size)), x.dtype)
    for b in range(values.shape[0]):
        for v, i in zip(values[b], where[b], strict=True):
            out[b, i] = v
    return out.reshape(lead + tuple(size))
