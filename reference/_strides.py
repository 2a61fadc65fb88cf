"""Shape and stride arithmetic shared by view ops (element strides, torch's rules)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._device import (
    channels_last,
    channels_last_3d,
    device_view,
    memory_format,
    preserve_format,
)


class _Interface:
    """Carries an ``__array_interface__`` so numpy builds a view of existing memory."""

    def __init__(self, interface: dict, base: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.base = base


def strided_view(
    arr: np.ndarray, shape: Sequence[int], strides: Sequence[int], offset: int = 0
) -> np.ndarray:
    """View of ``arr``'s memory with element ``strides`` starting ``offset`` elements
    after ``arr``'s first element (like ``as_strided`` on the shared buffer)."""
    if not isinstance(arr, np.ndarray):
        return device_view(arr, shape, strides, offset)
    item = arr.dtype.itemsize
    if arr.flags.c_contiguous:  # numpy views its buffer directly, checking the bounds
        try:
            return np.ndarray(
                tuple(shape), arr.dtype, arr, offset * item, tuple(s * item for s in strides)
            )
        except ValueError:  # memory beyond ``arr`` (still inside its storage)
            pass
    interface = dict(arr.__array_interface__)
    ptr, readonly = interface["data"]
    interface.update(
        shape=tuple(shape),
        strides=tuple(s * item for s in strides),
        data=(ptr + offset * item, readonly),
    )
    interface.pop("descr", None)
    interface["typestr"] = f"|V{item}"
    out = np.asarray(_Interface(interface, arr))
    return out.view(arr.dtype)


def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """Row-major element strides as torch computes them (size-0 dims count as 1)."""
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


def memory_format_strides(shape: Sequence[int], fmt: memory_format) -> tuple[int, ...]:
    """Strides of a dense tensor of ``shape`` in a channels-last (or contiguous) format."""
    if fmt in (channels_last, channels_last_3d):
        rank = 4 if fmt is channels_last else 5
        if len(shape) != rank:
            name = "channels_last" if rank == 4 else "channels_last_3d"
            raise RuntimeError(f"required rank {rank} tensor to use {name} format")
        order = [1, *range(rank - 1, 1, -1), 0]  # innermost first: C, W, H, (D,) N
        out, acc = [0] * rank, 1
        for d in order:
            out[d] = acc
            acc *= max(shape[d], 1)
        return tuple(out)
    return contiguous_strides(shape)


def like_strides(
    shape: Sequence[int], strides: Sequence[int], fmt: memory_format
) -> tuple[int, ...]:
    """torch's strides for a new tensor like one of ``shape``/``strides`` (``empty_like``,
    ``clone``): the same when non-overlapping and dense (``preserve_format``), else dense in
    the same dim order, or those of ``fmt``."""
    if fmt is preserve_format:
        if is_non_overlapping_and_dense(shape, strides):
            return tuple(strides)
        return dense_strides_like(shape, strides)
    return memory_format_strides(shape, fmt)


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's is_contiguous: size-1 dims are ignored, empty tensors are contiguous."""
    if math.prod(shape) == 0:
        return True
    expected = 1
    for size, stride in zip(reversed(shape), reversed(strides), strict=True):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def is_non_overlapping_and_dense(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's check that the elements exactly tile a block in some dim order."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    expected = 1
    # dims of 2 and more by stride (dims sharing a stride fail whatever their order)
    dims = sorted(zip([n < 2 for n in shape], strides, shape, strict=True))
    for small, stride, size in dims:
        if small:
            return True
        if stride != expected:
            return False
        expected *= size
    return True


def dense_strides_like(shape: Sequence[int], strides: Sequence[int]) -> tuple[int, ...]:
    """torch's infer_dense_strides: dense strides keeping the input's dim order."""
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))

    def should_swap(d0: int, d1: int) -> int:
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, ndim):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            cmp = should_swap(perm[dim0], perm[dim1])
            if cmp > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif cmp < 0:
                break
    out, acc = [0] * ndim, 1
    for d in perm:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def allocate(xp, shape: Sequence[int], strides: Sequence[int], np_dtype) -> np.ndarray:
    """A fresh (uninitialised) array with exactly the given element strides."""
    shape, strides = tuple(shape), tuple(strides)
    if strides == contiguous_strides(shape) and all(shape):  # numpy's strides of an empty
        return xp.empty(shape, dtype=np_dtype)  # array are its own: they go the long way
    if len(shape) == 2 and min(shape) > 1 and strides == (1, shape[0]):  # a transposed matrix
        return xp.empty(shape[::-1], dtype=np_dtype).T
    span = 1 + sum((s - 1) * st for s, st in zip(shape, strides, strict=True)) if all(shape) else 0
    return strided_view(xp.empty(max(span, 1), dtype=np_dtype), shape, strides)


def format_shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def infer_size(shape: Sequence[int], numel: int) -> tuple[int, ...]:
    """Resolve one -1 in a requested shape, with torch's error messages."""
    res, newsize, infer_dim = list(shape), 1, None
    for d, s in enumerate(shape):
        if s == -1:
            if infer_dim is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer_dim = d
        elif s >= 0:
            newsize *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s}")
    if numel == newsize or (infer_dim is not None and newsize > 0 and numel % newsize == 0):
        if infer_dim is not None:
            if newsize == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {format_shape(shape)} "
                    "because the unspecified dimension size -1 can be any value and is ambiguous"
                )
            res[infer_dim] = numel // newsize
        return tuple(res)
    raise RuntimeError(f"shape '{format_shape(shape)}' is invalid for input of size {numel}")


def compute_view_strides(
    oldshape: Sequence[int], oldstride: Sequence[int], newshape: Sequence[int]
) -> tuple[int, ...] | None:
    """torch's computeStride: strides for viewing without copying, or None if impossible."""
    if len(oldshape) == 0:
        return (1,) * len(newshape)
    numel = math.prod(oldshape)
    if numel == 0 and tuple(oldshape) == tuple(newshape):
        return tuple(oldstride)
    if numel == 0:
        return contiguous_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (
            oldshape[tensor_d - 1] != 1
            and oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride
        ):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = view_numel = 1
    return tuple(newstride) if view_d == -1 else None


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """Broadcast two shapes, raising torch's message on mismatch."""
    if tuple(a) == tuple(b):
        return tuple(a)
    ndim = max(len(a), len(b))
    out = []
    for i in range(ndim):
        offset = ndim - 1 - i
        sa = a[len(a) - 1 - offset] if len(a) - 1 - offset >= 0 else 1
        sb = b[len(b) - 1 - offset] if len(b) - 1 - offset >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b "
                f"({sb}) at non-singleton dimension {i}"
            )
        out.append(sb if sa == 1 else sa)
    return tuple(out)


def wrap_dim(dim: int, ndim: int, wrap_scalar: bool = True) -> int:
    """Normalise a possibly negative dim, raising torch's IndexError when out of range."""
    n = max(ndim, 1) if wrap_scalar else ndim
    if n <= 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim
