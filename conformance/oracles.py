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


def reduce_axes(dim: Any, ndim: int, empty_is_all: bool = True) -> int | tuple[int, ...] | None:
    """The numpy ``axis`` a torch reduction over ``dim`` (None, an int or a sequence) uses.

    None and, unless ``empty_is_all`` is False (all/any, where ``()`` reduces nothing), an
    empty sequence mean every dim; an int stays an int (so argmax can take it); a 0-dim
    input is reduced as a whole.
    """
    if ndim == 0 or dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if not dim:
            return None if empty_is_all else ()
        return tuple(d % ndim for d in dim)
    return dim % ndim


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


def topk_indices(x: np.ndarray, k: int, dim: int = -1, largest: bool = True) -> np.ndarray:
    """The indices of torch.topk's (sorted) values: NaN counts as larger than every number;
    among ties, the first comes first."""
    if x.ndim == 0:
        return np.zeros((), np.int64)
    d = dim % x.ndim
    wide = x.astype(np.float32) if x.dtype.kind == "V" or x.dtype == np.float16 else x
    order = np.argsort(wide, axis=d, kind="stable")  # ascending, NaN last
    if largest:
        order = np.flip(order, axis=d)
    return np.take(order, np.arange(k), axis=d)


def topk_values(x: np.ndarray, k: int, dim: int = -1, largest: bool = True) -> np.ndarray:
    """The values torch.topk returns (sorted): NaN counts as larger than every number."""
    if x.ndim == 0:
        return x.copy()
    picked = np.take_along_axis(x, topk_indices(x, k, dim, largest), axis=dim % x.ndim)
    return np.ascontiguousarray(picked)


def searchsorted_rows(seq: np.ndarray, values: Any, right: bool = False) -> np.ndarray:
    """torch.searchsorted as int64: ``seq`` 1-D, or rows matching ``values``' leading dims."""
    side = "right" if right else "left"
    seq, values = _comparable(np.asarray(seq)), _comparable(np.asarray(values))
    if seq.ndim == 1:
        return np.asarray(np.searchsorted(seq, values, side=side), dtype=np.int64)
    n = int(np.prod(seq.shape[:-1]))
    rows, vals = seq.reshape(n, seq.shape[-1]), values.reshape(n, values.shape[-1])
    out = np.zeros(vals.shape, np.int64)
    for i in range(n):
        out[i] = np.searchsorted(rows[i], vals[i], side=side)
    return out.reshape(values.shape)


def _comparable(x: np.ndarray) -> np.ndarray:
    """float16/bfloat16 as float32 (exact) so numpy can compare them."""
    return x.astype(np.float32) if x.dtype.kind == "V" or x.dtype == np.float16 else x


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return {np.dtype(np.complex64): np.dtype(np.float32)}.get(
        np.dtype(dtype), np.dtype(np.float64) if np.dtype(dtype).kind == "c" else np.dtype(dtype)
    )


def vector_norm(x: np.ndarray, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
    """torch.linalg.vector_norm computed in float64, as torch's (real) result dtype.

    Like torch, |x|, |x|**ord and their sum are rounded to the dtype torch accumulates in
    (float64 for float64/complex128 inputs, float32 for the others): they overflow to inf, or
    underflow to 0, past its range. Where every reduced dim has size 1, torch returns |x|
    itself (a 0-dim input with an explicit dim takes the general path).
    """
    real = _real_dtype(x.dtype)
    acc = np.float64 if real == np.float64 else np.float32
    every = dim is None or dim == () or dim == []
    axis = None if x.ndim == 0 or every else axes(dim, x.ndim)
    p = float(ord)
    with np.errstate(all="ignore"):
        a = _rounded(np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)), acc)
        if p == 0:
            r = np.sum(a != 0, axis=axis, keepdims=keepdim).astype(np.float64)
        elif (x.ndim or every) and _one_element(x.shape, axis):
            r = np.sum(a, axis=axis, keepdims=keepdim)
        elif p == np.inf:
            r = np.max(a, axis=axis, keepdims=keepdim)
        elif p == -np.inf:
            r = np.min(a, axis=axis, keepdims=keepdim)
        else:
            total = np.sum(_rounded(a**p, acc), axis=axis, keepdims=keepdim)
            r = _rounded(total, acc) ** (1.0 / p)
        return np.asarray(r).astype(real)


def _one_element(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> bool:
    """Whether every dim reduced over (all of them for None) has size 1."""
    return all(shape[d] == 1 for d in (range(len(shape)) if axis is None else axis))


def _rounded(values: Any, dtype: Any) -> np.ndarray:
    """float64 ``values`` rounded to ``dtype`` and back: its overflow and underflow, kept exact."""
    return np.asarray(values).astype(dtype).astype(np.float64)


def matrix_norm(A: np.ndarray, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False) -> Any:  # noqa: A002, N803
    """torch.linalg.matrix_norm computed in float64 (SVD by numpy), as torch's result dtype."""
    d0, d1 = (d % A.ndim for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    real = _real_dtype(A.dtype)
    wide = A.astype(np.complex128 if A.dtype.kind == "c" else np.float64)
    m = np.moveaxis(wide, (d0, d1), (-2, -1))
    with np.errstate(all="ignore"):
        if ord == "nuc" or ord in (2, -2):
            sv = np.linalg.svd(m, compute_uv=False)
            r = sv.sum(-1) if ord == "nuc" else sv.max(-1) if ord == 2 else sv.min(-1)
        else:
            sums = np.abs(m).sum(-2 if abs(ord) == 1 else -1)
            r = sums.max(-1) if ord > 0 else sums.min(-1)
    if keepdim:
        r = np.expand_dims(r, tuple(sorted((d0, d1))))
    return np.asarray(r).astype(real)


ORACLE_HELPERS = {
    "axes": axes,
    "crop": crop,
    "squeezable": squeezable,
    "reduce_axes": reduce_axes,
    "result_type": result_type,
    "promote_types": promote_types,
    "to_floating": to_floating,
    "sum_dtype": sum_dtype,
    "topk_indices": topk_indices,
    "topk_values": topk_values,
    "searchsorted_rows": searchsorted_rows,
    "vector_norm": vector_norm,
    "matrix_norm": matrix_norm,
}
