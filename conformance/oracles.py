"""Small numpy helpers that spec oracles may call where numpy's own API differs from torch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.compare import numpy_dtype
from spec import promotion


def axes(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int or a tuple) as non-negative axes of an ``ndim``-d array."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(d % max(ndim, 1) for d in dims)


def crop(x: np.ndarray, shape: tuple[int, ...], keep: int) -> np.ndarray:
    """``x`` cut down to ``shape`` in every dim except ``keep`` (gather reads that corner)."""
    keep = keep % max(x.ndim, 1)
    return x[tuple(slice(None) if d == keep else slice(0, s) for d, s in enumerate(shape))]


def squeezable(x: np.ndarray, dim: Any = None) -> tuple[int, ...]:
    """The axes among ``dim`` whose size is 1 (torch.squeeze ignores the others)."""
    return tuple(d for d in axes(dim, x.ndim) if x.ndim and x.shape[d] == 1)


def result_type(*operands: Any) -> np.dtype:
    """torch's result dtype of numpy arrays (0-dim ones as 0-dim tensors) and Python scalars."""
    return numpy_dtype(promotion.result_type(*operands))


def promote_types(a: Any, b: Any) -> np.dtype:
    """torch.promote_types of two dtypes."""
    return numpy_dtype(promotion.promote_types(a, b))


def to_floating(dtype: Any) -> np.dtype:
    """The result dtype of an op computing in floating point (bool/integers -> default float)."""
    return numpy_dtype(promotion.to_floating(dtype))


def sum_dtype(dtype: Any) -> np.dtype:
    """The result dtype of sum/cumsum without ``dtype=`` (bool/integers -> int64)."""
    return numpy_dtype(promotion.sum_dtype(dtype))


ORACLE_HELPERS = {
    "axes": axes,
    "crop": crop,
    "squeezable": squeezable,
    "result_type": result_type,
    "promote_types": promote_types,
    "to_floating": to_floating,
    "sum_dtype": sum_dtype,
}
