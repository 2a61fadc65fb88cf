"""Python operators (+ - * / // % ** neg abs, comparisons, & | ^ ~) with torch's type
promotion, plus ``equal`` and ``allclose``."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from . import _dtypes
from ._conversion import cast_array
from ._device import device, to_device
from ._dtypes import dtype
from ._fpstate import quiet
from ._ops import apply_inplace, apply_op
from ._promotion import operand_result_type
from ._scalars import wrapped_scalar
from ._strides import broadcast_shapes
from ._tensor import Tensor
from .autograd import _formulas as grads

__all__ = ["binary", "equal", "allclose", "isclose"]

def _trunc_divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x / y`` rounded toward zero (C's integer division; ``trunc`` of the float quotient)."""
    if x.dtype.kind in "iub":
        q = np.floor_divide(x, y)
        return q + ((q * y != x) & ((x < 0) != (y < 0))).astype(q.dtype)
    return np.trunc(np.true_divide(x, y))


_ARITH = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "floor_divide": np.floor_divide,
    "div_trunc": _trunc_divide,
    "div_floor": np.floor_divide,
    "remainder": np.mod,
    "pow": np.power,
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
}
_COMPARE = {"eq", "ne", "lt", "le", "gt", "ge"}
_BITWISE = {"bitwise_and", "bitwise_or", "bitwise_xor"}
_UNRESTRICTED = {"add", "mul", "div", "eq", "ne"}  # no dtype or value is refused
_KERNEL_NAMES = {
    "floor_divide": "div_floor_cpu",
    "div_trunc": "div_trunc_cpu",
    "div_floor": "div_floor_cpu",
    "remainder": "remainder_cpu",
    "pow": "pow",
}


def _operand_kind(x) -> tuple | type:
    """What promotion reads of an operand."""
    return (x._dtype, x._data.ndim > 0) if isinstance(x, Tensor) else type(x)


def _resolve_dtype(name: str, a, b) -> tuple[dtype, dtype]:
    common = operand_result_type(a, b)
    if name in _COMPARE:
        return common, _dtypes.bool
    if name == "div" and common._kind in "ib":
        common = _dtypes.get_default_dtype()
    return common, common


def _is_bool(x) -> bool:
    return (x._dtype is _dtypes.bool) if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _check(name: str, a, b, common: dtype) -> None:
    """torch's per-op dtype restrictions, with its exception classes and messages."""
    if name in _UNRESTRICTED:
        return
    if name == "sub" and _is_bool(a) and _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not "
            "supported. Use the `^` or `logical_xor()` operator instead."
        )
    if name == "sub" and (_is_bool(a) or _is_bool(b)):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` "
            "operator instead."
        )
    if (
        name in _KERNEL_NAMES
        and common is _dtypes.bool
        and not (name == "pow" and not isinstance(b, Tensor))
    ):
        raise NotImplementedError(f"\"{_KERNEL_NAMES[name]}\" not implemented for 'Bool'")
    if name in _BITWISE and common._kind not in "ib":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{common._scalar_name}'")
    if name in ("lt", "le", "gt", "ge") and common.is_complex:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{common._scalar_name}'")
    if name in ("floor_divide", "remainder") and common.is_complex:
        raise RuntimeError(f"{name} does not support complex inputs")
    if name in ("div_trunc", "div_floor") and common.is_complex:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{common._scalar_name}'")
    if (
        name == "pow"
        and common._kind == "i"
        and not isinstance(b, Tensor)
        and isinstance(b, numbers.Integral)
        and b < 0
    ):
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def _operand(x, common: dtype, dev: device):
    """A scalar operand as a 0-d array of ``common`` on the tensor operand's device."""
    if isinstance(x, Tensor):
        return None
    arr = wrapped_scalar(x, common)
    return arr if dev.type == "cpu" else to_device(arr, dev)


def _kernel(name: str, common: dtype, out_dtype: dtype, cast: bool = True) -> Callable:
    """The array function of ``name`` computing in ``common`` (made once per dtype pair);
    ``cast=False``: both operands' arrays have that dtype already."""
    key = (name, common, out_dtype, cast)
    fn = _KERNELS.get(key)
    if fn is None:
        fn = _KERNELS[key] = _make_kernel(name, common, out_dtype, cast)
    return fn


_KERNELS: dict[tuple, Callable] = {}


def _make_kernel(name: str, common: dtype, out_dtype: dtype, cast: bool) -> Callable:
    ufunc = _ARITH[name]
    integral = common._kind in "ib"
    zero_check = integral and name in ("floor_divide", "div_floor", "div_trunc", "remainder")
    int_pow = integral and name == "pow"

    def direct(x, y):
        with quiet():
            return ufunc(x, y).astype(out_dtype._np, copy=False)

    if not (cast or zero_check or int_pow):
        return direct

    def fn(x, y):
        x, y = cast_array(x, common), cast_array(y, common)
        if zero_check and np.any(y == 0):
            raise RuntimeError("ZeroDivisionError")
        with quiet():
            if int_pow:
                r = _int_pow(
                    x.astype(np.int8) if common._kind == "b" else x,
                    y.astype(np.int8) if common._kind == "b" else y,
                )
            else:
                r = ufunc(x, y)
        return r.astype(out_dtype._np, copy=False)

    return fn


def _int_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Integer power where negative exponents give torch's 0 / 1 / -1 results."""
    y_safe = np.where(y < 0, 0, y)
    r = np.power(x, y_safe)
    neg = y < 0
    if np.any(neg):
        one = x == 1
        minus_one_odd = (x == -1) & (y % 2 != 0)
        minus_one_even = (x == -1) & (y % 2 == 0)
        r = np.where(neg, np.where(one | minus_one_even, 1, np.where(minus_one_odd, -1, 0)), r)
    return r.astype(x.dtype)


def _plan(name: str, a, b) -> tuple[dtype, dtype, Callable]:
    """``(computation dtype, result dtype, kernel)`` of ``a <op> b`` after torch's dtype
    checks, remembered per kind of operand (checks that read a value run every call)."""
    kinds = _operand_kind(a), _operand_kind(b)
    key = (name, *kinds, _dtypes.get_default_dtype())
    plan = _PLANS.get(key)
    if plan is None:
        common, out_dtype = _resolve_dtype(name, a, b)
        _check(name, a, b, common)
        # a scalar operand is made in the computation dtype (_operand), a tensor may differ
        cast = any(type(k) is tuple and k[0] is not common for k in kinds)
        plan = _PLANS[key] = (common, out_dtype, _kernel(name, common, out_dtype, cast))
    elif name == "pow" and not isinstance(b, Tensor):  # a negative integer exponent
        _check(name, a, b, plan[0])
    return plan


_PLANS: dict[tuple, tuple[dtype, dtype, Callable]] = {}


def binary(name: str, a, b) -> Tensor:
    """``a <op> b`` where at least one operand is a Tensor (the other may be a scalar)."""
    if not isinstance(b, (Tensor, numbers.Number, np.generic)):
        return NotImplemented
    common, out_dtype, fn = _plan(name, a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._data.shape != b._data.shape:
            broadcast_shapes(a._data.shape, b._data.shape)
        return apply_op(name, fn, a, b, dtype=out_dtype, backward=grads.binary(name))
    t, scalar = (a, b) if isinstance(a, Tensor) else (b, a)
    s = _operand(scalar, common, t._device)
    # the formula only matters (and is only built) when the tensor records a gradient
    back = grads.scalar_binary(name, scalar, tensor_first=t is a) if t._requires_grad else None
    op = (lambda x: fn(x, s)) if t is a else (lambda y: fn(s, y))
    return apply_op(name, op, t, dtype=out_dtype, backward=back)


def inplace(name: str, self: Tensor, other) -> Tensor:
    """``self <op>= other``: result cast back into ``self`` (torch's can_cast check)."""
    if not isinstance(other, (Tensor, numbers.Number, np.generic)):
        return NotImplemented
    common, out_dtype, fn = _plan(name, self, other)
    if not _dtypes.can_cast(out_dtype, self._dtype):
        raise RuntimeError(
            f"result type {out_dtype._scalar_name} can't be cast to the desired "
            f"output type {self._dtype._scalar_name}"
        )
    if isinstance(other, Tensor):
        shape = broadcast_shapes(self.shape, other.shape)
        if shape != tuple(self.shape):
            raise RuntimeError(
                f"output with shape [{', '.join(map(str, self.shape))}] doesn't "
                f"match the broadcast shape [{', '.join(map(str, shape))}]"
            )

        def write(dst, o):
            dst[...] = cast_array(fn(dst, o), self._dtype)

        return apply_inplace(name + "_", write, self, other, backward=grads.binary(name))
    scalar = _operand(other, common, self._device)

    def write_s(dst):
        dst[...] = cast_array(fn(dst, scalar), self._dtype)

    back = grads.scalar_binary(name, other, tensor_first=True)
    return apply_inplace(name + "_", write_s, self, backward=back)


def reciprocal(self: Tensor) -> Tensor:
    """``1 / self`` (integers promote to the default float dtype)."""
    dt = self._dtype if self._dtype._kind in "fc" else _dtypes.get_default_dtype()
    return apply_op(
        "reciprocal",
        lambda a: _safe(np.reciprocal, cast_array(a, dt)),
        self,
        dtype=dt,
        backward=grads.UNARY["reciprocal"],
    )


def rdiv(self: Tensor, other) -> Tensor:
    """``other / self`` computed as torch does: ``self.reciprocal() * other``."""
    if not isinstance(other, (Tensor, numbers.Number, np.generic)):
        return NotImplemented
    return binary("mul", reciprocal(self), other)


def _safe(fn, *args):
    with quiet():
        return fn(*args)


def neg(self: Tensor) -> Tensor:
    """``-self``."""
    if self._dtype is _dtypes.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If "
            "you are trying to invert a mask, use the `~` or `logical_not()` "
            "operator instead."
        )
    return apply_op("neg", np.negative, self, backward=grads.UNARY["neg"])


def abs(self: Tensor) -> Tensor:  # noqa: A001
    """``abs(self)`` (complex -> real magnitude)."""
    if self._dtype is _dtypes.bool:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return apply_op("abs", np.abs, self, dtype=self._dtype.to_real(), backward=grads.UNARY["abs"])


def bitwise_not(self: Tensor) -> Tensor:
    """``~self`` for integer and bool tensors."""
    if self._dtype._kind not in "ib":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return apply_op("bitwise_not", np.invert, self)


def positive(self: Tensor) -> Tensor:
    """``+self``."""
    if self._dtype is _dtypes.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both have the same size and elements (values compared after promotion)."""
    if input.shape != other.shape:
        return False
    common = _dtypes.promote_types(input._dtype, other._dtype)
    return bool(np.array_equal(cast_array(input._data, common), cast_array(other._data, common)))


def isclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,  # noqa: A002
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|``."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype._scalar_name} did not match {other._dtype._scalar_name}")
    broadcast_shapes(input.shape, other.shape)

    def fn(a, b):
        if input._dtype._kind in "ib":
            a, b = a.astype(np.float64), b.astype(np.float64)
        with quiet():
            return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)

    return apply_op("isclose", fn, input, other, dtype=_dtypes.bool, differentiable=False)


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,  # noqa: A002
    equal_nan: bool = False,
) -> bool:
    """True when all elements are ``isclose``."""
    return bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))
