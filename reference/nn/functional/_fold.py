"""``torch.nn.functional``: unfold (im2col) and fold (col2im) of 4-d (or unbatched 3-d)
inputs: the sliding blocks of a padded image as columns, and the columns summed back into
the image (overlaps add up). Each is the other's derivative (``Im2ColBackward0``,
``Col2ImBackward0``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..._ops import apply_op
from ..._tensor import Tensor
from ...autograd._graph import Formula
from ._conv import col2im as _col2im_array
from ._conv import expand, sliding_windows

__all__ = ["unfold", "fold"]


def _pair(value, name: str) -> tuple[int, int]:
    values = expand(value, 2)
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return values


def _check_geometry(kernel, dilation, padding, stride) -> None:
    checks = (
        (kernel, "kernel size", "kernel", lambda v: v > 0),
        (stride, "stride", "stride", lambda v: v > 0),
        (dilation, "dilation", "dilation", lambda v: v > 0),
        (padding, "padding", "pad", lambda v: v >= 0),
    )
    for values, what, label, ok in checks:
        if not all(ok(v) for v in values):
            wanted = "non-negative" if what == "padding" else "greater than zero"
            raise RuntimeError(
                f"{what} should be {wanted}, but got {label}_height: {values[0]} "
                f"{label}_width: {values[1]}"
            )


def _blocks(size, kernel, dilation, padding, stride) -> tuple[int, int]:
    return tuple(  # type: ignore[return-value]
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, d, p, s in zip(size, kernel, dilation, padding, stride, strict=True)
    )


def _im2col(x: Tensor, kernel, dilation, padding, stride) -> Tensor:
    """``(N, C, H, W) -> (N, C*kH*kW, L)``, a differentiable op."""
    size = tuple(x.shape[2:])

    def fn(a: np.ndarray) -> np.ndarray:
        padded = np.pad(a, ((0, 0), (0, 0), *((p, p) for p in padding)))
        win = sliding_windows(padded, kernel, stride, dilation)
        n, c, bh, bw = win.shape[:4]
        cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * math.prod(kernel), bh * bw)
        return np.ascontiguousarray(cols)

    formula = Formula(lambda node, g: (_col2im(g, size, kernel, dilation, padding, stride),))
    return apply_op("im2_col", fn, x, backward=formula)


def _col2im(cols: Tensor, size, kernel, dilation, padding, stride) -> Tensor:
    """``(N, C*kH*kW, L) -> (N, C, H, W)``, a differentiable op."""
    blocks = _blocks(size, kernel, dilation, padding, stride)

    def fn(a: np.ndarray) -> np.ndarray:
        n = a.shape[0]
        c = a.shape[1] // math.prod(kernel)
        full = [s + 2 * p for s, p in zip(size, padding, strict=True)]
        summed = _col2im_array(a.reshape(n, c, *kernel, *blocks), full, stride, dilation)
        crop = tuple(slice(p, p + s) for p, s in zip(padding, size, strict=True))
        return np.ascontiguousarray(summed[(slice(None), slice(None), *crop)])

    formula = Formula(lambda node, g: (_im2col(g, kernel, dilation, padding, stride),))
    return apply_op("col2_im", fn, cols, backward=formula)


def unfold(
    input: Tensor,  # noqa: A002
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Tensor:
    """Sliding local blocks of a ``(N, C, H, W)`` (or ``(C, H, W)``) input as columns
    ``(N, C * prod(kernel_size), L)``."""
    kernel, dil = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    pad, step = _pair(padding, "padding"), _pair(stride, "stride")
    _check_geometry(kernel, dil, pad, step)
    if input.ndim not in (3, 4) or any(n == 0 for n in input.shape[-3:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    size = tuple(input.shape[-2:])
    blocks = _blocks(size, kernel, dil, pad, step)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {size}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, calculated shape of the array of sliding blocks as {blocks}, but "
            "its components must be at least one."
        )
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = _im2col(x, kernel, dil, pad, step)
    return out.squeeze(0) if unbatched else out


def _check_fold_input(input: Tensor, kernel, size, dil, pad, step) -> None:  # noqa: A002
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    channels, length = input.shape[-2], input.shape[-1]
    if channels % math.prod(kernel):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={channels} and kernel_size={kernel}."
        )
    bh, bw = _blocks(size, kernel, dil, pad, step)
    if length != bh * bw:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pad}, "
            f"stride={step}, expected size of input's dimension 2 to match the calculated "
            f"number of sliding blocks {bh} * {bw} = {bh * bw}, but got input.size(2)={length}."
        )
    if bh < 1 or bw < 1:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pad}, "
            f"stride={step}, calculated shape of the array of sliding blocks as ({bh}, {bw}), "
            "which is too small (non-positive)"
        )


def fold(
    input: Tensor,  # noqa: A002
    output_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Tensor:
    """Sum columns ``(N, C * prod(kernel_size), L)`` (or unbatched) into an image
    ``(N, C, *output_size)``; where blocks overlap their values add up."""
    size, kernel = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    dil, pad, step = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    _check_geometry(kernel, dil, pad, step)
    _check_fold_input(input, kernel, size, dil, pad, step)
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    out = _col2im(x, size, kernel, dil, pad, step)
    return out.squeeze(0) if unbatched else out
