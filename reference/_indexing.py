"""``Tensor.__getitem__`` / ``__setitem__``: basic indices give views with torch's strides,
tensor/list indices (advanced indexing) give copies."""

from __future__ import annotations

import numbers

import numpy as np

from ._conversion import cast_array, copy_
from ._ops import apply_inplace, apply_op
from ._scalars import checked_scalar
from ._strides import broadcast_shapes, format_shape
from ._tensor import Tensor
from ._views import reindex, restride
from .autograd import _formulas as grads

__all__ = ["getitem", "setitem"]


def _is_advanced(item) -> bool:
    return isinstance(item, (Tensor, np.ndarray, list, bool, np.bool_))


def _normalise(index) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _check_item(item) -> None:
    if item is None or item is Ellipsis or isinstance(item, (slice, numbers.Integral)):
        return
    if _is_advanced(item):
        return
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
        f"Variables are valid indices (got {type(item).__name__})"
    )


def _basic_view(t: Tensor, index: tuple) -> Tensor:
    """Apply ints/slices/None/Ellipsis, computing sizes, strides and offset like torch."""
    ndim = t.ndim
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape, strides = list(t.shape), list(t.stride())
    out_shape, out_strides, offset, dim = [], [], 0, 0
    plain: list | None = []  # the same index for numpy while it has only ints and slices
    for item in index:
        if item is Ellipsis:
            n, consumed = ndim - consumed, ndim  # a repeated ellipsis expands to no dims
            out_shape += shape[dim : dim + n]
            out_strides += strides[dim : dim + n]
            dim += n
            plain = None
        elif item is None:
            out_strides.append(shape[dim] * strides[dim] if dim < ndim else 1)
            out_shape.append(1)
            plain = None
        elif isinstance(item, slice):
            start, stop, step = item.start, item.stop, item.step
            step = 1 if step is None else int(step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(start, stop, step).indices(shape[dim])
            length = max(0, -(-(stop - start) // step))
            offset += start * strides[dim]
            out_shape.append(length)
            out_strides.append(strides[dim] * step)
            dim += 1
            if plain is not None:
                plain.append(slice(start, stop, step))
        else:
            i, size = int(item), shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            offset += (i + size if i < 0 else i) * strides[dim]
            dim += 1
            if plain is not None:
                plain.append(i + size if i < 0 else i)
    out_shape += shape[dim:]
    out_strides += strides[dim:]
    if plain is not None and all(out_shape):  # numpy moves no pointer into an empty slice
        return reindex(t, "getitem", (*plain, Ellipsis))
    return restride(t, "getitem", out_shape, out_strides, offset)


def _one_item_view(t: Tensor, item) -> Tensor | None:
    """``t[i]`` or ``t[start:stop]`` by numpy's indexing when it is torch's view (an index in
    range, a non-empty result), else None (``_basic_view`` decides)."""
    shape = t._data.shape
    if not shape or not all(shape[1:]):
        return None
    if type(item) is int and -shape[0] <= item < shape[0]:
        return reindex(t, "getitem", (item, Ellipsis))
    if type(item) is slice and item.step is None:
        start, stop, _ = item.indices(shape[0])
        if start < stop:
            return reindex(t, "getitem", (slice(start, stop), Ellipsis))
    return None


def _np_index(index: tuple) -> tuple:
    out = []
    for item in index:
        if isinstance(item, Tensor):
            if item._dtype._kind not in "ib":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(item._data if item._dtype._kind == "b" else item._data.astype(np.int64))
        elif isinstance(item, list):
            out.append(np.asarray([x.item() if isinstance(x, Tensor) else x for x in item]))
        else:
            out.append(item)
    return tuple(out)


def _advanced(arr: np.ndarray, index: tuple, shape) -> np.ndarray:
    try:
        return arr[index]
    except IndexError as exc:
        msg = str(exc)
        if "boolean index did not match" in msg:
            raise IndexError(_mask_message(index, shape)) from None
        raise IndexError(msg.replace("axis", "dimension")) from None


def _mask_message(index: tuple, shape) -> str:
    dim = 0
    for item in index:
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            want = shape[dim : dim + item.ndim]
            for k, (m, s) in enumerate(zip(item.shape, want, strict=False)):
                if m != s:
                    return (
                        f"The shape of the mask {format_shape(item.shape)} at index {k} does "
                        f"not match the shape of the indexed tensor {format_shape(shape)} "
                        f"at index {dim + k}"
                    )
            dim += item.ndim
        elif item is not None:
            dim += 1
    return "boolean index did not match"


def getitem(self: Tensor, index) -> Tensor:
    """``self[index]``."""
    fast = _one_item_view(self, index)
    if fast is not None:
        return fast
    index = _normalise(index)
    for item in index:
        _check_item(item)
    if not any(_is_advanced(i) for i in index):
        return _basic_view(self, index)
    np_index = _np_index(index)
    shape = tuple(self.shape)
    result = apply_op(
        "index",
        lambda a: np.ascontiguousarray(_advanced(a, np_index, shape)),
        self,
        dtype=self._dtype,
    )
    if result._grad_fn is not None:
        result._grad_fn._formula = grads.index(_flat_ids(np_index, shape), shape)
    return result


def _flat_ids(np_index, shape: tuple) -> np.ndarray:
    """Row-major positions in ``shape`` that an advanced index selects."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)[np_index]


def setitem(self: Tensor, index, value) -> None:
    """``self[index] = value`` (value: tensor or scalar, broadcast and cast)."""
    index = _normalise(index)
    for item in index:
        _check_item(item)
    if not any(_is_advanced(i) for i in index):
        target = _basic_view(self, index)
        if isinstance(value, Tensor):
            _broadcast_check(value.shape, target.shape)
            copy_(target, value)
        else:
            scalar = checked_scalar(value, self._dtype)
            write = lambda dst: dst.__setitem__(Ellipsis, scalar)  # noqa: E731
            apply_inplace("fill_", write, target, backward=grads.copy(1))
        return
    np_index = _np_index(index)
    shape = tuple(self.shape)
    if isinstance(value, Tensor):
        if value._dtype is not self._dtype:
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{self._dtype._scalar_name} for the destination and "
                f"{value._dtype._scalar_name} for the source."
            )

        def fn(dst, v):
            _advanced(dst, np_index, shape)  # validates indices with torch's messages
            dst[np_index] = cast_array(v, self._dtype)

        back = grads.index_put(_flat_ids(np_index, shape), shape, with_value=True)
        apply_inplace("index_put_", fn, self, value, backward=back)
    else:
        scalar = checked_scalar(value, self._dtype)

        def fn_s(dst):
            _advanced(dst, np_index, shape)
            dst[np_index] = scalar

        back = grads.index_put(_flat_ids(np_index, shape), shape, with_value=False)
        apply_inplace("index_put_", fn_s, self, backward=back)


def _broadcast_check(src, dst) -> None:
    if broadcast_shapes(dst, src) != tuple(dst):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {format_shape(src)} cannot "
            f"be broadcast to indexing result of shape {format_shape(dst)}"
        )
