"""Sparse COO tensors: ``torch.sparse_coo_tensor`` and ``Tensor.to_sparse``.

A COO tensor holds ``indices`` (int64, ``(sparse_dim, nnz)``) and ``values``
(``(nnz, *dense_shape)``) for a tensor of ``size``; an entry absent from the indices is zero.
It may be uncoalesced (indices unsorted or repeated: repeats add up); ``coalesce()`` sorts
the indices and sums the repeats. It is a ``Tensor`` (``is_sparse`` is True, ``layout`` is
``torch.sparse_coo``) and may be a dense parameter's ``.grad``; besides the methods here it
has no operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._creation import as_tensor
from ._device import layout, sparse_coo, to_host
from ._printing import _add_suffixes, _body
from ._size import Size
from ._tensor import Tensor

__all__ = ["SparseTensor", "sparse_coo_tensor", "to_sparse"]


class SparseTensor(Tensor):
    """A tensor in the sparse COO layout (made by :func:`sparse_coo_tensor` or
    :func:`to_sparse`)."""

    __slots__ = ("_indices_t", "_values_t", "_size", "_coalesced")

    @classmethod
    def _sparse(
        cls, indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool
    ) -> SparseTensor:
        """Wrap ``indices`` and ``values`` (no copy) as a COO tensor of ``size``."""
        self = object.__new__(cls)
        dense = Tensor._make(np.zeros(0, values._data.dtype), values._dtype, values._device)
        for slot in Tensor.__slots__:
            if slot != "__weakref__":
                object.__setattr__(self, slot, getattr(dense, slot))
        self._storage_ptr = dense._storage_ptr
        self._data = None
        self._indices_t, self._values_t = indices, values
        self._size, self._coalesced = tuple(size), coalesced
        return self

    # ----- metadata ---------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._size)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim``."""
        return self.shape if dim is None else self._size[dim]

    @property
    def ndim(self) -> int:
        return len(self._size)

    def dim(self) -> int:
        """The number of dimensions."""
        return len(self._size)

    def numel(self) -> int:
        """The number of elements of the dense tensor it stands for."""
        return int(np.prod(self._size, dtype=np.int64))

    def __len__(self) -> int:
        if not self._size:
            raise TypeError("len() of a 0-d tensor")
        return self._size[0]

    @property
    def layout(self) -> layout:
        return sparse_coo

    @property
    def is_sparse(self) -> bool:
        return True

    def sparse_dim(self) -> int:
        """How many leading dimensions the indices address."""
        return int(self._indices_t.shape[0])

    def dense_dim(self) -> int:
        """How many trailing dimensions each value holds."""
        return self._values_t.ndim - 1

    def _nnz(self) -> int:
        """The number of stored entries (repeats counted)."""
        return int(self._values_t.shape[0])

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and unique (as far as the tensor knows)."""
        return self._coalesced

    # ----- contents ---------------------------------------------------------------------
    def _indices(self) -> Tensor:
        """The stored indices, coalesced or not."""
        return self._indices_t

    def _values(self) -> Tensor:
        """The stored values, coalesced or not."""
        return self._values_t

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor."""
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get indices on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._indices_t

    def values(self) -> Tensor:
        """The values of a coalesced tensor."""
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get values on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._values_t

    def coalesce(self) -> SparseTensor:
        """Sorted, unique indices, the values of repeated ones summed (itself when already
        coalesced)."""
        if self._coalesced:
            return self
        index = _host(self._indices_t)
        values = _host(self._values_t)
        linear = (
            np.ravel_multi_index(tuple(index), self._size[: len(index)])
            if len(index)
            else (np.zeros(index.shape[1], np.int64))
        )
        unique, position = np.unique(linear, return_inverse=True)
        summed = np.zeros((len(unique), *values.shape[1:]), values.dtype)
        np.add.at(summed, position.reshape(-1), values)
        new_index = np.asarray(np.unravel_index(unique, self._size[: len(index)]), np.int64)
        return SparseTensor._sparse(
            _like(self._indices_t, new_index.reshape(len(index), -1)),
            _like(self._values_t, summed),
            self._size,
            True,
        )

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        """The strided tensor it stands for (repeated entries added up)."""
        values = _host(self._values_t)
        out = np.zeros(self._size, values.dtype)
        index = _host(self._indices_t)
        if len(index):
            np.add.at(out, tuple(index), values)
        else:  # no sparse dimension: every value is the whole tensor
            out += values.sum(axis=0)
        dense = _like(self._values_t, out)
        return dense if dtype is None else dense.to(dtype)

    def to_sparse(self, sparse_dim: int | None = None, **kwargs: Any) -> SparseTensor:
        """Itself: it is already sparse."""
        return self

    def __neg__(self) -> SparseTensor:
        return SparseTensor._sparse(
            self._indices_t,
            _like(self._values_t, -_host(self._values_t)),
            self._size,
            self._coalesced,
        )

    neg = __neg__

    def __repr__(self) -> str:
        """torch's repr: indices, values, size, nnz, dtype where not the default, layout."""
        indent = 7
        parts = []
        for prefix, t in (("indices=tensor(", self._indices_t), ("values=tensor(", self._values_t)):
            text = "[]" if t.numel() == 0 else _body(t, indent + len(prefix))
            if t.numel() == 0:
                text += f", size={tuple(t.shape)}"
            parts.append(prefix + text + ")")
        text = "tensor(" + (",\n" + " " * indent).join(parts)
        suffixes = [f"size={tuple(self._size)}", f"nnz={self._nnz()}"]
        if self._dtype not in (
            _dtypes.get_default_dtype(),
            _dtypes.get_default_complex_dtype(),
            _dtypes.int64,
            _dtypes.bool,
        ):
            suffixes.append(f"dtype={self._dtype}")
        suffixes.append("layout=torch.sparse_coo")
        if self._requires_grad:
            suffixes.append("requires_grad=True")
        text += ",\n" + " " * indent + suffixes[0]  # torch always breaks the line here
        return _add_suffixes(text, suffixes[1:], indent)

    __str__ = __repr__


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(to_host(t._data))


def _like(t: Tensor, arr: np.ndarray) -> Tensor:
    """``arr`` as a tensor of ``t``'s dtype and device."""
    out = Tensor._make(np.ascontiguousarray(arr, dtype=t._data.dtype), t._dtype)
    return out if t._device.type == "cpu" else out.to(t._device)


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: _dtypes.dtype | None = None,
    device: Any = None,
    pin_memory: bool | None = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> SparseTensor:
    """A COO tensor of ``size`` (default: one past the largest index of each sparse
    dimension, then the values' trailing shape) holding ``values`` at ``indices``."""
    index = as_tensor(indices, device=device)
    if index._dtype is not _dtypes.int64:
        index = index.to(_dtypes.int64)
    value = as_tensor(values, dtype=dtype, device=device)
    index_arr = _host(index)
    if index_arr.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(index_arr.shape)}")
    if index_arr.shape[1] != value.shape[0]:
        raise RuntimeError(
            "indices and values must have same nnz, but got nnz from indices: "
            f"{index_arr.shape[1]}, nnz from values: {value.shape[0]}"
        )
    sparse_dim, dense_dim = index_arr.shape[0], value.ndim - 1
    if size is None:
        top = index_arr.max(axis=1) + 1 if index_arr.shape[1] else np.zeros(sparse_dim, int)
        size = (*(int(n) for n in top), *value.shape[1:])
    size = tuple(int(n) for n in size)
    if len(size) != sparse_dim + dense_dim:
        raise RuntimeError(
            f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
            f"sparse_dim = {sparse_dim}, dense_dim = {dense_dim}"
        )
    coalesced = index_arr.shape[1] < 2 if is_coalesced is None else bool(is_coalesced)
    out = SparseTensor._sparse(index, value, size, coalesced)
    out._requires_grad = bool(requires_grad)
    return out


def to_sparse(
    self: Tensor,
    sparse_dim: int | None = None,
    *,
    layout: layout | None = None,
    blocksize: Any = None,
    dense_dim: int | None = None,
) -> SparseTensor:
    """``Tensor.to_sparse()``: the COO tensor of the nonzero entries (coalesced); with
    ``sparse_dim`` (or ``dense_dim``), the leading-dimension slices that are not all zero."""
    if layout not in (None, sparse_coo) or blocksize is not None:
        raise NotImplementedError(f"to_sparse: layout {layout} is not implemented here")
    arr = _host(self)
    if sparse_dim is None:
        sparse_dim = arr.ndim - (dense_dim or 0)
    if arr.ndim == 0:
        index = np.zeros((0, 1), np.int64)
        values = arr.reshape(1)
    else:
        nonzero = arr != 0
        mask = (
            nonzero.any(axis=tuple(range(sparse_dim, arr.ndim)))
            if sparse_dim < arr.ndim
            else (nonzero)
        )
        index = np.asarray(np.nonzero(mask), np.int64).reshape(sparse_dim, -1)
        values = arr[tuple(index)]
    return SparseTensor._sparse(
        _like(Tensor._make(np.zeros(0, np.int64)), index),
        _like(self, values),
        tuple(arr.shape),
        True,
    )
