"""``torch.nn.functional``: conv1d/2d/3d and conv_transpose1d/2d/3d.

One N-d primitive, ``convolution`` (torch's ``ConvolutionBackward0``), computes both forms:

- a convolution (a cross-correlation) reads a strided sliding-window view of the zero-padded
  input (no copy) and contracts it with the weight in one batched matrix product per call
  (one batch entry per group);
- a transposed convolution multiplies the input by the weight first, then adds the columns
  into the output, one kernel offset at a time (``col2im``).

Its derivatives are convolutions again: with respect to the input, the other form with the
same weight; with respect to the weight, a convolution of the input by the output gradient
(batch and channels swapped, stride and dilation exchanged); with respect to the bias, a sum.
They call ``convolution`` itself, so gradients differentiate again."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ... import _blas
from ..._dtypes import array_kind
from ..._ops import apply_op
from ..._reductions import CPP_TYPE_NAMES
from ..._tensor import Tensor
from ...autograd._formulas import conj
from ...autograd._graph import Formula
from ._padding import constant_pad_nd

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


class ConvParams(NamedTuple):
    """The geometry of one convolution, every field one int per spatial dimension."""

    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    transposed: bool
    output_padding: tuple[int, ...]
    groups: int


# ----- arrays ------------------------------------------------------------------------------
def sliding_windows(
    a: np.ndarray, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> np.ndarray:
    """A read-only view ``(N, C, *blocks, *kernel)`` of the windows of ``(N, C, *spatial)``."""
    spatial, steps = a.shape[2:], a.strides[2:]
    blocks = tuple(
        max((n - d * (k - 1) - 1) // s + 1, 0)
        for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
    )
    shape = a.shape[:2] + blocks + tuple(kernel)
    strides = (
        a.strides[:2]
        + tuple(st * s for st, s in zip(steps, stride, strict=True))
        + tuple(st * d for st, d in zip(steps, dilation, strict=True))
    )
    return as_strided(a, shape, strides, writeable=False)


def col2im(
    cols: np.ndarray,
    spatial: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Sum ``cols`` ``(N, C, *kernel, *blocks)`` into ``(N, C, *spatial)``: each window adds
    its values where ``sliding_windows`` read them (overlaps add up)."""
    nd = len(spatial)
    kernel, blocks = cols.shape[2 : 2 + nd], cols.shape[2 + nd :]
    out = np.zeros(cols.shape[:2] + tuple(spatial), dtype=cols.dtype)
    for offset in np.ndindex(*kernel):
        where = tuple(
            slice(k * d, k * d + s * (b - 1) + 1, s)
            for k, d, s, b in zip(offset, dilation, stride, blocks, strict=True)
        )
        out[(slice(None), slice(None), *where)] += cols[(slice(None), slice(None), *offset)]
    return out


def _correlate(xpad: np.ndarray, w: np.ndarray, stride, dilation, groups: int) -> np.ndarray:
    """Cross-correlation of an already padded input: windows view, columns, then matmul.

    The columns put the longer of (output positions, kernel offsets) innermost, so that
    building them copies runs along input rows: positions innermost, ``(n, groups, cg * K,
    blocks)``, gives ``(n, o, blocks)`` by one matmul per sample; kernel offsets innermost
    (a weight's gradient: a large "kernel", few positions), ``(groups, n * blocks, cg * K)``."""
    n, c = xpad.shape[:2]
    o, kernel = w.shape[0], w.shape[2:]
    nd, cg, og = len(kernel), c // groups, o // groups
    win = sliding_windows(xpad, kernel, stride, dilation)
    blocks = win.shape[2 : 2 + nd]
    size, positions = cg * math.prod(kernel), math.prod(blocks)
    kernels = w.reshape(groups, og, size)
    if positions >= math.prod(kernel):
        order = (0, 1, *range(2 + nd, 2 + 2 * nd), *range(2, 2 + nd))
        cols = win.transpose(order).reshape(n, groups, size, positions)
        return _blas.matmul(np, kernels, cols).reshape(n, o, *blocks)
    win = win.reshape(n, groups, cg, *blocks, *kernel)
    order = (1, 0, *range(3, 3 + nd), 2, *range(3 + nd, 3 + 2 * nd))
    cols = win.transpose(order).reshape(groups, n * positions, size)
    out = _blas.matmul(np, cols, kernels.transpose(0, 2, 1)).reshape(groups, n, *blocks, og)
    out = out.transpose(1, 0, 2 + nd, *range(2, 2 + nd))
    return np.ascontiguousarray(out).reshape(n, o, *blocks)


def _transposed(x: np.ndarray, w: np.ndarray, p: ConvParams) -> np.ndarray:
    """Transposed convolution: input times weight, then the columns added into place."""
    n, c = x.shape[:2]
    blocks, kernel = x.shape[2:], w.shape[2:]
    g = p.groups
    cg, og = c // g, w.shape[1]
    full = [
        (b - 1) * s + d * (k - 1) + 1 + op
        for b, s, d, k, op in zip(
            blocks, p.stride, p.dilation, kernel, p.output_padding, strict=True
        )
    ]
    if all(s == 1 for s in p.stride) and x.size and np.isfinite(w).all():
        out = _transposed_unit_stride(x, w, g, full, p.dilation)
    else:  # one matmul per sample, positions innermost: col2im adds runs of a row
        weights = w.reshape(g, cg, og * math.prod(kernel)).transpose(0, 2, 1)
        cols = _blas.matmul(np, weights, x.reshape(n, g, cg, math.prod(blocks)))
        cols = cols.reshape(n, g * og, *kernel, *blocks)
        out = col2im(cols, full, p.stride, p.dilation)
    crop = tuple(slice(q, f - q) for q, f in zip(p.padding, full, strict=True))
    return out[(slice(None), slice(None), *crop)]


def _transposed_unit_stride(
    x: np.ndarray, w: np.ndarray, g: int, full: list, dilation: Sequence[int]
) -> np.ndarray:
    """``_transposed`` with stride 1, whose windows are the input shifted by each kernel
    offset: the input is zero-padded to the output's size in every spatial dim but the
    first, so each offset's columns land on one contiguous run of the flat output, added in
    the same offset order as ``col2im``. The padding's columns are +-0 (a finite weight
    times zero), which leave every sum as it was (the output starts at +0.0)."""
    n, c = x.shape[:2]
    kernel, nd = w.shape[2:], w.ndim - 2
    cg, og = c // g, w.shape[1]
    widths = [(0, 0)] * 3 + [(0, f - b) for f, b in zip(full[1:], x.shape[3:], strict=True)]
    wide = np.pad(x, widths) if any(r for _, r in widths) else x
    weights = w.reshape(g, cg, og * math.prod(kernel)).transpose(0, 2, 1)
    size = math.prod(wide.shape[2:])
    cols = _blas.matmul(np, weights, wide.reshape(n, g, cg, size))
    cols = cols.reshape(n, g * og, math.prod(kernel), size)
    strides = [math.prod(full[i + 1 :]) for i in range(nd)]  # of the flat output (and input)
    span = 1 + sum((b - 1) * st for b, st in zip(x.shape[2:], strides, strict=True))
    out = np.zeros((n, g * og, math.prod(full)), cols.dtype)
    for j, offset in enumerate(np.ndindex(*kernel)):
        start = sum(k * d * st for k, d, st in zip(offset, dilation, strides, strict=True))
        out[..., start : start + span] += cols[:, :, j, :span]
    return out.reshape(n, g * og, *full)


def _forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, p: ConvParams) -> np.ndarray:
    """The convolution; float16 and bfloat16 accumulate in float32 and round once, as
    torch's CPU kernels do."""
    if x.dtype.itemsize == 2 and array_kind(x.dtype) == "f":
        wide = [None if a is None else a.astype(np.float32) for a in (x, w, b)]
        return _forward(*wide, p).astype(x.dtype)
    if p.transposed:
        out = _transposed(x, w, p)
    else:
        pads = ((0, 0), (0, 0), *((q, q) for q in p.padding))
        xpad = np.pad(x, pads) if any(p.padding) else x
        out = _correlate(xpad, w, p.stride, p.dilation, p.groups)
    if b is not None:
        bias = b.reshape(1, -1, *([1] * (out.ndim - 2)))
        if b.dtype == out.dtype:
            out += bias  # out is a fresh array (or a crop of one)
        else:
            out = out + bias
    return np.ascontiguousarray(out, dtype=x.dtype)


# ----- the differentiable primitive -----------------------------------------------------------
def _crop(t: Tensor, spatial: Sequence[int]) -> Tensor:
    for i, size in enumerate(spatial):
        if t.shape[2 + i] != size:
            t = t.narrow(2 + i, 0, size)
    return t


def _input_grad(g: Tensor, w: Tensor, shape: Sequence[int], p: ConvParams) -> Tensor:
    nd = len(shape) - 2
    if p.transposed:
        back = p._replace(transposed=False, output_padding=(0,) * nd)
        return _crop(convolution(g, w, None, back), shape[2:])
    kernel = w.shape[2:]
    least = [
        (m - 1) * s - 2 * q + d * (k - 1) + 1
        for m, s, q, d, k in zip(g.shape[2:], p.stride, p.padding, p.dilation, kernel, strict=True)
    ]
    extra = tuple(n - m for n, m in zip(shape[2:], least, strict=True))
    return convolution(g, w, None, p._replace(transposed=True, output_padding=extra))


def _weight_grad(x: Tensor, g: Tensor, kernel: Sequence[int], p: ConvParams) -> Tensor:
    """``dL/dweight`` as a convolution of the input (channels as batch) by the output gradient."""
    source, by = (g, x) if p.transposed else (x, g)
    n, c = source.shape[:2]
    nd, groups = len(kernel), p.groups
    cg, og = c // groups, by.shape[1] // groups
    spatial = tuple(range(3, 3 + nd))
    planes = source.reshape(n, groups, cg, *source.shape[2:]).permute(2, 1, 0, *spatial)
    planes = planes.reshape(cg, groups * n, *source.shape[2:])
    filters = by.reshape(n, groups, og, *by.shape[2:]).permute(1, 2, 0, *spatial)
    filters = filters.reshape(groups * og, n, *by.shape[2:])
    swapped = ConvParams(p.dilation, p.padding, p.stride, False, (0,) * nd, groups)
    return _crop(convolution(planes, filters, None, swapped), kernel).transpose(0, 1).contiguous()


def _backward(node, g: Tensor, p: ConvParams) -> tuple:
    x, w = node.saved_input(0), node.saved_input(1)  # complex: the other factor conjugated
    gx = _input_grad(g, conj(w), tuple(x.shape), p) if node.needs(0) else None
    gw = _weight_grad(conj(x), g, tuple(w.shape[2:]), p) if node.needs(1) else None
    if len(node.next_functions) == 2:
        return gx, gw
    gb = g.sum(dim=(0, *range(2, g.ndim))) if node.needs(2) else None
    return gx, gw, gb


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, p: ConvParams) -> Tensor:  # noqa: A002
    """``aten::convolution`` on a batched input whose arguments were checked."""
    inputs = (input, weight) if bias is None else (input, weight, bias)
    formula = Formula(lambda node, g: _backward(node, g, p), inputs=(0, 1))
    return apply_op(
        "convolution",
        lambda x, w, *b: _forward(x, w, b[0] if b else None, p),
        *inputs,
        backward=formula,
    )


# ----- arguments and checks ---------------------------------------------------------------------
def expand(value: int | Sequence[int], n: int) -> tuple[int, ...]:
    """An int or a one-element sequence repeated ``n`` times; a longer sequence as given."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    return values * n if len(values) == 1 else values


def _sized(value, n: int, name: str) -> tuple[int, ...]:
    values = expand(value, n)
    if len(values) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(values)}"
        )
    return values


def _text(values: Sequence[int], pad_1d: bool = False) -> str:
    values = [1, *values] if pad_1d and len(values) == 1 else list(values)
    return " x ".join(str(v) for v in values)


def _check_values(p: ConvParams) -> None:
    if any(s <= 0 for s in p.stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(q < 0 for q in p.padding):
        raise RuntimeError("negative padding is not supported")
    if any(q < 0 for q in p.output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(d <= 0 for d in p.dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(p.dilation)}")
    if p.groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _check_types(x: Tensor, w: Tensor, b: Tensor | None) -> None:
    if b is not None and b._dtype != x._dtype:
        raise RuntimeError(
            f"Input type ({CPP_TYPE_NAMES[x._dtype._name]}) and bias type "
            f"({CPP_TYPE_NAMES[b._dtype._name]}) should be the same"
        )
    if w._dtype != x._dtype:
        raise RuntimeError(
            f"expected scalar type {x._dtype._scalar_name} but found {w._dtype._scalar_name}"
        )


def _check_channels(x: Tensor, w: Tensor, b: Tensor | None, p: ConvParams) -> None:
    g, wshape, xshape = p.groups, list(w.shape), list(x.shape)
    if w.shape[0] < g:
        raise RuntimeError(
            f"Given groups={g}, expected weight to be at least {g} at dimension 0, but got "
            f"weight of size {wshape} instead"
        )
    if w.shape[0] % g:
        raise RuntimeError(
            f"Given groups={g}, expected weight to be divisible by {g} at dimension 0, but got "
            f"weight of size [{wshape}] instead"
        )
    if p.transposed and x.shape[1] != w.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {wshape}, expected input{xshape} to have "
            f"{w.shape[0]} channels, but got {x.shape[1]} channels instead"
        )
    if not p.transposed and x.shape[1] != w.shape[1] * g:
        raise RuntimeError(
            f"Given groups={g}, weight of size {wshape}, expected input{xshape} to have "
            f"{w.shape[1] * g} channels, but got {x.shape[1]} channels instead"
        )
    out_channels = w.shape[1] * g if p.transposed else w.shape[0]
    if b is not None and (b.ndim != 1 or b.shape[0] != out_channels):
        head = "Given transposed=1, weight" if p.transposed else "Given weight"
        raise RuntimeError(
            f"{head} of size {wshape}, expected bias to be 1-dimensional with {out_channels} "
            f"elements, but got bias of size {list(b.shape)} instead"
        )


def _output_padding_message(p: ConvParams) -> str:
    """torch names each value by axis; a 1-d convolution runs as a 2-d one of height 1."""
    nd = len(p.stride)
    axes = ("depth", "height", "width")[3 - max(nd, 2) :]
    given = (("output_padding", p.output_padding, 0), ("stride", p.stride, 1))
    parts = []
    for what, values, fill in (*given, ("dilation", p.dilation, 1)):
        shown = (fill, *values) if nd == 1 else values
        parts += [f"{what}_{axis}: {v}" for axis, v in zip(axes, shown, strict=True)]
    return "output padding must be smaller than either stride or dilation, but got " + " ".join(
        parts
    )


def _check_sizes(x: Tensor, w: Tensor, p: ConvParams) -> None:
    spatial, kernel = x.shape[2:], w.shape[2:]
    reach = [d * (k - 1) + 1 for d, k in zip(p.dilation, kernel, strict=True)]
    if not p.transposed:
        padded = [n + 2 * q for n, q in zip(spatial, p.padding, strict=True)]
        if any(n < r for n, r in zip(padded, reach, strict=True)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({_text(padded)}). Kernel size: "
                f"({_text(reach)}). Kernel size can't be greater than actual input size"
            )
        return
    if any(
        op >= s and op >= d for op, s, d in zip(p.output_padding, p.stride, p.dilation, strict=True)
    ):
        raise RuntimeError(_output_padding_message(p))
    out = [
        (n - 1) * s - 2 * q + r + op
        for n, s, q, r, op in zip(
            spatial, p.stride, p.padding, reach, p.output_padding, strict=True
        )
    ]
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({_text(spatial, True)}). Calculated output size per "
            f"channel: ({_text(out, True)}). Output size is too small"
        )


def _same_padding(x: Tensor, w: Tensor, p: ConvParams) -> tuple[Tensor, ConvParams]:
    """torch's ``padding='same'``: half of ``dilation * (kernel - 1)`` on each side, the odd
    remainder on the right, by an explicit pad."""
    if any(s != 1 for s in p.stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(p.dilation, w.shape[2:], strict=True)]
    left = tuple(t // 2 for t in total)
    if any(t % 2 for t in total):
        extra: list[int] = []
        for t in reversed(total):
            extra += [0, t % 2]
        x = constant_pad_nd(x, extra, 0)
    return x, p._replace(padding=left)


def _conv_nd(
    name: str,
    nd: int,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride,
    padding,
    dilation,
    groups: int,
    output_padding=0,
    transposed: bool = False,
) -> Tensor:
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(input.shape)}"
        )
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    k = weight.ndim - 2
    stride = _sized(expand(stride, nd), k, "stride")
    dilation = _sized(expand(dilation, nd), k, "dilation")
    output_padding = _sized(expand(output_padding, nd), k, "output_padding")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        pads = (0,) * k
    else:
        pads = _sized(expand(padding, nd), k, "padding")
    p = ConvParams(stride, pads, dilation, transposed, output_padding, groups)
    _check_values(p)
    if padding == "same":
        x, p = _same_padding(x, weight, p)
    _check_types(x, weight, bias)
    _check_channels(x, weight, bias, p)
    _check_sizes(x, weight, p)
    out = convolution(x, weight, bias, p)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:  # noqa: A002
    """1-d cross-correlation of ``(N, C_in, L)`` (or unbatched) by ``(C_out, C_in/groups, k)``."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:  # noqa: A002
    """2-d cross-correlation of ``(N, C_in, H, W)`` (or unbatched) by ``(C_out, C_in/g, kH, kW)``"""
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:  # noqa: A002
    """3-d cross-correlation of ``(N, C_in, D, H, W)`` (or unbatched)."""
    return _conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _transposed_nd(
    name, nd, input, weight, bias, stride, padding, output_padding, groups, dilation
):  # noqa: A002
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    return _conv_nd(
        name, nd, input, weight, bias, stride, padding, dilation, groups, output_padding, True
    )


def conv_transpose1d(
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,  # noqa: A002
) -> Tensor:
    """Transposed 1-d convolution (``conv1d``'s input gradient), weight ``(C_in, C_out/g, k)``."""
    args = (input, weight, bias, stride, padding, output_padding, groups, dilation)
    return _transposed_nd("conv_transpose1d", 1, *args)


def conv_transpose2d(
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,  # noqa: A002
) -> Tensor:
    """Transposed 2-d convolution, weight ``(C_in, C_out/groups, kH, kW)``."""
    args = (input, weight, bias, stride, padding, output_padding, groups, dilation)
    return _transposed_nd("conv_transpose2d", 2, *args)


def conv_transpose3d(
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,  # noqa: A002
) -> Tensor:
    """Transposed 3-d convolution, weight ``(C_in, C_out/groups, kD, kH, kW)``."""
    args = (input, weight, bias, stride, padding, output_padding, groups, dilation)
    return _transposed_nd("conv_transpose3d", 3, *args)
