"""Binds the op functions onto ``Tensor`` as methods, properties and Python operators, and
the legacy constructor ``Tensor(...)``, ``repr``, ``backward`` and ``register_hook``."""

from __future__ import annotations

from . import (
    _arith,
    _conversion,
    _creation,
    _dtypes,
    _functions,
    _indexing,
    _joining,
    _legacy,
    _matmul,
    _norm,
    _pointwise,
    _printing,
    _random,
    _reductions,
    _searching,
    _sparse,
    _views,
    autograd,
)
from ._tensor import Tensor
from .autograd import _graph

_OPERATORS = {
    "add": "add",
    "sub": "sub",
    "mul": "mul",
    "truediv": "div",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "pow": "pow",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
}
_COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
_CASTS = {
    "float": _dtypes.float32,
    "double": _dtypes.float64,
    "half": _dtypes.float16,
    "bfloat16": _dtypes.bfloat16,
    "int": _dtypes.int32,
    "long": _dtypes.int64,
    "short": _dtypes.int16,
    "char": _dtypes.int8,
    "byte": _dtypes.uint8,
    "bool": _dtypes.bool,
    "cfloat": _dtypes.complex64,
    "cdouble": _dtypes.complex128,
}


def _forward(op: str):
    def method(self, other):
        return _arith.binary(op, self, other)

    method.__name__ = op
    return method


def _div(self, other, *, rounding_mode=None):
    """``Tensor.div`` with torch's rounding modes."""
    return _functions.div(self, other, rounding_mode=rounding_mode)


def _reflected(op: str):
    def method(self, other):
        return _arith.binary(op, other, self)

    return method


def _inplace(op: str):
    def method(self, other):
        return _arith.inplace(op, self, other)

    method.__name__ = op + "_"
    return method


def _alpha(op: str):
    def method(self, other, *, alpha=1):
        if alpha != 1:
            other = other * alpha
        return _arith.binary(op, self, other)

    method.__name__ = op
    return method


def _cast(dt: _dtypes.dtype):
    def method(self, memory_format=None):
        return _conversion.to(self, dtype=dt)

    method.__doc__ = f"``self.to({dt})``."
    return method


def _legacy_new(cls, *args, **kwargs) -> Tensor:
    """``Tensor(...)``: torch's legacy constructor, in the default dtype."""
    return _legacy.legacy_new(_dtypes.get_default_dtype(), *args, strict=False, **kwargs)


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _data_get(self):
    """Like ``detach()``, but with its own version counter: writes through ``.data`` are
    invisible to autograd's checks, as in torch."""
    out = _conversion.detach(self)
    out._version_box = [0]
    return out


def _data_set(self, value: Tensor) -> None:
    self._data, self._dtype, self._device = value._data, value._dtype, value._device
    self._storage_ptr = value._storage_ptr


#: Binary arithmetic methods besides add/sub (which take ``alpha``).
_BINARY = (
    "mul",
    "div",
    "floor_divide",
    "remainder",
    "pow",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
)


def bind() -> None:
    """Attach every method to the Tensor class (idempotent)."""
    Tensor.__new__ = staticmethod(_legacy_new)
    Tensor.__repr__ = Tensor.__str__ = _printing.tensor_repr
    Tensor.backward, Tensor.register_hook = _backward, _graph.register_hook
    for py, op in _OPERATORS.items():
        setattr(Tensor, f"__{py}__", _forward(op))
        setattr(Tensor, f"__r{py}__", _reflected(op))
        setattr(Tensor, f"__i{py}__", _inplace(op))
    for op in ("add", "sub"):
        setattr(Tensor, op, _alpha(op))
    for op in (*_BINARY, *_COMPARISONS):
        setattr(Tensor, op, _forward(op))
    for op in ("add", "sub", *_BINARY):
        setattr(Tensor, op + "_", _inplace(op))
    for op in _COMPARISONS:
        setattr(Tensor, f"__{op}__", _forward(op))
    Tensor.__rtruediv__ = Tensor.__rdiv__ = _arith.rdiv
    Tensor.reciprocal = _arith.reciprocal
    Tensor.true_divide = Tensor.div
    Tensor.div = Tensor.divide = _div
    Tensor.multiply, Tensor.subtract = Tensor.mul, Tensor.sub
    Tensor.__neg__ = Tensor.neg = Tensor.negative = _arith.neg
    Tensor.__abs__ = Tensor.abs = Tensor.absolute = _arith.abs
    Tensor.__invert__ = Tensor.bitwise_not = _arith.bitwise_not
    Tensor.__pos__ = _arith.positive
    Tensor.equal, Tensor.allclose, Tensor.isclose = _arith.equal, _arith.allclose, _arith.isclose
    Tensor.__getitem__, Tensor.__setitem__ = _indexing.getitem, _indexing.setitem
    for name in (
        "view",
        "view_as",
        "reshape",
        "reshape_as",
        "flatten",
        "unflatten",
        "permute",
        "movedim",
        "transpose",
        "swapaxes",
        "swapdims",
        "t",
        "expand",
        "expand_as",
        "narrow",
        "transpose_",
        "select",
        "unbind",
        "as_strided",
    ):
        setattr(Tensor, name, getattr(_views, name))
    Tensor.T, Tensor.mT = property(_views.T), property(_views.mT)
    for name in ("squeeze", "unsqueeze", "chunk", "tensor_split", "split", "gather"):
        setattr(Tensor, name, getattr(_joining, name))
    for name in (
        "clone",
        "contiguous",
        "detach",
        "detach_",
        "to",
        "cpu",
        "cuda",
        "copy_",
        "fill_",
        "zero_",
    ):
        setattr(Tensor, name, getattr(_conversion, name))
    for name in ("new_tensor", "new_full", "new_empty", "new_zeros", "new_ones"):
        setattr(Tensor, name, getattr(_creation, name))
    for name, dt in _CASTS.items():
        setattr(Tensor, name, _cast(dt))
    Tensor.type = _legacy.tensor_type
    Tensor.data = property(_data_get, _data_set)
    Tensor.to_sparse = _sparse.to_sparse
    _bind_math()


def _bind_math() -> None:
    """Pointwise math, reductions and searching (``_pointwise``, ``_reductions``,
    ``_searching``)."""
    for name, (fn, inplace) in _pointwise.UNARY.items():
        setattr(Tensor, name, fn)
        setattr(Tensor, name + "_", inplace)
    Tensor.atan2 = Tensor.arctan2 = _pointwise.atan2_method
    Tensor.atan2_ = Tensor.arctan2_ = _pointwise.atan2_
    Tensor.maximum, Tensor.minimum = _pointwise.maximum_method, _pointwise.minimum_method
    Tensor.broadcast_to = _pointwise.broadcast_to
    for name in _reductions.METHODS:
        setattr(Tensor, name, getattr(_reductions, name))
    Tensor.norm = _norm.norm
    Tensor.topk = _searching.topk
    Tensor.uniform_, Tensor.normal_ = _random.uniform_, _random.normal_
    Tensor.random_ = _random.random_
    for name, method in _matmul.METHODS.items():
        setattr(Tensor, name, method)
