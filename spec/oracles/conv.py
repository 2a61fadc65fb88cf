"""Numpy oracles of torch.nn: convolutions, transposed convolutions, unfold and fold.

Each follows the definition: an explicit sum over the kernel offsets, in float64, one
offset at a time (a strided slice of the padded input times that offset's weights)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from spec.oracles.padding import pad_nd

__all__ = ["conv_nd", "conv_transpose_nd", "unfold_blocks", "fold_blocks"]


def _tuple(value: int | Sequence[int], n: int) -> tuple[int, ...]:
    if np.isscalar(value):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    return values * n if len(values) == 1 else values


def _batched(x: np.ndarray, nd: int) -> tuple[np.ndarray, bool]:
    return (x[None], True) if x.ndim == nd + 1 else (x, False)


def _pad_pairs(padding, kernel, dilation) -> list[tuple[int, int]]:
    """(before, after) per spatial dim; ``'same'`` puts the odd remainder after."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in _tuple(padding, len(kernel))]


def conv_nd(
    input: np.ndarray,  # noqa: A002
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """``out[n, o, i] = bias[o] + sum_{c, k} weight[o, c, k] * x_pad[n, g*C/g + c, i*s + k*d]``."""
    nd = weight.ndim - 2
    x, unbatched = _batched(input.astype(np.float64), nd)
    w = weight.astype(np.float64)
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    kernel = w.shape[2:]
    pairs = _pad_pairs(padding, kernel, dilation)
    flat = [p for pair in reversed(pairs) for p in pair]
    mode = "constant" if padding_mode == "zeros" else padding_mode
    xp = pad_nd(x, flat, mode)
    out_size = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(xp.shape[2:], kernel, stride, dilation, strict=True)
    ]
    n, o = x.shape[0], w.shape[0]
    cg, og = w.shape[1], o // groups
    out = np.zeros((n, o, *out_size))
    for offset in itertools.product(*(range(k) for k in kernel)):
        where = tuple(
            slice(k * d, k * d + s * (m - 1) + 1, s)
            for k, d, s, m in zip(offset, dilation, stride, out_size, strict=True)
        )
        patch = xp[(slice(None), slice(None), *where)]
        for g in range(groups):
            part = patch[:, g * cg : (g + 1) * cg]
            taps = w[(slice(g * og, (g + 1) * og), slice(None), *offset)]
            out[:, g * og : (g + 1) * og] += np.einsum("nc...,oc->no...", part, taps)
    if bias is not None:
        out += bias.astype(np.float64).reshape(1, -1, *([1] * nd))
    return (out[0] if unbatched else out).astype(input.dtype)


def conv_transpose_nd(
    input: np.ndarray,  # noqa: A002
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """Each input element spreads ``x[n, c, i] * weight[c, o, k]`` to output position
    ``i*s + k*d - padding``; ``output_padding`` extends the far end."""
    nd = weight.ndim - 2
    x, unbatched = _batched(input.astype(np.float64), nd)
    w = weight.astype(np.float64)
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    padding, extra = _tuple(padding, nd), _tuple(output_padding, nd)
    kernel, size = w.shape[2:], x.shape[2:]
    full = [
        (m - 1) * s + d * (k - 1) + 1 + e
        for m, s, d, k, e in zip(size, stride, dilation, kernel, extra, strict=True)
    ]
    cg, og = x.shape[1] // groups, w.shape[1]
    out = np.zeros((x.shape[0], og * groups, *full))
    for offset in itertools.product(*(range(k) for k in kernel)):
        where = tuple(
            slice(k * d, k * d + s * (m - 1) + 1, s)
            for k, d, s, m in zip(offset, dilation, stride, size, strict=True)
        )
        for g in range(groups):
            part = x[:, g * cg : (g + 1) * cg]
            taps = w[(slice(g * cg, (g + 1) * cg), slice(None), *offset)]
            spread = np.einsum("nc...,co->no...", part, taps)
            out[(slice(None), slice(g * og, (g + 1) * og), *where)] += spread
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full, strict=True))
    out = out[(slice(None), slice(None), *crop)]
    if bias is not None:
        out = out + bias.astype(np.float64).reshape(1, -1, *([1] * nd))
    return (out[0] if unbatched else out).astype(input.dtype)


def unfold_blocks(
    input: np.ndarray,  # noqa: A002
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> np.ndarray:
    """``F.unfold``: row ``c * kH * kW + ki * kW + kj`` holds, for every block in row-major
    order, the padded input at ``(bi * sH + ki * dH, bj * sW + kj * dW)``."""
    x, unbatched = _batched(input, 2)
    kernel, dilation = _tuple(kernel_size, 2), _tuple(dilation, 2)
    padding, stride = _tuple(padding, 2), _tuple(stride, 2)
    xp = np.pad(x, ((0, 0), (0, 0), *((p, p) for p in padding)))
    blocks = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, d, s in zip(xp.shape[2:], kernel, dilation, stride, strict=True)
    ]
    rows = []
    for ki, kj in itertools.product(range(kernel[0]), range(kernel[1])):
        i0, j0 = ki * dilation[0], kj * dilation[1]
        patch = xp[
            :,
            :,
            i0 : i0 + stride[0] * (blocks[0] - 1) + 1 : stride[0],
            j0 : j0 + stride[1] * (blocks[1] - 1) + 1 : stride[1],
        ]
        rows.append(patch.reshape(x.shape[0], x.shape[1], -1))
    out = np.stack(rows, axis=2).reshape(x.shape[0], -1, blocks[0] * blocks[1])
    return out[0] if unbatched else out


def fold_blocks(
    input: np.ndarray,  # noqa: A002
    output_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> np.ndarray:
    """``F.fold``: every column value is added (in float64) where ``unfold`` read it."""
    cols, unbatched = _batched(input.astype(np.float64), 1)
    size, kernel = _tuple(output_size, 2), _tuple(kernel_size, 2)
    dilation, padding, stride = _tuple(dilation, 2), _tuple(padding, 2), _tuple(stride, 2)
    full = [s + 2 * p for s, p in zip(size, padding, strict=True)]
    blocks = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, d, s in zip(full, kernel, dilation, stride, strict=True)
    ]
    n, channels = cols.shape[0], cols.shape[1] // (kernel[0] * kernel[1])
    grid = cols.reshape(n, channels, kernel[0], kernel[1], blocks[0], blocks[1])
    out = np.zeros((n, channels, *full))
    for ki, kj in itertools.product(range(kernel[0]), range(kernel[1])):
        i0, j0 = ki * dilation[0], kj * dilation[1]
        out[
            :,
            :,
            i0 : i0 + stride[0] * (blocks[0] - 1) + 1 : stride[0],
            j0 : j0 + stride[1] * (blocks[1] - 1) + 1 : stride[1],
        ] += grid[:, :, ki, kj]
    out = out[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]]
    return (out[0] if unbatched else out).astype(input.dtype)
