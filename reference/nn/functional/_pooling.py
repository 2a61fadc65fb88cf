"""``torch.nn.functional``: max, average, power-average, fractional and adaptive pooling,
max_unpool.

Windows are strided views of the (padded) input, or gathers through a table of window
positions where the windows differ in size; no Python loop runs over output positions.
Max pooling returns ``take(input, argmax positions)``, so its gradients (of any order) go to
the chosen elements; average pooling's derivative spreads the gradient over each window
with ``put_add``, which differentiates again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..._creation import from_numpy
from ..._dtypes import array_kind
from ..._ops import apply_op, put_add, take
from ..._random import rand
from ..._tensor import Tensor
from ...autograd._graph import Formula

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
]


# ----- argument handling -----------------------------------------------------------------
def ntuple(value: Any, n: int) -> tuple:
    """``value`` repeated ``n`` times, or the sequence itself (torch's ``_ntuple``)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(value)
    return (value,) * n


def _args(n: int, kernel: Any, stride: Any, padding: Any, dilation: Any = 1) -> tuple:
    """Kernel, stride (defaulting to the kernel), padding and dilation as n-tuples."""
    k = ntuple(kernel, n)
    s = k if stride is None or (isinstance(stride, Sequence) and len(stride) == 0) else stride
    return k, ntuple(s, n), ntuple(padding, n), ntuple(dilation, n)


def _dims(x: Tensor, n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split ``x.shape`` into leading (batch, channel) and ``n`` spatial sizes."""
    return tuple(x.shape[: x.ndim - n]), tuple(x.shape[x.ndim - n :])


def _text(sizes: Sequence[int]) -> str:
    return "x".join(str(s) for s in sizes)


def pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape``: the last window starts inside input or left pad."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _check_pool(x: Tensor, n: int, k: tuple, s: tuple, p: tuple, d: tuple, ceil: bool) -> tuple:
    """torch's shape checks of max/avg pooling (2-d and 3-d kernels); the output sizes."""
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in d):
        names = "TWH"[:n] if n == 3 else "HW"
        shown = " ".join(
            f"dilation{c}: {v}" for c, v in zip(names, d[::-1] if n == 2 else d, strict=True)
        )
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    if x.ndim not in (n + 1, n + 2) or any(v == 0 for v in x.shape[1:]):
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    lead, spatial = _dims(x, n)
    for kk, pp, dd in zip(k, p, d, strict=True):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={pp}, kernel_size={kk} and dilation={dd}"
            )
    out = tuple(pool_output_size(*a, ceil) for a in zip(spatial, k, s, p, d, strict=True))
    if any(kk // 2 < pp for kk, pp in zip(k, p, strict=True)):
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            + ", ".join(f"pad{c} = {v}" for c, v in zip("WH", p[::-1], strict=False))
            + ", "
            + ", ".join(f"k{c} = {v}" for c, v in zip("WH", k[::-1], strict=False))
        )
    if any(o < 1 for o in out):
        channels = lead[-1:]
        raise RuntimeError(
            f"Given input size: ({_text(channels + spatial)}). Calculated output size: "
            f"({_text(channels + out)}). Output size is too small"
        )
    return lead, spatial, out


# ----- window tables ------------------------------------------------------------------------
def _place(arrays: list[np.ndarray], n: int) -> list[np.ndarray]:
    """Per-dim ``(out_d, k_d)`` arrays broadcast to ``(*out, *k)``."""
    placed = []
    for i, a in enumerate(arrays):
        shape = [1] * (2 * n)
        shape[i], shape[n + i] = a.shape
        placed.append(a.reshape(shape))
    return placed


def _table(coords: list[np.ndarray], spatial: tuple, valid: list | None = None) -> tuple:
    """Plane-flat positions ``(*out, K)`` of per-dim window coordinates, with validity."""
    n = len(spatial)
    placed = _place(coords, n)
    ok = [(c >= 0) & (c < size) for c, size in zip(placed, spatial, strict=True)]
    if valid is not None:
        ok = [o & v for o, v in zip(ok, _place(valid, n), strict=True)]
    flat = np.zeros((), np.int64)
    inside = np.ones((), bool)
    for c, size, o in zip(placed, spatial, ok, strict=True):
        flat = flat * size + np.clip(c, 0, size - 1)
        inside = inside & o
    out_shape = tuple(c.shape[0] for c in coords)
    shape = (*out_shape, -1)
    flat = np.broadcast_to(flat, np.broadcast_shapes(flat.shape, inside.shape))
    return flat.reshape(shape), np.broadcast_to(inside, flat.shape).reshape(shape)


def _regular_coords(out: tuple, k: tuple, s: tuple, p: tuple, d: tuple) -> list[np.ndarray]:
    return [
        np.arange(o)[:, None] * ss - pp + np.arange(kk)[None, :] * dd
        for o, kk, ss, pp, dd in zip(out, k, s, p, d, strict=True)
    ]


def _windows(a: np.ndarray, out: tuple, k: tuple, s: tuple, p: tuple, d: tuple, fill) -> Any:
    """A strided view ``(B, *out, *k)`` of ``a`` (``(B, *spatial)``) padded with ``fill``."""
    spatial = a.shape[1:]
    right = [
        max(0, (o - 1) * ss + dd * (kk - 1) + 1 - pp - size)
        for o, kk, ss, pp, dd, size in zip(out, k, s, p, d, spatial, strict=True)
    ]
    if any(p) or any(right):
        widths = [(0, 0)] + [(pp, r) for pp, r in zip(p, right, strict=True)]
        a = np.pad(a, widths, constant_values=fill)
    st = a.strides[1:]
    return as_strided(
        a,
        (a.shape[0], *out, *k),
        (
            a.strides[0],
            *[t * ss for t, ss in zip(st, s, strict=True)],
            *[t * dd for t, dd in zip(st, d, strict=True)],
        ),
        writeable=False,
    )


def _lowest(dt: np.dtype) -> Any:
    return -np.inf if array_kind(dt) in "fc" else np.iinfo(dt).min


def _argmax(w: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """torch's choice per window (last axis): the first maximum, or the last NaN; never a
    padded slot (an all -inf window gives its first real element)."""
    arg = np.argmax(w, axis=-1)
    if array_kind(w.dtype) == "f":
        nan = np.isnan(w)
        last_nan = w.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        arg = np.where(nan.any(-1), last_nan, arg)
    valid = np.broadcast_to(valid, w.shape)
    chosen_ok = np.take_along_axis(valid, arg[..., None], -1)[..., 0]
    return np.where(chosen_ok, arg, np.argmax(valid, axis=-1))


def _global(lead: tuple, plane: np.ndarray, plane_size: int) -> np.ndarray:
    """Plane positions ``(B, ...)`` made row-major positions of the whole input."""
    b = np.arange(math.prod(lead), dtype=np.int64).reshape((-1,) + (1,) * (plane.ndim - 1))
    return (b * plane_size + plane).reshape(lead + plane.shape[1:])


def _max_by_table(x: Tensor, lead: tuple, spatial: tuple, ids: np.ndarray, ok: np.ndarray):
    """Values and plane indices of the max over gathered windows ``ids`` ``(*out, K)``."""
    a = np.asarray(x._data).reshape(-1, math.prod(spatial))
    w = np.where(ok, a[:, ids], _lowest(a.dtype))
    arg = _argmax(w, ok)
    plane = np.take_along_axis(np.broadcast_to(ids, w.shape), arg[..., None], -1)[..., 0]
    return _finish_max(x, lead, spatial, plane)


def _finish_max(x: Tensor, lead: tuple, spatial: tuple, plane: np.ndarray) -> tuple:
    values = take(x, _global(lead, plane, math.prod(spatial)))
    indices = from_numpy(np.ascontiguousarray(plane.reshape(lead + plane.shape[1:])))
    return values, indices


# ----- max pooling -------------------------------------------------------------------------
def _max_pool(x: Tensor, n: int, kernel, stride, padding, dilation, ceil_mode: bool) -> tuple:
    k, s, p, d = _args(n, kernel, stride, padding, dilation)
    lead, spatial, out = _check_pool(x, n, k, s, p, d, ceil_mode)
    a = np.asarray(x._data).reshape(-1, *spatial)
    w = _windows(a, out, k, s, p, d, _lowest(a.dtype))
    ids, ok = _table(_regular_coords(out, k, s, p, d), spatial)
    nan = array_kind(a.dtype) == "f" and bool(np.isnan(a).any())
    arg = _running_argmax(w, n, ok, nan)
    count = ids.shape[-1]  # the chosen slot's plane position: one flat take from the table
    slot = arg.reshape(arg.shape[0], -1) + np.arange(0, ids.size, count)
    plane = np.take(ids.reshape(-1), slot).reshape(arg.shape)
    return _finish_max(x, lead, spatial, plane)


def _slots(w: np.ndarray, n: int):
    """The window view ``(B, *out, *k)`` one kernel offset at a time (row-major), each a
    ``(B, *out)`` view: a loop over the few kernel offsets, never over positions."""
    for offset in np.ndindex(*w.shape[n + 1 :]):
        yield w[(Ellipsis, *offset)]


def _running_argmax(w: np.ndarray, n: int, valid: np.ndarray, nan: bool) -> np.ndarray:
    """``_argmax`` of each window of the view ``w`` ``(B, *out, *k)``, kept as a running
    best over the kernel offsets: a later slot wins when it is greater or NaN (so the first
    maximum, or the last NaN), and a padded slot never wins (``valid``: ``(*out, K)``;
    ``nan``: whether any element is NaN)."""
    padded = not valid.all()
    slot_type = np.int16 if valid.shape[-1] < 2**15 else np.int64  # a narrow running slot
    best = arg = unseen = wins = won = None
    for j, v in enumerate(_slots(w, n)):
        if best is None:
            best, arg = v.copy(), np.zeros(v.shape, slot_type)
            wins = np.empty(v.shape, bool)  # one buffer for every offset's comparison
            won = np.empty(v.shape, slot_type)
            unseen = ~np.broadcast_to(valid[..., 0], v.shape) if padded else None
            continue
        np.greater(v, best, out=wins)
        if nan:
            wins |= np.isnan(v)
        if padded:  # wins = ok & (wins | not seen yet)
            ok = valid[..., j]
            wins |= unseen
            wins &= ok
            unseen &= ~ok
        # masked copies cost ~7 ns an element: the best so far compares as its maximum
        # (NaN stays NaN; a padded slot holds the lowest value), and the slots grow with
        # j, so the last winning slot is the largest of j * wins
        np.maximum(best, v, out=best)
        np.maximum(arg, np.multiply(wins, j, out=won), out=arg)
    return arg.astype(np.int64)


def _check_max_pool1d(x: Tensor, k: int, s: int, p: int, d: int) -> None:
    """The checks of ``aten::max_pool1d`` (no indices, no gradient)."""
    if x.ndim not in (2, 3):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(x.shape)}"
        )
    for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if v <= 0:
            raise RuntimeError(f"max_pool1d() {name} must be greater than zero, but got {v}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(
            "max_pool1d() padding should be at most half of kernel size, but got "
            f"padding={p} and kernel_size={k}"
        )


def max_pool1d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """Max over sliding windows of the last dim; values and flat indices per plane."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-d max pooling (torch's separate checks when neither indices nor grad are asked)."""
    if not return_indices and not input.requires_grad:
        k, s, p, d = (v[0] for v in _args(1, kernel_size, stride, padding, dilation))
        _check_max_pool1d(input, k, s, p, d)
        out = pool_output_size(input.shape[-1], k, s, p, d, ceil_mode)
        if out <= 0:
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    result = _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode)
    return result if return_indices else result[0]


def max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """Max over sliding windows of the last two dims; values and flat indices per plane."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-d max pooling; ``(values, indices)`` with ``return_indices``."""
    result = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode)
    return result if return_indices else result[0]


def max_pool3d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """Max over sliding windows of the last three dims; values and flat indices per plane."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """3-d max pooling; ``(values, indices)`` with ``return_indices``."""
    result = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode)
    return result if return_indices else result[0]


# ----- weighted windows (average pooling) ---------------------------------------------------
def _spread(x: Tensor, lead: tuple, spatial: tuple, ids: np.ndarray, weights: np.ndarray):
    """The derivative of ``out[o] = sum_k weights[o, k] * x[ids[o, k]]``."""
    shape = tuple(x.shape)

    def backward(node: Any, g: Tensor) -> tuple:
        every = np.broadcast_to(ids, (math.prod(lead), *ids.shape))
        ids_all = _global(lead, every, math.prod(spatial))
        w = from_numpy(np.ascontiguousarray(weights.astype(x._dtype._np)))
        return (put_add(g.unsqueeze(-1) * w, ids_all, shape),)

    return Formula(backward)


def _divisors(spatial, out, k, s, p, include_pad: bool, override) -> np.ndarray:
    """Each window's divisor ``(*out)``: torch's pool size or count of real elements."""
    if override is not None:
        return np.full(out, float(override))
    sizes = []
    for size, o, kk, ss, pp in zip(spatial, out, k, s, p, strict=True):
        start = np.arange(o) * ss - pp
        end = np.minimum(start + kk, size + pp)
        if include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, size) - np.maximum(start, 0))
    div = np.ones((), np.float64)
    for i, c in enumerate(sizes):
        div = div[..., None] * c.reshape((1,) * i + (-1,))
    return div


def _avg_pool(x, n, kernel, stride, padding, ceil_mode, include_pad, override, name) -> Tensor:
    k, s, p, _ = _args(n, kernel, stride, padding)
    if override is not None and override == 0:
        raise RuntimeError("divisor must be not zero")
    if x._dtype.is_complex or not (x._dtype.is_floating_point or x._dtype._name == "int64"):
        raise NotImplementedError(f"\"{name}\" not implemented for '{x._dtype._scalar_name}'")
    lead, spatial, out = _check_pool(x, n, k, s, p, (1,) * n, ceil_mode)
    div = _divisors(spatial, out, k, s, p, include_pad, override)
    ids, ok = _table(_regular_coords(out, k, s, p, (1,) * n), spatial)
    weights = ok / div[..., None]

    def forward(a: np.ndarray) -> np.ndarray:
        flat = a.reshape(-1, *spatial)
        total = np.zeros((flat.shape[0], *out), np.float64)
        for v in _slots(_windows(flat, out, k, s, p, (1,) * n, 0), n):
            total += v  # each window summed in row-major order, in float64
        if a.dtype.kind != "f":
            return (total // div).astype(a.dtype).reshape(lead + out)
        return (total / div).astype(a.dtype).reshape(lead + out)

    return apply_op(name, forward, x, backward=_spread(x, lead, spatial, ids, weights))


def _check_avg1d(x: Tensor, name: str) -> None:
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for argument #1 "
            f"'self' (while checking arguments for {name})"
        )


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over sliding windows of the last dim (padding counted unless told otherwise)."""
    _check_avg1d(input, "avg_pool1d")
    k, s, p, _ = _args(1, kernel_size, stride, padding)
    x = input.unsqueeze(-2)
    out = _avg_pool(
        x, 2, (1, k[0]), (1, s[0]), (0, p[0]), ceil_mode, count_include_pad, None, "avg_pool2d"
    )
    return out.squeeze(-2)


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over sliding windows of the last two dims."""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override, "avg_pool2d",
    )  # fmt: skip


def avg_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over sliding windows of the last three dims."""
    if input.ndim in (4, 5) and input.numel():
        k, s, p, _ = _args(3, kernel_size, stride, padding)
        small = any(size + 2 * pp < kk for size, kk, pp in zip(input.shape[-3:], k, p, strict=True))
        if small and all(pp <= kk // 2 for kk, pp in zip(k, p, strict=True)):
            t, h, w = input.shape[-3:]
            raise RuntimeError(
                f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
                f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})"
            )
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override, "avg_pool3d",
    )  # fmt: skip


# ----- power-average pooling --------------------------------------------------------------
def _lp_pool(x: Tensor, n: int, norm_type: float, kernel, stride, ceil_mode: bool) -> Tensor:
    k = ntuple(kernel, n)
    powered = x.pow(norm_type)
    if n == 1:
        pooled = avg_pool1d(powered, k, stride, 0, ceil_mode)
    else:
        pooled = _avg_pool(powered, n, k, stride, 0, ceil_mode, True, None, f"avg_pool{n}d")
    return pooled.mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``(sum over the window of x ** p) ** (1 / p)`` over the last dim."""
    return _lp_pool(input, 1, float(norm_type), kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``(sum over the window of x ** p) ** (1 / p)`` over the last two dims."""
    return _lp_pool(input, 2, float(norm_type), kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``(sum over the window of x ** p) ** (1 / p)`` over the last three dims."""
    return _lp_pool(input, 3, float(norm_type), kernel_size, stride, ceil_mode)


# ----- adaptive pooling --------------------------------------------------------------------
def _adaptive_args(x: Tensor, n: int, output_size: Any, name: str, colon: str) -> tuple:
    """Checks and sizes of adaptive pooling: ``(lead, spatial, out)``."""
    if n == 1:
        if x.ndim not in (2, 3):
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {name})"
            )
    elif x.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got{colon} {list(x.shape)}"
        )
    sizes = ntuple(output_size, n)
    if len(sizes) != n:
        raise RuntimeError(f"{name}: output_size must be {n}")
    lead, spatial = _dims(x, n)
    out = tuple(size if o is None else int(o) for o, size in zip(sizes, spatial, strict=True))
    for i in range(1, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, "
                f"but input has sizes {list(x.shape)} with dimension {i} being empty"
            )
    return lead, spatial, out


def adaptive_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """``start = floor(i * size / out)``, ``end = ceil((i + 1) * size / out)``."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _adaptive_table(spatial: tuple, out: tuple) -> tuple[np.ndarray, np.ndarray]:
    coords, valid = [], []
    for size, o in zip(spatial, out, strict=True):
        start, end = adaptive_windows(size, o)
        width = int((end - start).max()) if o else 1
        j = np.arange(width)[None, :]
        coords.append(start[:, None] + j)
        valid.append(j < (end - start)[:, None])
    return _table(coords, spatial, valid)


def _adaptive_max(x: Tensor, n: int, output_size: Any) -> tuple[Tensor, Tensor]:
    name = f"adaptive_max_pool{n}d"
    lead, spatial, out = _adaptive_args(x, n, output_size, name, ":")
    if any(o < 0 for o in out):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(out)}: {list(lead + out)}"
        )
    ids, ok = _adaptive_table(spatial, out)
    return _max_by_table(x, lead, spatial, ids, ok)


def _adaptive_avg(x: Tensor, n: int, output_size: Any) -> Tensor:
    name = f"adaptive_avg_pool{n}d"
    lead, spatial, out = _adaptive_args(x, n, output_size, name, "")
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{x._dtype._scalar_name}'")
    ids, ok = _adaptive_table(spatial, out)
    weights = ok / ok.sum(-1, keepdims=True)

    def forward(a: np.ndarray) -> np.ndarray:
        flat = a.reshape(-1, math.prod(spatial))
        w = np.where(ok, flat[:, ids], 0)
        return (w.sum(-1, dtype=np.float64) * (1 / ok.sum(-1))).astype(a.dtype).reshape(lead + out)

    return apply_op(name, forward, x, backward=_spread(x, lead, spatial, ids, weights))


def adaptive_max_pool1d_with_indices(
    input: Tensor,
    output_size: Any,
    return_indices: bool = False,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    """Max over ``output_size`` windows covering the last dim; values and indices."""
    return _adaptive_max(input, 1, output_size)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False):  # noqa: A002
    """Max over ``output_size`` windows covering the last dim."""
    result = _adaptive_max(input, 1, output_size)
    return result if return_indices else result[0]


def adaptive_max_pool2d_with_indices(
    input: Tensor,
    output_size: Any,
    return_indices: bool = False,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    """Max over adaptive windows of the last two dims; values and indices."""
    return _adaptive_max(input, 2, output_size)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False):  # noqa: A002
    """Max over adaptive windows of the last two dims."""
    result = _adaptive_max(input, 2, output_size)
    return result if return_indices else result[0]


def adaptive_max_pool3d_with_indices(
    input: Tensor,
    output_size: Any,
    return_indices: bool = False,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    """Max over adaptive windows of the last three dims; values and indices."""
    return _adaptive_max(input, 3, output_size)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False):  # noqa: A002
    """Max over adaptive windows of the last three dims."""
    result = _adaptive_max(input, 3, output_size)
    return result if return_indices else result[0]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over ``output_size`` windows covering the last dim."""
    return _adaptive_avg(input, 1, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over adaptive windows of the last two dims (None keeps a size)."""
    return _adaptive_avg(input, 2, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over adaptive windows of the last three dims (None keeps a size)."""
    return _adaptive_avg(input, 3, output_size)


# ----- fractional max pooling ---------------------------------------------------------------
def fractional_intervals(sample: np.ndarray, size: int, out: int, pool: int) -> np.ndarray:
    """Window starts ``(..., out)`` from uniform samples, in the samples' precision:
    ``int((i + u) * alpha) - int(u * alpha)``, ``alpha = (size - pool) / (out - 1)``, the
    last window ending at the input's end."""
    dt = sample.dtype
    starts = np.empty(sample.shape + (out,), np.int64)
    if out > 1:
        alpha = dt.type(size - pool) / dt.type(out - 1)
        i = np.arange(out - 1).astype(dt)
        u = sample[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    if out > 0:
        starts[..., -1] = size - pool
    return starts


def _fractional_sizes(x: Tensor, k: tuple, output_size: Any, output_ratio: Any) -> tuple:
    if output_size is None and output_ratio is None:
        raise ValueError(
            "fractional_max_pool2d requires specifying either an output_size or an output_ratio"
        )
    if output_size is None:
        ratio = ntuple(output_ratio, 2)
        return (int(x.shape[-2] * ratio[0]), int(x.shape[-1] * ratio[1]))
    return ntuple(output_size, 2)


def fractional_max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Max over pseudo-random windows (Graham's fractional max pooling); values, indices."""
    k = ntuple(kernel_size, 2)
    out = _fractional_sizes(input, k, output_size, output_ratio)
    if _random_samples is None:
        batch = 1 if input.ndim == 3 else input.shape[0]
        _random_samples = rand(batch, input.shape[-3], 2, dtype=input.dtype)
    if input.ndim not in (3, 4) or any(v == 0 for v in input.shape[1:]):
        raise RuntimeError(
            f"fractional_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}"
        )
    lead, spatial = _dims(input, 2)
    for name, size, kk, o in zip(("height", "width"), spatial, k, out, strict=True):
        if o + kk - 1 > size:
            raise RuntimeError(
                f"fractional_max_pool2d(): pool {name} {kk} too large relative to input "
                f"{name} {size}"
            )
    u = np.asarray(_random_samples._data).reshape(-1, 2)
    rows = fractional_intervals(u[:, 1], spatial[0], out[0], k[0])
    cols = fractional_intervals(u[:, 0], spatial[1], out[1], k[1])
    h = rows[:, :, None, None, None] + np.arange(k[0])[:, None]
    w = cols[:, None, :, None, None] + np.arange(k[1])
    ids = (h * spatial[1] + w).reshape(rows.shape[0], out[0], out[1], -1)
    a = np.asarray(input._data).reshape(ids.shape[0], -1)
    win = np.take_along_axis(a, ids.reshape(ids.shape[0], -1), 1).reshape(ids.shape)
    arg = _argmax(win, np.ones((), bool))
    plane = np.take_along_axis(ids, arg[..., None], -1)[..., 0]
    return _finish_max(input, lead, spatial, plane)


def fractional_max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling over the last two dims (``(values, indices)`` on request)."""
    result = fractional_max_pool2d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return result if return_indices else result[0]


# ----- max unpooling ---------------------------------------------------------------------
def unpool_output_size(x: Tensor, k: tuple, s: tuple, p: tuple, output_size: Any) -> list:
    """torch's ``_unpool_output_size``: the default size, or a checked explicit one."""
    n = len(k)
    default = [(x.shape[x.ndim - n + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(n)]
    if output_size is None:
        return default
    given = list(output_size)
    if len(given) == n + 2:
        given = given[2:]
    if len(given) != n:
        raise ValueError(
            f"output_size should be a sequence containing {n} or {n + 2} elements, but it has "
            f"a length of '{len(given)}'"
        )
    for d in range(n):
        low, high = default[d] - s[d], default[d] + s[d]
        if not low < given[d] < high:
            raise ValueError(
                f'invalid output_size "{output_size}" (dim {d} must be between {low} and {high})'
            )
    return given


def _max_unpool(x: Tensor, indices: Tensor, n: int, kernel, stride, padding, output_size):
    k, s, p, _ = _args(n, kernel, stride, padding)
    size = unpool_output_size(x, k, s, p, output_size)
    shown = size + [1] if n == 1 else size
    lead = tuple(x.shape[: x.ndim - n])
    plane = math.prod(size)
    idx = np.asarray(indices._data).astype(np.int64).reshape(math.prod(lead) if lead else 1, -1)
    bad = (idx < 0) | (idx >= plane)
    if bad.any():
        raise RuntimeError(
            f"Found an invalid max index: {int(idx[bad][0])} (output volumes are of size "
            f"{_text(shown)})"
        )
    ids = _global(lead, idx, plane) if lead else idx.reshape(-1)
    return put_add(x.reshape(-1), ids.reshape(-1), lead + tuple(size), unique=True)


def max_unpool1d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool1d``: each value placed at its index, zeros elsewhere."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool2d``: each value placed at its flat index within its plane."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool3d``."""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)
