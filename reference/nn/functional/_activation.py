"""``torch.nn.functional``: elementwise activations: relu, gelu, sigmoid, elu, hardtanh, ... (with
their in-place forms).

Each activation is one op computed in float64 on numpy and rounded once to the input's dtype;
float32 inputs take torch's float32 formula instead where ``_activation32`` has it (3-20x
faster, within a few ulp of torch's own kernels).
Piecewise-linear ones differentiate through a constant slope tensor taken at the forward (torch's
choice at the kinks: zero at ReLU's 0 and Hardtanh's edges); smooth ones through reference ops
(``sigmoid``, the normal CDF, ``exp``, ``tanh``), so their gradients differentiate again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from ... import _dtypes
from ..._conversion import cast_array
from ..._dtypes import dtype
from ..._factory import new_leaf
from ..._matmul import require_tensors
from ..._ops import apply_inplace, apply_op
from ..._pointwise import opmath, tanh
from ..._random import default_generator
from ..._tensor import Tensor
from ...autograd._graph import Formula
from . import _activation32 as k32

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "sigmoid",
    "silu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "logsigmoid",
    "prelu",
    "rrelu",
    "rrelu_",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]

#: SELU's constants (Klambauer et al.), as torch spells them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TANH_GELU_CUBIC = 0.044715  # torch's constant; some write 0.044615, a misprint
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# ----- the op mechanism for one elementwise activation --------------------------------------
def _wide(a: np.ndarray) -> np.ndarray:
    """The values in float64 (complex128 for complex inputs)."""
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _const(x: Tensor, values: np.ndarray) -> Tensor:
    """A constant tensor (no grad) of ``x``'s dtype and device holding ``values``."""
    return new_leaf(np.asarray(values).astype(x._dtype._np), None, x._device)


def _floating_only(x: Tensor, kernel: str) -> None:
    """torch's dispatch error for a kernel compiled for floating types only."""
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{x._dtype._scalar_name}'")


def _slope_formula(x: Tensor, slope: Callable[[np.ndarray], np.ndarray]) -> Formula | None:
    """``grad * slope(x)`` with the slope frozen at the forward (piecewise-linear ops)."""
    if not x._requires_grad:
        return None
    d = _const(x, slope(_wide(x._data)))
    return Formula(lambda node, g: (g * d,))


def _run(
    name: str,
    x: Tensor,
    values: Callable[[np.ndarray], np.ndarray],
    backward: Formula | None,
    inplace: bool = False,
    out_dtype: dtype | None = None,
    wide: bool = True,
    fast32: Callable[[np.ndarray], np.ndarray | None] | None = None,
) -> Tensor:
    """Apply ``values`` (float64 in, float64 out; with ``wide=False``, in ``x``'s own dtype)
    to ``x`` as op ``name``, or in place; ``fast32``, torch's float32 kernel (``_activation32``),
    takes float32 numpy arrays when it covers the arguments (returns an array)."""
    out_dt = out_dtype or x._dtype
    widen = _wide if wide else np.asarray

    def compute(a: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if fast32 is not None and type(a) is np.ndarray and a.dtype == np.float32:
                done = fast32(a.reshape(1) if a.ndim == 0 else a)  # numpy keeps arrays 1-d up
                if done is not None:
                    return done.reshape(a.shape)
            return cast_array(np.asarray(values(widen(a))), out_dt)

    if inplace:

        def write(dst: np.ndarray) -> None:
            dst[...] = compute(dst)

        return apply_inplace(name + "_", write, x, backward=backward)
    return apply_op(name, compute, x, dtype=out_dt, backward=backward)


def _check_input(name: str, x: Any) -> None:
    require_tensors(name, [("input", x)])


# ----- differentiable helpers ----------------------------------------------------------------
def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / (1 + exp(-x))`` (integer inputs give the default float dtype)."""
    _check_input("sigmoid", input)
    out_dt = input._dtype if input._dtype._kind in "fc" else _dtypes.get_default_dtype()
    back = Formula(lambda n, g: (g * (n.saved_output(0) * (1 - n.saved_output(0))),), outputs=True)
    if opmath(input._dtype) is _dtypes.float32:  # torch's formula in float32, within a few ulp
        return _run("sigmoid", input, _sigmoid32, back, wide=False)
    return _run("sigmoid", input, _sigmoid_values, back, out_dtype=out_dt)


def _sigmoid32(v: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-v))`` in float32, in place in one temporary (an array even for a 0-d
    input)."""
    e = np.negative(v, out=np.empty(np.shape(v), np.float32), dtype=np.float32)
    np.exp(e, out=e)
    e += np.float32(1)
    return np.divide(np.float32(1), e, out=e)


def _sigmoid_values(v: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-v))`` in ``v``'s (wide) dtype: numpy ufuncs, so cupy arrays too."""
    return 1.0 / (1.0 + np.exp(-v))


def _normal_cdf(x: Tensor) -> Tensor:
    """Phi(x), the standard normal CDF, as a differentiable op."""
    back = Formula(lambda n, g: (g * _normal_pdf(n.saved_input(0)),), inputs="all")
    return _run("normal_cdf", x, special.ndtr, back)


def _normal_pdf(x: Tensor) -> Tensor:
    return (x * x * -0.5).exp() * _INV_SQRT_2PI


# ----- ReLU family: piecewise linear ------------------------------------------------------
def _relu_checks(x: Tensor) -> None:
    if x._dtype is _dtypes.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x._dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")


def _relu(x: Tensor, inplace: bool) -> Tensor:
    _check_input("relu", x)
    _relu_checks(x)
    back = _slope_formula(x, lambda v: v > 0)
    if not x._dtype.is_floating_point:
        return _run_native("relu", x, lambda a: np.maximum(a, 0), inplace)
    if x._dtype._name in ("float32", "float64"):  # exact in any precision: no float64 detour
        zero = x._dtype._np.type(0)
        return _run("relu", x, lambda v: np.maximum(v, zero) + zero, back, inplace, wide=False)
    return _run(
        "relu", x, lambda v: np.where(v > 0, v, np.where(np.isnan(v), v, 0.0)), back, inplace
    )


def _run_native(name: str, x: Tensor, fn: Callable, inplace: bool) -> Tensor:
    """Integer inputs: computed in their own dtype (nothing to differentiate)."""
    if inplace:

        def write(dst: np.ndarray) -> None:
            dst[...] = fn(dst).astype(dst.dtype)

        return apply_inplace(name + "_", write, x)
    return apply_op(name, lambda a: fn(a).astype(a.dtype), x, dtype=x._dtype)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(x, 0)``; the gradient at 0 is 0."""
    return _relu(input, inplace)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``relu``."""
    return _relu(input, True)


def _check_hardtanh_bounds(x: Tensor) -> None:
    if x._dtype is _dtypes.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")


def _hardtanh(x: Tensor, lo: float, hi: float, inplace: bool, name: str = "hardtanh") -> Tensor:
    _check_input(name, x)
    if lo > hi:
        raise ValueError("min_val cannot be greater than max_val")
    _check_hardtanh_bounds(x)
    if not x._dtype.is_floating_point:
        return _run_native(name, x, lambda a: np.clip(a, lo, hi), inplace)
    back = _slope_formula(x, lambda v: (v > lo) & (v < hi))
    fast = lambda a: k32.clamp(a, lo, hi)  # noqa: E731
    return _run(name, x, lambda v: np.clip(v, lo, hi), back, inplace, fast32=fast)


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """``clamp(x, min_val, max_val)``; the gradient is 0 at and beyond the edges."""
    return _hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``hardtanh``."""
    return _hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``hardtanh(x, 0, 6)``."""
    return _hardtanh(input, 0.0, 6.0, inplace, "relu6")


def _leaky(x: Tensor, slope: float, inplace: bool, name: str = "leaky_relu") -> Tensor:
    _check_input(name, x)
    _floating_only(x, "leaky_relu_cpu")
    if 0 < slope <= 1:  # the larger of 0/1 and the slope: where's values without its cost
        back = _slope_formula(x, lambda v: np.maximum(v > 0, slope))
    else:
        back = _slope_formula(x, lambda v: np.where(v > 0, 1.0, slope))
    fast = lambda a: k32.leaky_relu(a, slope)  # noqa: E731
    return _run(name, x, lambda v: np.where(v > 0, v, v * slope), back, inplace, fast32=fast)


def leaky_relu(
    input: Tensor,  # noqa: A002
    negative_slope: float = 0.01,
    inplace: bool = False,
) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    return _leaky(input, negative_slope, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """In-place ``leaky_relu``."""
    return _leaky(input, negative_slope, True)


def _threshold(x: Tensor, th: float, value: float, inplace: bool) -> Tensor:
    _check_input("threshold", x)
    if x._dtype is _dtypes.bool or x._dtype.is_complex:
        raise NotImplementedError(
            f"\"threshold_cpu\" not implemented for '{x._dtype._scalar_name}'"
        )
    if not x._dtype.is_floating_point:
        return _run_native("threshold", x, lambda a: np.where(a > th, a, value), inplace)
    back = _slope_formula(x, lambda v: v > th)
    fast = lambda a: k32.threshold(a, th, value)  # noqa: E731
    return _run("threshold", x, lambda v: np.where(v > th, v, value), back, inplace, fast32=fast)


def threshold(
    input: Tensor,  # noqa: A002
    threshold: float,
    value: float,
    inplace: bool = False,
) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """In-place ``threshold``."""
    return _threshold(input, threshold, value, True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0."""
    _check_input("hardshrink", input)
    _floating_only(input, "hardshrink_cpu")
    keep = lambda v: (v < -lambd) | (v > lambd)  # noqa: E731
    back = _slope_formula(input, keep)
    fast = lambda a: k32.hardshrink(a, lambd)  # noqa: E731
    return _run(
        "hardshrink", input, lambda v: np.where(keep(v) | np.isnan(v), v, 0.0), back, fast32=fast
    )


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _check_input("softshrink", input)
    _floating_only(input, "softshrink_check")
    top = float(_dtypes.finfo(input._dtype).max)
    if not 0 <= lambd <= top:
        raise RuntimeError(
            f"lambda must be in range [0, {top:g}] for input dtype "
            f"{input._dtype._scalar_name}, but found {lambd:g}"
        )
    back = _slope_formula(input, lambda v: (v < -lambd) | (v > lambd))

    def values(v: np.ndarray) -> np.ndarray:
        shrunk = np.where(v > lambd, v - lambd, np.where(v < -lambd, v + lambd, 0.0))
        return np.where(np.isnan(v), v, shrunk)

    return _run("softshrink", input, values, back)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``clamp(x / 6 + 1/2, 0, 1)``."""
    _check_input("hardsigmoid", input)
    _floating_only(input, "hardsigmoid_cpu")
    # torch's backward multiplies by 1/6 rounded to float32, in every dtype
    sixth = float(np.float32(1.0 / 6.0))
    back = _slope_formula(input, lambda v: ((v > -3) & (v < 3)) * sixth)
    return _run(
        "hardsigmoid", input, lambda v: np.clip(v / 6.0 + 0.5, 0.0, 1.0), back, inplace,
        fast32=k32.hardsigmoid,
    )  # fmt: skip


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * clamp(x + 3, 0, 6) / 6``; its gradient is 0 up to -3 and 1 from 3 on."""
    _check_input("hardswish", input)
    _floating_only(input, "hardswish_cpu")
    back = None
    if input._requires_grad:
        v = _wide(input._data)
        mid, high = _const(input, (v > -3) & (v < 3)), _const(input, v >= 3)
        back = Formula(
            lambda n, g: (g * (n.saved_input(0) * mid / 3 + mid * 0.5 + high),), inputs="all"
        )
    return _run(
        "hardswish", input, lambda v: v * np.clip(v + 3.0, 0.0, 6.0) / 6.0, back, inplace,
        fast32=k32.hardswish,
    )  # fmt: skip


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``x`` for ``x > 0``, ``weight[c] * x`` otherwise, ``c`` the channel (dim 1)."""
    require_tensors("prelu", [("input", input), ("weight", weight)])
    if input._dtype is not weight._dtype:
        raise RuntimeError(
            "prelu: Type promoting not supported. Got "
            f"{input._dtype._scalar_name} and {weight._dtype._scalar_name}"
        )
    _floating_only(input, "prelu_cpu")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != n:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {n} and channel size = {channels}."
            )
    shape = [1] * input.ndim
    if n != 1:
        shape[1] = n
    w = weight.reshape(shape) if input.ndim else weight.reshape(())
    positive = _const(input, _wide(input._data) > 0)
    return _select(positive, input, input * w)


def _select(mask: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """``where(mask, a, b)`` for tensors of one shape (``mask`` a constant 0/1 tensor)."""
    keep = mask._data.astype(bool)
    back = Formula(lambda n, g: (g * mask, g * (1 - mask)))
    return apply_op(
        "prelu_kernel", lambda p, q: np.where(keep, p, q).astype(p.dtype), a, b, backward=back
    )


# ----- RReLU -------------------------------------------------------------------------------
def _rrelu_noise(x: Tensor, lower: float, upper: float) -> np.ndarray:
    """One uniform draw per element ``<= 0``, in memory order of a contiguous copy, from the
    default generator's 64-bit stream: ``u * (upper - lower) + lower`` in double with the bounds
    first rounded to the input's compute type, then rounded to the input's dtype."""
    v = _wide(x._data)
    negative = (v <= 0).reshape(-1)
    k = int(negative.sum())
    comp = np.float64 if x._dtype is _dtypes.float64 else np.float32
    lo, hi = float(comp(lower)), float(comp(upper))
    words = default_generator._engine.random64(k) & np.uint64((1 << 53) - 1)
    draws = words.astype(np.float64) * 2.0**-53 * (hi - lo) + lo
    noise = np.ones(v.size, dtype=x._dtype._np)
    noise[negative] = draws.astype(x._dtype._np)
    return noise.reshape(v.shape)


def _rrelu(x: Tensor, lower: float, upper: float, training: bool, inplace: bool) -> Tensor:
    _check_input("rrelu", x)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return _leaky(x, (lower + upper) / 2, inplace, "rrelu")
    _floating_only(x, "rrelu_with_noise_out_cpu")
    noise = _rrelu_noise(x, lower, upper)
    d = _const(x, noise)
    back = Formula(lambda n, g: (g * d,)) if x._requires_grad else None

    def product(a: np.ndarray) -> np.ndarray:
        return (a * noise.astype(a.dtype)).astype(a.dtype)

    if inplace:

        def write(dst: np.ndarray) -> None:
            dst[...] = product(dst)

        return apply_inplace("rrelu_with_noise_", write, x, backward=back)
    return apply_op("rrelu_with_noise", product, x, backward=back)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU with a slope drawn from U(lower, upper) per element in training, and the
    slope ``(lower + upper) / 2`` otherwise."""
    return _rrelu(input, lower, upper, training, inplace)


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
) -> Tensor:
    """In-place ``rrelu``."""
    return _rrelu(input, lower, upper, training, True)


# ----- exponential units -----------------------------------------------------------------
def _elu(
    x: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool, name: str
) -> Tensor:
    """``scale * x`` for ``x > 0``, ``scale * alpha * expm1(x * input_scale)`` otherwise."""
    _check_input(name, x)
    _floating_only(x, "elu_cpu")
    back = None
    if x._requires_grad:
        neg = _const(x, _wide(x._data) <= 0)

        def grad(n: Any, g: Tensor) -> tuple:
            e = (n.saved_input(0) * neg * input_scale).exp()
            return (g * ((1 - neg) * scale + neg * e * (scale * alpha * input_scale)),)

        back = Formula(grad, inputs="all")

    def values(v: np.ndarray) -> np.ndarray:
        return np.where(v > 0, scale * v, scale * alpha * np.expm1(np.minimum(v, 0) * input_scale))

    fast = lambda a: k32.elu(a, alpha, scale, input_scale)  # noqa: E731
    return _run(name, x, values, back, inplace, fast32=fast)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return _elu(input, alpha, 1.0, 1.0, inplace, "elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``elu``."""
    return _elu(input, alpha, 1.0, 1.0, True, "elu")


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``SELU_SCALE * elu(x, SELU_ALPHA)``."""
    return _elu(input, SELU_ALPHA, SELU_SCALE, 1.0, inplace, "selu")


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``selu``."""
    return _elu(input, SELU_ALPHA, SELU_SCALE, 1.0, True, "selu")


def _celu(x: Tensor, alpha: float, inplace: bool) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(x, alpha, 1.0, 1.0 / alpha, inplace, "celu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _celu(input, alpha, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``celu``."""
    return _celu(input, alpha, True)


# ----- smooth gates -----------------------------------------------------------------------
def _gelu_tanh_values(v: np.ndarray) -> np.ndarray:
    inner = _SQRT_2_OVER_PI * (v + _TANH_GELU_CUBIC * v**3)
    return 0.5 * v * (1.0 + np.tanh(inner))


def _gelu_tanh_grad(n: Any, g: Tensor) -> tuple:
    x = n.saved_input(0)
    t = tanh((x + x * x * x * _TANH_GELU_CUBIC) * _SQRT_2_OVER_PI)
    inner_slope = (x * x * (3 * _TANH_GELU_CUBIC) + 1) * _SQRT_2_OVER_PI
    return (g * ((t + 1) * 0.5 + x * (1 - t * t) * inner_slope * 0.5),)


def _gelu_grad(n: Any, g: Tensor) -> tuple:
    x = n.saved_input(0)
    return (g * (_normal_cdf(x) + x * _normal_pdf(x)),)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x * Phi(x)``; ``approximate='tanh'``:
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    _check_input("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating_only(input, "GeluKernelImpl")
    if approximate == "tanh":
        back = Formula(_gelu_tanh_grad, inputs="all")
        return _run("gelu", input, _gelu_tanh_values, back, fast32=k32.gelu_tanh)
    return _run("gelu", input, lambda v: v * special.ndtr(v), Formula(_gelu_grad, inputs="all"))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)``."""
    _check_input("silu", input)
    _floating_only(input, "silu_cpu")

    def grad(n: Any, g: Tensor) -> tuple:
        x = n.saved_input(0)
        s = sigmoid(x)
        return (g * (s * (x * (1 - s) + 1)),)

    back = Formula(grad, inputs="all")
    return _run("silu", input, lambda v: v * special.expit(v), back, inplace, fast32=k32.silu)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``."""
    _check_input("softplus", input)
    _floating_only(input, "softplus_cpu")
    back = None
    if input._requires_grad:
        linear = _const(input, _wide(input._data) * beta > threshold)

        def grad(n: Any, g: Tensor) -> tuple:
            s = sigmoid(n.saved_input(0) * beta)
            return (g * (s * (1 - linear) + linear),)

        back = Formula(grad, inputs="all")

    def values(v: np.ndarray) -> np.ndarray:
        bv = v * beta
        return np.where(bv > threshold, v, np.logaddexp(0.0, bv) / beta)

    fast = lambda a: k32.softplus(a, beta, threshold)  # noqa: E731
    return _run("softplus", input, values, back, fast32=fast)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow."""
    _check_input("log_sigmoid", input)
    _floating_only(input, "log_sigmoid_cpu")
    back = Formula(lambda n, g: (g * sigmoid(-n.saved_input(0)),), inputs="all")
    values = lambda v: -np.logaddexp(0.0, -v)  # noqa: E731
    return _run("log_sigmoid", input, values, back, fast32=k32.logsigmoid)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``."""
    return input - input.tanh()
