"""Joining, splitting and squeezing: cat/stack/gather (copies) and squeeze/unsqueeze/
chunk/tensor_split/split (views)."""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence

import numpy as np

from . import _dtypes
from ._conversion import cast_array, write_out
from ._device import module_of
from ._ops import apply_op, apply_view
from ._strides import contiguous_strides, format_shape, wrap_dim
from ._tensor import Tensor
from ._views import narrow, narrow_pieces, restride
from .autograd import _formulas as grads
from .autograd._scatter import along_positions

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "gather",
    "squeeze",
    "unsqueeze",
    "chunk",
    "tensor_split",
    "split",
]


def _tensor_list(tensors, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
            f"not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return list(tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Concatenate along ``dim`` (1-D empty tensors are skipped, dtypes promoted)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [t._data.shape for t in tensors]
    for i, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = _joined_dtype(tensors, out)
    kept = [i for i, shape in enumerate(shapes) if shape != (0,)]  # 1-D empty: skipped
    ref = shapes[kept[0]] if kept else shapes[0]
    d = wrap_dim(dim, len(ref))
    for i in kept:
        shape = shapes[i]
        if len(shape) != len(ref):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}"
            )
        for k, (n, want) in enumerate(zip(shape, ref, strict=True)):
            if k != d and n != want:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. "
                    f"Expected size {want} but got size {n} for tensor number {i} in the list."
                )
    keep = set(kept)

    def fn(*arrays):
        parts = [cast_array(a, dt) for i, a in enumerate(arrays) if i in keep]
        if not parts:
            return np.empty((0,), dt._np)
        return np.concatenate(parts, axis=d)

    sizes = [shape[d] if i in keep else None for i, shape in enumerate(shapes)]
    result = apply_op("cat", fn, *tensors, dtype=dt, backward=grads.cat(d, sizes))
    return result if out is None else write_out(out, result, "cat")


concat = concatenate = cat


def _joined_dtype(tensors: list[Tensor], out: Tensor | None) -> _dtypes.dtype:
    """The promoted dtype of the joined ``tensors``, checked against ``out``'s."""
    dt = tensors[0]._dtype
    for t in tensors[1:]:
        dt = _dtypes.promote_types(dt, t._dtype)
    if isinstance(out, Tensor) and not _dtypes.can_cast(dt, out._dtype):
        raise TypeError(
            f"torch.cat(): input types can't be cast to the desired output type "
            f"{out._dtype._scalar_name}"
        )
    return dt


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join equal-shaped tensors along a new dimension ``dim`` (cat's dtype and checks)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    d = wrap_dim(dim, len(shape) + 1)
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"{format_shape(tensors[0].shape)} at entry 0 and "
                f"{format_shape(t.shape)} at entry {i}"
            )
    dt = _joined_dtype(tensors, out)

    def fn(*arrays):
        return np.stack([cast_array(a, dt) for a in arrays], axis=d)

    result = apply_op("stack", fn, *tensors, dtype=dt, backward=grads.stack(d))
    return result if out is None else write_out(out, result, "stack")


def gather(
    input: Tensor,
    dim: int,
    index: Tensor,
    *,
    sparse_grad: bool = False,  # noqa: A002
    out: Tensor | None = None,
) -> Tensor:
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (for dim=1), with torch's checks; an
    empty index of any dtype and shape gives an empty result of its shape, as torch's does."""
    d = wrap_dim(dim, input.ndim)
    if isinstance(out, Tensor) and out._dtype is not input._dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_dtypes.c_name(input._dtype)}, but got "
            f"{_dtypes.c_name(out._dtype)} instead"
        )
    if index.numel() == 0:
        return _gather_nothing(input, d, index, out)
    if index._dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if index.ndim == input.ndim:
        for k in range(input.ndim):
            if k != d and index.shape[k] > input.shape[k]:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index "
                    f"{format_shape(index.shape)} to be no larger than self "
                    f"{format_shape(input.shape)} apart from dimension {d}"
                )
    size = input.shape[d] if input.ndim else 1
    idx = index._data
    if index.numel() and (idx.min() < 0 or idx.max() >= size):
        bad = idx[(idx < 0) | (idx >= size)]
        if bad.size:
            raise RuntimeError(
                f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension "
                f"{d} with size {size}"
            )

    # the row-major positions gathered from, kept for the gradient when one is recorded
    found: list = [] if input._requires_grad else None

    def fn(a, i):
        if a.ndim == 0:
            return a.reshape(1)[i.reshape(-1).astype(np.int64)].reshape(i.shape)
        if i.ndim == 0:
            return a[i.astype(np.int64)]
        at = along_positions(i.astype(np.int64, copy=False), d, contiguous_strides(a.shape))
        if found is not None and type(at) is np.ndarray:
            found.append(at)
        return module_of(a).ascontiguousarray(a).reshape(-1)[at]

    back = grads.gather(d if input.ndim else 0, tuple(input.shape), found)
    result = apply_op("gather", fn, input, index, dtype=input._dtype, backward=back)
    return result if out is None else write_out(out, result, "gather")


def _gather_nothing(input: Tensor, d: int, index: Tensor, out: Tensor | None) -> Tensor:
    """An empty result of the index's shape, recorded for autograd (its gradient is zeros)."""

    def fn(a, i):
        return module_of(a).zeros(i.shape, a.dtype)

    back = grads.gather(d if input.ndim else 0, tuple(input.shape))
    result = apply_op("gather", fn, input, index, dtype=input._dtype, backward=back)
    return result if out is None else write_out(out, result, "gather")


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """Remove size-1 dims (all, or those in ``dim``) as a view."""
    shape = input._data.shape
    if dim is None:
        drop = tuple(k for k, n in enumerate(shape) if n == 1)
    else:
        seq = (dim,) if type(dim) is int or isinstance(dim, numbers.Integral) else tuple(dim)
        dims = set()
        for x in seq:
            w = wrap_dim(x, len(shape))
            if w in dims:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            dims.add(w)
        drop = tuple(k for k, n in enumerate(shape) if k in dims and n == 1)
    # numpy's squeeze keeps the other dims' strides, as torch does
    return apply_view("squeeze", lambda a: a.squeeze(drop), input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a size-1 dim at ``dim`` (in ``[-ndim-1, ndim]``) as a view."""
    data = input._data
    d = wrap_dim(dim, data.ndim + 1)
    shape, strides = list(data.shape), list(input.stride())
    new_stride = shape[d] * strides[d] if d < data.ndim else 1
    shape.insert(d, 1)
    strides.insert(d, new_stride)
    return restride(input, "unsqueeze", shape, strides)


def _split_at(input: Tensor, d: int, bounds: Sequence[int]) -> tuple[Tensor, ...]:
    size = input._data.shape[d]
    # each bound wrapped once if negative, then clamped into [0, size]
    ends = [0, *(min(max(b + size if b < 0 else b, 0), size) for b in bounds), size]
    pieces = [(start, max(stop - start, 0)) for start, stop in itertools.pairwise(ends)]
    return narrow_pieces(input, d, pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``ceil(size / chunks)``-sized views (possibly fewer than ``chunks``)."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    step = math.ceil(size / chunks)
    if step == 0:
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, step, d)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``split_size`` elements (last smaller) or of the given section sizes."""
    d = wrap_dim(dim, tensor.ndim)
    size = tensor._data.shape[d]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={step}"
            )
        if step == 0 and size != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        n = max(math.ceil(size / step), 1) if step else 1
        sizes = [step] * (n - 1) + [size - step * (n - 1)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} "
                f"(input tensor's size at dimension {d}), but got "
                f"split_sizes={format_shape(sizes)}"
            )
    pieces, start = [], 0
    for s in sizes:
        pieces.append((start, s))
        start += s
    return narrow_pieces(tensor, d, pieces)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``n`` nearly equal views, or at the given indices."""
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = wrap_dim(dim, input.ndim)
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg._device.type != "cpu":
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be on cpu, "
                f"but it's on {arg._device}"
            )
        if arg._dtype is not _dtypes.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype "
                f"of long, but got {arg._dtype._scalar_name}"
            )
        if arg.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a "
                "zero-dimensional or one-dimensional tensor, but got a tensor "
                f"with {arg.ndim} dims"
            )
        arg = arg.item() if arg.ndim == 0 else arg.tolist()
    if isinstance(arg, numbers.Integral):
        n = int(arg)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        size = input.shape[d]
        base, extra = divmod(size, n)
        bounds, acc = [], 0
        for i in range(n - 1):
            acc += base + (1 if i < extra else 0)
            bounds.append(acc)
        return _split_at(input, d, bounds)
    return _split_at(input, d, [int(i) for i in arg])
