"""``torch.nn.functional``: ``softmax``, ``log_softmax``, ``softmin`` and ``glu``.

``softmax`` and ``log_softmax`` are primitives (``SoftmaxBackward0``, ``LogSoftmaxBackward0``)
computed with the maximum along ``dim`` subtracted first, so large logits neither overflow nor
underflow to ``-inf``; their derivative formulas are written with reference ops, so gradients
differentiate again. ``glu`` is a primitive too (``GluBackward0``).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ..._conversion import to
from ..._dtypes import dtype
from ..._joining import cat
from ..._ops import apply_op, xp_of
from ..._strides import wrap_dim
from ..._tensor import Tensor
from ..._views import narrow
from ...autograd._graph import Formula
from ._activation import sigmoid

__all__ = ["softmax", "log_softmax", "softmin", "glu"]

#: dtypes torch's CPU softmax and glu kernels accept.
_FLOATING = ("float16", "bfloat16", "float32", "float64")


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """torch's implicit ``dim`` (deprecated, with a warning): 0 for 0-, 1- and 3-d inputs,
    else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _int_dim(op: str, dim: Any) -> int:
    """``dim`` as an int, or torch's argument-parser error."""
    if not isinstance(dim, bool):
        try:
            return operator.index(dim)
        except TypeError:
            pass
    raise TypeError(f"{op}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")


def _check_dtype(op: str, dt: Any) -> None:
    if dt is not None and not isinstance(dt, dtype):
        raise TypeError(f"{op}(): argument 'dtype' must be torch.dtype, not {type(dt).__name__}")


def _check_kernel(kernel: str, input: Tensor) -> None:  # noqa: A002
    if input._dtype._name not in _FLOATING:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input._dtype._scalar_name}'")


def _kernel_name(op: str, ndim: int, axis: int) -> str:
    """The CPU kernel torch names in its dtype error: the last-dim one for 0-/1-d inputs."""
    return f"{op}_lastdim_kernel_impl" if ndim <= 1 or axis == ndim - 1 else f"{op}_kernel_impl"


def _stable(xp: Any, log: bool, axis: int, out_np: Any):
    """Array function of (log-)softmax along ``axis``: max-shifted, in float64 (softmax of
    float32 in float32, within torch's few ulp; log_softmax's log of a sum near 1 needs more)."""
    wide = np.float32 if out_np == np.float32 and not log else np.float64

    def fn(a):
        x = a.reshape(1) if a.ndim == 0 else a
        if x.size == 0:
            return xp.empty(a.shape, dtype=out_np)
        x = x.astype(wide, copy=False)
        with np.errstate(all="ignore"):
            shifted = x - x.max(axis=axis, keepdims=True)
            exps = xp.exp(shifted) if log else xp.exp(shifted, out=shifted)
            total = exps.sum(axis=axis, keepdims=True)
            if log:
                result = shifted - xp.log(total)
            else:
                exps /= total
                result = exps
        return result.reshape(a.shape).astype(out_np, copy=False)

    return fn


def _softmax_formula(axis: int) -> Formula:
    """d softmax: ``y * (g - sum(g * y))`` along the axis."""

    def fn(node: Any, g: Tensor) -> tuple:
        y = node.saved_output(0)
        return (y * (g - (g * y).sum(axis, keepdim=True)),)

    return Formula(fn, outputs=True)


def _log_softmax_formula(axis: int) -> Formula:
    """d log_softmax: ``g - exp(y) * sum(g)`` along the axis."""

    def fn(node: Any, g: Tensor) -> tuple:
        y = node.saved_output(0)
        return (g - y.exp() * g.sum(axis, keepdim=True),)

    return Formula(fn, outputs=True)


def _primitive(op: str, input: Tensor, dim: Any, dt: dtype | None) -> Tensor:  # noqa: A002
    """``input.softmax(dim, dtype=dt)`` / ``input.log_softmax(dim, dtype=dt)``."""
    d = _int_dim(op, dim)
    _check_dtype(op, dt)
    if dt is not None:
        input = to(input, dt)  # noqa: A001 - the cast comes first, as in torch
    axis = wrap_dim(d, input.ndim)
    _check_kernel(_kernel_name(op, input.ndim, axis), input)
    log = op == "log_softmax"
    formula = (_log_softmax_formula if log else _softmax_formula)(axis)
    axis_arr = 0 if input.ndim == 0 else axis
    kernel = _stable(xp_of(input), log, axis_arr, input._dtype._np)
    return apply_op(op, kernel, input, backward=formula)


def softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: dtype | None = None,  # noqa: A002
) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed with the maximum subtracted)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _primitive("softmax", input, dim, dtype)


def log_softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: dtype | None = None,  # noqa: A002
) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (never ``log(softmax(x))``)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _primitive("log_softmax", input, dim, dtype)


def softmin(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: dtype | None = None,  # noqa: A002
) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return _primitive("softmax", -input, dim, dtype)


# ----- glu ------------------------------------------------------------------------------------
def _glu_formula(axis: int, half: int) -> Formula:
    """d glu: ``[g * s(b), g * a * s(b) * (1 - s(b))]`` concatenated along the axis."""

    def fn(node: Any, g: Tensor) -> tuple:
        x = node.saved_input(0)
        a, b = narrow(x, axis, 0, half), narrow(x, axis, half, half)
        s = sigmoid(b)
        return (cat([g * s, g * a * s * (1 - s)], axis),)

    return Formula(fn, inputs="all")


def _glu_array(xp: Any, axis: int, half: int, out_np: Any):
    """Array function of glu: first half times the logistic of the second half."""
    lead = (slice(None),) * axis

    def fn(x):
        comp = x.astype(np.float64)
        a, b = comp[(*lead, slice(0, half))], comp[(*lead, slice(half, None))]
        with np.errstate(all="ignore"):
            return (a / (1.0 + xp.exp(-b))).astype(out_np)

    return fn


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """``a * sigmoid(b)`` where ``a`` and ``b`` are the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(dim, input.ndim)
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    _check_kernel("glu_cpu", input)
    half = size // 2
    kernel = _glu_array(xp_of(input), axis, half, input._dtype._np)
    return apply_op("glu", kernel, input, backward=_glu_formula(axis, half))
