"""``torch.nn.functional``: pixel_shuffle, pixel_unshuffle, channel_shuffle and interpolate.

The shuffles are reshapes and permutations of reference views (they differentiate as views
do). ``interpolate`` runs one spatial dim at a time, the last first, as torch's kernels
nest their loops: each output element is a weighted sum of a few source elements along that
dim (1 for nearest, 2 for linear, 4 for cubic), with source positions and weights computed
in the precision torch computes them (float for nearest, the op's math type otherwise).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._ops import apply_op, put_add
from ..._tensor import Tensor
from ...autograd._graph import Formula
from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = [
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
]

#: the cubic convolution's ``A`` (Keys' kernel), as torch uses
CUBIC_A = -0.75


# ----- shuffles ------------------------------------------------------------------------------
def _at_least_3d(x: Tensor, name: str) -> None:
    if x.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with "
            f"{x.ndim} dimension(s)"
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C * r * r, H, W)`` to ``(*, C, H * r, W * r)``."""
    _at_least_3d(input, "pixel_shuffle")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    split = input.reshape(*lead, c // (r * r), r, r, h, w)
    order = [*range(n), n, n + 3, n + 1, n + 4, n + 2]
    return split.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C, H * r, W * r)`` to ``(*, C * r * r, H, W)``."""
    _at_least_3d(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                f"input.size({dim})={size} is not divisible by {r}"
            )
    n = len(lead)
    split = input.reshape(*lead, c, h // r, r, w // r, r)
    order = [*range(n), n, n + 2, n + 4, n + 1, n + 3]
    return split.permute(*order).reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Channels ``(g, C / g)`` read as ``(C / g, g)``: channel ``i * (C / g) + j`` moves
    to ``j * g + i``."""
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    b, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups."
        )
    split = input.reshape(b, groups, c // groups, *rest)
    return split.transpose(1, 2).reshape(b, c, *rest)


native_channel_shuffle = channel_shuffle


# ----- source positions and weights --------------------------------------------------------
def _opmath(x: Tensor) -> type:
    return np.float64 if x._dtype._name == "float64" else np.float32


def _scale(size_in: int, size_out: int, align: bool, scale: float | None, t: type) -> Any:
    """torch's ``area_pixel_compute_scale`` in precision ``t``."""
    if align:
        return t(size_in - 1) / t(size_out - 1) if size_out > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(size_in) / t(size_out)


def _source(size_in: int, size_out: int, align: bool, scale, t: type, cubic: bool) -> Any:
    """Real source positions of the output positions (``area_pixel_compute_source_index``)."""
    s = _scale(size_in, size_out, align, scale, t)
    dst = np.arange(size_out).astype(t)
    if align:
        return s * dst
    src = s * (dst + t(0.5)) - t(0.5)
    return src if cubic else np.maximum(src, t(0))


def nearest_taps(size_in: int, size_out: int, scale: float | None, exact: bool) -> list:
    """Source index per output position: ``floor(dst * s)`` in float (``dst + 0.5`` for
    nearest-exact), with torch's shortcuts for equal and doubled sizes."""
    dst = np.arange(size_out)
    s = (
        np.float32(1.0 / scale)
        if scale is not None and scale > 0
        else (np.float32(size_in) / np.float32(size_out))
    )
    if exact:
        idx = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32)).astype(np.int64)
    elif size_out == size_in:
        idx = dst
    elif size_out == 2 * size_in:
        idx = dst >> 1
    else:
        idx = np.floor(dst.astype(np.float32) * s).astype(np.int64)
    return [(np.minimum(idx, size_in - 1), None)]


def linear_taps(size_in: int, size_out: int, align: bool, scale, t: type) -> list:
    """Two taps: ``floor(src)`` and the next index (clamped), weights ``1 - l`` and ``l``."""
    src = _source(size_in, size_out, align, scale, t, cubic=False)
    i0 = np.minimum(np.floor(src).astype(np.int64), size_in - 1)
    lam = np.clip(src - i0.astype(t), t(0), t(1)).astype(t)
    i1 = i0 + (i0 < size_in - 1)
    return [(i0, (t(1) - lam).astype(t)), (i1, lam)]


def cubic_weights(frac: np.ndarray, a: float = CUBIC_A) -> list[np.ndarray]:
    """Keys' cubic convolution weights of the four taps around a fractional position."""
    t = frac.dtype.type
    a = t(a)

    def near(x):  # |x| <= 1
        return ((a + t(2)) * x - (a + t(3))) * x * x + t(1)

    def far(x):  # 1 < |x| < 2
        return ((a * x - t(5) * a) * x + t(8) * a) * x - t(4) * a

    one = t(1)
    return [far(frac + one), near(frac), near(one - frac), far(one - frac + one)]


def cubic_taps(size_in: int, size_out: int, align: bool, scale, t: type) -> list:
    """Four taps at ``floor(src) - 1 .. floor(src) + 2`` clamped to the input."""
    src = _source(size_in, size_out, align, scale, t, cubic=True)
    base = np.floor(src)
    frac = (src - base).astype(t)
    weights = cubic_weights(frac)
    i = base.astype(np.int64)
    return [(np.clip(i - 1 + k, 0, size_in - 1), w.astype(t)) for k, w in enumerate(weights)]


# ----- one dim at a time --------------------------------------------------------------------
def _flat_ids(shape: tuple, axis: int, idx: np.ndarray) -> np.ndarray:
    """Row-major positions in ``shape`` of the elements ``np.take(..., idx, axis)`` reads."""
    return np.take(np.arange(math.prod(shape)).reshape(shape), idx, axis=axis)


def _along(x: Tensor, axis: int, taps: list) -> Tensor:
    """``out[..., o, ...] = sum_t w_t[o] * x[..., idx_t[o], ...]`` along ``axis``."""
    shape = tuple(x.shape)
    bcast = (-1,) + (1,) * (x.ndim - axis - 1)

    def forward(a: np.ndarray) -> np.ndarray:
        out = None
        for idx, w in taps:
            term = np.take(a, idx, axis=axis)
            if w is not None:
                term = term * w.astype(a.dtype).reshape(bcast)
            out = term if out is None else out + term
        return out

    def backward(node: Any, g: Tensor) -> tuple:
        total = None
        for idx, w in taps:
            scaled = g if w is None else g * _const(w.astype(x._dtype._np).reshape(bcast))
            part = put_add(scaled, _flat_ids(shape, axis, idx), shape)
            total = part if total is None else total + part
        return (total,)

    return apply_op("upsample", forward, x, backward=Formula(backward))


def _const(a: np.ndarray) -> Tensor:
    return apply_op("constant", lambda: np.ascontiguousarray(a), differentiable=False)


# ----- interpolate ---------------------------------------------------------------------------
_MODES = {3: ("linear", "nearest", "nearest-exact", "area"),
          4: ("bilinear", "bicubic", "nearest", "nearest-exact", "area"),
          5: ("trilinear", "nearest", "nearest-exact", "area")}  # fmt: skip


def _output_sizes(x: Tensor, size: Any, scale_factor: Any, recompute: bool | None) -> tuple:
    """``(output_size, scales)`` as ``F.interpolate`` resolves them."""
    dim = x.ndim - 2
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, Sequence):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            return [int(s) for s in size], None
        return [int(size)] * dim, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, Sequence):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                "format and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    sizes = [int(n * s) for n, s in zip(spatial, scales, strict=True)]
    return sizes, (None if recompute else scales)


def _check_sizes(x: Tensor, out: list) -> None:
    if all(n > 0 for n in x.shape[2:]) and all(o > 0 for o in out):
        return
    names = ("D", "H", "W")[3 - len(out) :]
    shown_in = ", ".join(f"{c}: {n}" for c, n in zip(names, x.shape[2:], strict=True))
    shown_out = ", ".join(f"{c}: {n}" for c, n in zip(names, out, strict=True))
    raise RuntimeError(
        f"Input and output sizes should be greater than 0, but got input ({shown_in}) "
        f"output ({shown_out})"
    )


def _wrong_rank(x: Tensor, mode: str) -> None:
    want = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}.get(mode)
    if want is not None and x.ndim in (3, 4, 5):
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs {want}D input")
    raise NotImplementedError(
        "Input Error: Only 3D, 4D and 5D input Tensors supported"
        f" (got {x.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear"
        f" | lanczos | area | nearest-exact (got {mode})"
    )


def _resample(x: Tensor, out: list, scales: list | None, mode: str, align: bool) -> Tensor:
    """Each spatial dim in turn, the last first."""
    t = _opmath(x)
    result = x
    for d in reversed(range(len(out))):
        n_in, n_out = x.shape[2 + d], out[d]
        s = None if scales is None else scales[d]
        if mode in ("nearest", "nearest-exact"):
            taps = nearest_taps(n_in, n_out, s, mode == "nearest-exact")
        elif mode == "bicubic":
            taps = cubic_taps(n_in, n_out, align, s, t)
        else:
            taps = linear_taps(n_in, n_out, align, s, t)
        result = _along(result, 2 + d, taps)
    return result


def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if recompute_scale_factor and size is not None and scale_factor is None:
        _output_sizes(input, size, scale_factor, None)
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    out, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    if antialias:
        raise NotImplementedError("reference: antialias=True is not implemented")
    if mode not in _MODES.get(input.ndim, ()):
        _wrong_rank(input, mode)
    if mode == "area":
        pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}
        return pool[input.ndim](input, out)
    if not input._dtype.is_floating_point:
        raise NotImplementedError(
            f'"upsample_{mode}{input.ndim - 2}d" not implemented for '
            f"'{input._dtype._scalar_name}'"
        )
    _check_sizes(input, out)
    return _resample(input, out, scales, mode, bool(align_corners))


def _deprecated(name: str) -> None:
    warnings.warn(
        f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=3,
    )


def upsample(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
