"""Pointwise math: trigonometric / hyperbolic functions (+ ``arc*`` aliases, in-place
forms, ``out=``), ``atan2``, ``maximum`` / ``minimum``, and ``broadcast_to`` /
``broadcast_tensors`` (expand views)."""

from __future__ import annotations

import functools

import numpy as np

from . import _dtypes
from ._conversion import cast_array, write_out
from ._dtypes import dtype
from ._fpstate import quiet
from ._ops import apply_inplace, apply_op
from ._promotion import operand_result_type
from ._strides import broadcast_shapes, format_shape
from ._tensor import Tensor
from ._views import expand
from .autograd._formulas import UNARY as UNARY_GRAD
from .autograd._formulas import binary as binary_grad

__all__ = [
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
    "atan2",
    "arctan2",
    "maximum",
    "minimum",
    "broadcast_to",
    "broadcast_tensors",
    "UNARY",
    "ALIASES",
]

_UFUNCS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
}
ALIASES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
}


def _check_tensor(name: str, value, arg: str, pos: int) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}(): argument '{arg}' (position {pos}) must be Tensor, "
            f"not {type(value).__name__}"
        )


def float_result(dt: dtype) -> dtype:
    """Result dtype of a floating op: integer and bool promote to the default dtype."""
    return dt if dt._kind in "fc" else _dtypes.get_default_dtype()


def opmath(dt: dtype) -> dtype:
    """Dtype the computation runs in: float16/bfloat16 compute in float32 (torch's opmath)."""
    return _dtypes.float32 if dt in (_dtypes.float16, _dtypes.bfloat16) else dt


@functools.cache
def _unary_kernel(name: str, out_dt: dtype):
    """The kernel of unary op ``name`` with result dtype ``out_dt`` (built once per pair)."""
    ufunc = _UFUNCS[name]
    comp = opmath(out_dt)

    def fn(a):
        with quiet():
            return cast_array(ufunc(cast_array(a, comp)), out_dt)

    return fn


def _check_inplace_cast(result: dtype, self_dt: dtype) -> None:
    if not _dtypes.can_cast(result, self_dt):
        raise RuntimeError(
            f"result type {result._scalar_name} can't be cast to the desired "
            f"output type {self_dt._scalar_name}"
        )


def _make_unary(name: str, public: str):
    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        _check_tensor(public, input, "input", 1)
        out_dt = float_result(input._dtype)
        result = apply_op(
            name, _unary_kernel(name, out_dt), input, dtype=out_dt, backward=UNARY_GRAD.get(name)
        )
        return result if out is None else write_out(out, result, public)

    def inplace(self: Tensor) -> Tensor:
        out_dt = float_result(self._dtype)
        _check_inplace_cast(out_dt, self._dtype)
        kernel = _unary_kernel(name, out_dt)

        def write(dst):
            dst[...] = cast_array(kernel(dst), self._dtype)

        return apply_inplace(name + "_", write, self, backward=UNARY_GRAD.get(name))

    fn.__name__, inplace.__name__ = public, public + "_"
    fn.__doc__ = f"Elementwise ``{name}`` (integer inputs promote to the default float dtype)."
    inplace.__doc__ = f"In-place ``{name}``."
    return fn, inplace


UNARY: dict[str, tuple] = {}
for _name in _UFUNCS:
    UNARY[_name] = _make_unary(_name, _name)
for _alias, _target in ALIASES.items():
    UNARY[_alias] = _make_unary(_target, _alias)

sin, sin_ = UNARY["sin"]
cos, cos_ = UNARY["cos"]
tan, tan_ = UNARY["tan"]
asin, asin_ = UNARY["asin"]
acos, acos_ = UNARY["acos"]
atan, atan_ = UNARY["atan"]
sinh, sinh_ = UNARY["sinh"]
cosh, cosh_ = UNARY["cosh"]
tanh, tanh_ = UNARY["tanh"]
asinh, asinh_ = UNARY["asinh"]
acosh, acosh_ = UNARY["acosh"]
atanh, atanh_ = UNARY["atanh"]
exp, exp_ = UNARY["exp"]
log, log_ = UNARY["log"]
sqrt, sqrt_ = UNARY["sqrt"]
arcsin, arcsin_ = UNARY["arcsin"]
arccos, arccos_ = UNARY["arccos"]
arctan, arctan_ = UNARY["arctan"]
arcsinh, arcsinh_ = UNARY["arcsinh"]
arccosh, arccosh_ = UNARY["arccosh"]
arctanh, arctanh_ = UNARY["arctanh"]


# ----- binary ---------------------------------------------------------------------------
def _binary_dtypes(
    name: str, a: Tensor, b: Tensor, floating: bool, inplace: bool = False
) -> tuple[dtype, dtype]:
    common = operand_result_type(a, b)
    if floating:
        common = float_result(common)
    if inplace:
        _check_inplace_cast(common, a._dtype)
    if common.is_complex:
        if name == "atan2":
            raise NotImplementedError(f"\"atan2_cpu\" not implemented for '{common._scalar_name}'")
        raise RuntimeError(f"{name} not implemented for complex tensors.")
    return opmath(common), common


def _binary_kernel(ufunc, comp: dtype, out_dt: dtype):
    def fn(x, y):
        with quiet():
            return cast_array(ufunc(cast_array(x, comp), cast_array(y, comp)), out_dt)

    return fn


def _make_binary(name: str, ufunc, floating: bool, aliases: tuple[str, ...] = ()):
    def fn(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        _check_tensor(name, input, "input", 1)
        _check_tensor(name, other, "other", 2)
        comp, out_dt = _binary_dtypes(name, input, other, floating)
        broadcast_shapes(input.shape, other.shape)
        result = apply_op(
            name,
            _binary_kernel(ufunc, comp, out_dt),
            input,
            other,
            dtype=out_dt,
            backward=binary_grad(name),
        )
        return result if out is None else write_out(out, result, name)

    def method(self: Tensor, other: Tensor) -> Tensor:
        _check_tensor(name, other, "other", 1)
        return fn(self, other)

    def inplace(self: Tensor, other: Tensor) -> Tensor:
        _check_tensor(name + "_", other, "other", 1)
        comp, out_dt = _binary_dtypes(name, self, other, floating, inplace=True)
        shape = broadcast_shapes(self.shape, other.shape)
        if shape != tuple(self.shape):
            raise RuntimeError(
                f"output with shape {format_shape(self.shape)} doesn't match the "
                f"broadcast shape {format_shape(shape)}"
            )
        kernel = _binary_kernel(ufunc, comp, out_dt)

        def write(dst, o):
            dst[...] = cast_array(kernel(dst, o), self._dtype)

        return apply_inplace(name + "_", write, self, other, backward=binary_grad(name))

    fn.__name__, method.__name__, inplace.__name__ = name, name, name + "_"
    return fn, method, inplace


atan2, atan2_method, atan2_ = _make_binary("atan2", np.arctan2, True)
arctan2 = atan2


def _extremum(ufunc, a, b):
    """``ufunc`` (np.maximum / np.minimum, which propagate NaN) with c10's ties: ``a`` wins
    them (so ``max(-0., 0.)`` is -0.), and every NaN is the canonical NaN."""
    r = np.asarray(ufunc(a, b))
    kind = _dtypes.array_kind(r.dtype)
    if kind == "f" and r.all() and not np.isnan(r).any():
        return r  # real ties differ in their bits only as zeros: no zero, no NaN, no fix
    if kind in "fc":
        np.copyto(r, np.broadcast_to(a, r.shape).astype(r.dtype, copy=False), where=a == b)
        nan = np.isnan(r)
        if nan.any():
            r[nan] = np.nan
    return r


def _maximum(a, b):
    """c10's ``std::max`` with NaN propagation (``a`` wins ties, so ``max(-0., 0.)`` is -0.)."""
    return _extremum(np.maximum, a, b)


def _minimum(a, b):
    """c10's ``std::min`` with NaN propagation (``a`` wins ties)."""
    return _extremum(np.minimum, a, b)


maximum, maximum_method, _ = _make_binary("maximum", _maximum, False)
minimum, minimum_method, _ = _make_binary("minimum", _minimum, False)
atan2.__doc__ = "Elementwise ``atan2(input, other)`` with quadrant (binary type promotion)."
maximum.__doc__ = "Elementwise maximum (NaN propagates)."
minimum.__doc__ = "Elementwise minimum (NaN propagates)."


# ----- broadcasting -----------------------------------------------------------------------
def broadcast_to(input: Tensor, size) -> Tensor:  # noqa: A002
    """``input.expand(size)``: a view with stride 0 along broadcast dims."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"broadcast_to(): argument 'size' (position 2) must be tuple of ints, not "
            f"{type(size).__name__}"
        )
    dims = []
    for i, s in enumerate(size):
        if isinstance(s, Tensor) and s.ndim == 0 and not s._dtype.is_floating_point:
            s = int(s.item())
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            if i == 0:
                raise TypeError(
                    "broadcast_to(): argument 'size' (position 2) must be tuple of ints, but "
                    f"found element of type {type(s).__name__} at pos 0"
                )
            raise TypeError(
                "broadcast_to(): argument 'size' failed to unpack the object at pos 2 with error "
                f'"type must be tuple of ints,but got {type(s).__name__}"'
            )
        dims.append(int(s))
    return expand(input, tuple(dims))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expand all tensors to their common broadcast shape (views)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    shape: tuple[int, ...] = ()
    for t in tensors:
        shape = broadcast_shapes(shape, tuple(t.shape))
    return tuple(expand(t, shape) for t in tensors)
