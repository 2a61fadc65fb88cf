"""Searching: ``topk`` (NaN counts as the largest value) and ``searchsorted`` (torch's
binary search, including its behaviour on NaN)."""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._conversion import cast_array, write_out
from ._dtypes import c_name
from ._ops import apply_op
from ._promotion import operand_result_type
from ._reductions import return_types
from ._scalars import int_argument, wrapped_scalar
from ._strides import format_shape, wrap_dim
from ._tensor import Tensor
from .autograd import _formulas as grads

__all__ = ["topk", "searchsorted"]


def check_out_dtype(out: Tensor, expected: _dtypes.dtype) -> None:
    """A structured op's out= tensor must have exactly the result dtype."""
    if out._dtype is not expected:
        raise RuntimeError(
            f"Expected out tensor to have dtype {c_name(expected)}, but got "
            f"{c_name(out._dtype)} instead"
        )


def _descending_order(a: np.ndarray, kind: str) -> np.ndarray:
    """Stable argsort along the last axis, largest first, NaN before everything."""
    if kind == "f":
        nan = np.isnan(a)
        return np.lexsort((-a, ~nan), axis=-1)
    return np.argsort(~a, axis=-1, kind="stable")


def _first_k(key: np.ndarray, k: int, largest: bool, kind: str) -> np.ndarray:
    """Indices of the first ``k`` along the last axis in the stable order of ``key``
    (largest first, or smallest first; NaN counts as the largest value)."""
    if k > 0 and 4 * k <= key.shape[-1]:
        found = _first_k_of_candidates(key, k, largest)
        if found is not None:
            return found
    rank = _rank(key, largest)
    if rank is None:  # 64-bit values: no room for the index beside them
        order = _descending_order(key, kind) if largest else np.argsort(key, -1, kind="stable")
        return order[..., :k]
    packed = _packed(rank)
    if 0 < k < key.shape[-1]:
        packed = np.partition(packed, k - 1, axis=-1)[..., :k]
    return np.sort(packed, axis=-1)[..., :k] & 0xFFFFFFFF


def _first_k_of_candidates(key: np.ndarray, k: int, largest: bool) -> np.ndarray | None:
    """``_first_k`` sorting only the candidates: the positions whose value is at least each
    row's k-th largest (at most its k-th smallest). None for NaN (whose place a partition of
    the values does not give) or when ties make the candidates many."""
    rows = key.reshape(-1, key.shape[-1])
    if rows.dtype.kind == "f" and np.isnan(rows).any():
        return None
    n = rows.shape[-1]
    at = n - k if largest else k - 1
    kth = np.partition(rows, at, axis=-1)[:, at : at + 1]
    flat = np.flatnonzero(rows >= kth if largest else rows <= kth)
    if len(flat) > 2 * k * len(rows) + 64:
        return None
    row, col = np.divmod(flat, n)
    values = rows.ravel()[flat]
    if values.dtype.kind == "f":
        values = values + values.dtype.type(0)  # -0.0 and +0.0 alike
    order_key = (-values if values.dtype.kind == "f" else ~values) if largest else values
    if len(flat) == k * len(rows):  # no tie at the k-th value: k candidates a row
        col, order_key = col.reshape(-1, k), order_key.reshape(-1, k)
        picks = np.take_along_axis(col, np.lexsort((col, order_key), axis=-1), axis=-1)
    else:
        order = np.lexsort((col, order_key, row))  # by row, then value, then position
        starts = np.searchsorted(row[order], np.arange(len(rows)))
        picks = col[order][starts[:, None] + np.arange(k)]
    return picks.reshape(*key.shape[:-1], k)


def _rank(key: np.ndarray, largest: bool) -> np.ndarray | None:
    """int32 ranks whose ascending order is the wanted order of ``key``, equal for equal
    values (-0.0 and +0.0 alike, every NaN alike and above +inf). None for 64-bit values or
    rows of 2**32 or more."""
    if key.dtype.itemsize > 4 or key.shape[-1] >= 2**32 or key.dtype == np.uint32:
        return None
    if key.dtype.kind == "f":
        rank = (key.astype(np.float32, copy=False) + np.float32(0)).view(np.int32)  # -0.0: +0
        rank ^= (rank >> 31) & 0x7FFFFFFF  # the float order as an int32 order
        rank[np.isnan(key)] = 2**31 - 1
    else:
        rank = key.astype(np.int32)
    return np.invert(rank, out=rank) if largest else rank


def _packed(rank: np.ndarray) -> np.ndarray:
    """int64 sort keys, unique along the last axis: the rank in the high 32 bits, the position
    in the low 32 (ascending order: the stable order of the ranks)."""
    packed = rank.astype(np.int64)
    packed <<= 32
    packed |= np.arange(rank.shape[-1], dtype=np.int64)
    return packed


def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
    *,
    out=None,
):
    """The ``k`` largest (or smallest) elements along ``dim`` as (values, indices)."""
    k = int_argument(k, "topk(): argument 'k' (position 2)")
    if out is not None:
        if not isinstance(out, (tuple, list)):
            raise TypeError(
                f"topk(): argument 'out' must be tuple of Tensors, not {type(out).__name__}"
            )
        if len(out) != 2:
            raise TypeError(f"expected tuple of 2 elements but got {len(out)}")
    dt = input._dtype
    d = wrap_dim(int(dim), input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if dt is _dtypes.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if dt.is_complex:
        raise RuntimeError(" topk does not support complex dtypes on CPU")

    def fn(a):
        if a.ndim == 0:
            return a.copy(), np.zeros((), np.int64)
        moved = np.moveaxis(a, d, -1)
        key = moved.astype(np.float32) if dt in (_dtypes.float16, _dtypes.bfloat16) else moved
        idx = _first_k(key, k, largest, "f" if dt.is_floating_point else "i")
        vals = np.take_along_axis(moved, idx, axis=-1)
        return (
            np.asarray(np.moveaxis(vals, -1, d), order="C"),
            np.asarray(np.moveaxis(idx, -1, d).astype(np.int64), order="C"),
        )

    back = grads.selected(d if input.ndim else 0, True, tuple(input.shape))
    values, indices = apply_op("topk", fn, input, backward=back)
    if out is not None:
        check_out_dtype(out[0], dt)
        check_out_dtype(out[1], _dtypes.int64)
        values = write_out(out[0], values, "topk")
        indices = write_out(out[1], indices, "topk")
        return return_types.topk_out((values, indices))
    return return_types.topk((values, indices))


def _sorted_search(bd: np.ndarray, vals: np.ndarray, right: bool) -> np.ndarray | None:
    """numpy's searchsorted row by row when every row of ``bd`` (R, M) is sorted and free of
    NaN: the insertion point is then unique, so any binary search finds torch's (a NaN value
    goes last in both). None otherwise, or for no rows or many (one call each)."""
    if not 0 < bd.shape[0] <= 64 or not np.all(bd[:, 1:] >= bd[:, :-1]):
        return None
    if bd.dtype.kind == "f" and np.isnan(bd).any():
        return None
    side = "right" if right else "left"
    return np.stack([np.searchsorted(b, v, side) for b, v in zip(bd, vals, strict=True)])


def _binary_search(bd: np.ndarray, vals: np.ndarray, right: bool) -> np.ndarray:
    """torch's cus_lower_bound / cus_upper_bound, row by row (``bd``: (R, M), ``vals``:
    (R, N)), with its exact comparisons (so NaN behaves as in torch)."""
    m = bd.shape[-1]
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, m, np.int64)
    if m == 0:
        return start
    while True:
        active = start < end
        if not active.any():
            return start
        mid = start + ((end - start) >> 1)
        mid_val = np.take_along_axis(bd, np.minimum(mid, m - 1), axis=-1)
        with np.errstate(invalid="ignore"):
            go_right = ~(mid_val > vals) if right else ~(mid_val >= vals)
        start = np.where(active & go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)


def searchsorted(
    sorted_sequence: Tensor,
    input,  # noqa: A002
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    out: Tensor | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Indices where ``input`` would be inserted into the innermost dim of
    ``sorted_sequence`` to keep it sorted (``side='right'``/``right=True``: after equals)."""
    bd = sorted_sequence
    out_dt = _dtypes.int32 if out_int32 else _dtypes.int64
    if out is not None and out._dtype is not out_dt:
        raise RuntimeError(
            "torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) "
            "or Long(int64) depending on whether out_int32 flag is True, but we got output "
            f"tensor's dtype {out._dtype._scalar_name} and out_int32 flag is "
            f"{'True' if out_int32 else 'False'}"
        )
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if side == "left" and right:
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    if sorter is not None:
        if sorter._dtype is not _dtypes.int64:
            raise RuntimeError(
                "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                f"{sorter._dtype._scalar_name}"
            )
        if tuple(sorter.shape) != tuple(bd.shape):
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {format_shape(bd.shape)}and got sorter tensor "
                f"{format_shape(sorter.shape)}"
            )
    if bd.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    scalar = not isinstance(input, Tensor)
    if (scalar or input.ndim == 0) and bd.ndim != 1:
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({bd.ndim}) and input value's "
            "dim(0) numel(1)"
        )
    if (
        not scalar
        and bd.ndim != 1
        and (bd.ndim != input.ndim or tuple(bd.shape[:-1]) != tuple(input.shape[:-1]))
    ):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {format_shape(bd.shape)} and input value tensor "
            f"{format_shape(input.shape)}"
        )
    common = operand_result_type(bd, input)
    if common._kind in "bc":
        raise NotImplementedError(
            f"\"searchsorted_out_cpu\" not implemented for '{common._scalar_name}'"
        )
    comp = _dtypes.float32 if common in (_dtypes.float16, _dtypes.bfloat16) else common
    sorter_arr = None
    if sorter is not None:
        sorter_arr = sorter._data
        if sorter_arr.size and (sorter_arr.min() < 0 or sorter_arr.max() >= bd.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")

    def fn(b, v):
        b = cast_array(cast_array(b, common), comp)
        v = cast_array(cast_array(v, common), comp)
        if sorter_arr is not None:
            b = np.take_along_axis(b, sorter_arr, axis=-1)
        shape = v.shape
        if b.ndim == 1:
            rows_b, rows_v = b.reshape(1, -1), v.reshape(1, -1)
        else:
            rows_b = b.reshape(int(np.prod(b.shape[:-1])), b.shape[-1])
            rows_v = v.reshape(rows_b.shape[0], v.shape[-1])
        r = _sorted_search(rows_b, rows_v, right)
        if r is None:
            r = _binary_search(rows_b, rows_v, right)
        return r.reshape(shape).astype(out_dt._np, copy=False)

    if scalar:
        value = wrapped_scalar(input, common)
        result = apply_op("searchsorted", lambda b: fn(b, value), bd, dtype=out_dt)
    else:
        result = apply_op("searchsorted", fn, bd, input, dtype=out_dt)
    return result if out is None else write_out(out, result, "searchsorted")
