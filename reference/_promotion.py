"""torch's type promotion for op operands (tensors, 0-dim tensors and Python scalars)."""

from __future__ import annotations

import numbers

import numpy as np

from . import _dtypes
from ._dtypes import category, dtype, promote_types
from ._tensor import Tensor

__all__ = ["result_type", "scalar_dtype", "operand_result_type"]


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python scalar turned into a tensor (numpy scalars keep theirs)."""
    if isinstance(value, np.generic):
        found = _dtypes.from_numpy_dtype(value.dtype)
        if found is not None:
            return found
    if isinstance(value, (bool, np.bool_)):
        return _dtypes.bool
    if isinstance(value, numbers.Integral):
        return _dtypes.int64
    if isinstance(value, numbers.Real):
        return _dtypes.get_default_dtype()
    if isinstance(value, numbers.Complex):
        return _dtypes.get_default_complex_dtype()
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def _wrapped_dtype(value) -> dtype:
    """Category dtype of a Python scalar operand (a 'wrapped number' in torch)."""
    if isinstance(value, (bool, np.bool_)):
        return _dtypes.bool
    if isinstance(value, numbers.Integral):
        return _dtypes.int64
    if isinstance(value, numbers.Real):
        return _dtypes.get_default_dtype()
    if isinstance(value, numbers.Complex):
        return _dtypes.get_default_complex_dtype()
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def _promote(a: dtype | None, b: dtype) -> dtype:
    return b if a is None else promote_types(a, b)


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """c10's combine_categories: a lower-priority operand only raises the category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is _dtypes.bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def operand_result_type(*operands) -> dtype:
    """Result dtype for tensors (dim > 0), 0-dim tensors and Python scalars together."""
    dim = zero = wrapped = None
    for op in operands:
        if isinstance(op, Tensor):
            if op.ndim > 0:
                dim = _promote(dim, op._dtype)
            else:
                zero = _promote(zero, op._dtype)
        else:
            wrapped = _promote(wrapped, _wrapped_dtype(op))
    return _combine(dim, _combine(zero, wrapped))


def result_type(tensor1, tensor2) -> dtype:
    """The dtype an arithmetic op on the two operands would produce (``torch.result_type``)."""
    return operand_result_type(tensor1, tensor2)


def category_of(value) -> int:
    """Promotion category (0 bool .. 3 complex) of a tensor or scalar operand."""
    return category(value._dtype if isinstance(value, Tensor) else _wrapped_dtype(value))
