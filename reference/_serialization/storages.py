"""Storages: how many bytes a saved tensor's storage holds, and the storage objects a
loaded tensor reads from (what a ``map_location`` function receives)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import _dtypes
from .._device import CPU, device
from .._dtypes import dtype
from .._tensor import Tensor


def storage_name(dt: dtype) -> str:
    """torch's legacy storage class name for ``dt`` (``FloatStorage``)."""
    return dt._legacy.replace("Tensor", "Storage")


#: legacy storage class names -> dtypes
STORAGE_DTYPES = {storage_name(d): d for d in _dtypes.ALL_DTYPES}


# ---------------------------------------------------------------------------------------
# Extents (save)
# ---------------------------------------------------------------------------------------
def _last_offset(size: Sequence[int], stride: Sequence[int]) -> int:
    return sum((n - 1) * s for n, s in zip(size, stride, strict=True))


def span(offset: int, size: Sequence[int], stride: Sequence[int]) -> int:
    """Elements of storage a view needs from the storage start (0 when it is empty)."""
    return 0 if 0 in size else offset + _last_offset(size, stride) + 1


def tensor_span(t: Tensor) -> int:
    """Elements of storage ``t`` needs from the storage start."""
    return span(t.storage_offset(), t.shape, t.stride())


def _array_extent(a: np.ndarray) -> int:
    """Bytes ``a`` covers from its data pointer (-1 for negative strides)."""
    if a.size == 0:
        return 0
    if min(a.strides, default=0) < 0:
        return -1
    return _last_offset(a.shape, a.strides) + a.itemsize


def _chain_extent(arr: np.ndarray, ptr: int) -> int:
    """Bytes from ``ptr`` covered by the largest array in ``arr``'s base chain starting
    there: the extent of the storage a reference tensor views."""
    best, obj = 0, arr
    while obj is not None:
        if isinstance(obj, np.ndarray) and obj.__array_interface__["data"][0] == ptr:
            best = max(best, _array_extent(obj))
        obj = getattr(obj, "base", None)
    return best


def storage_nbytes(t: Tensor) -> int:
    """Size in bytes of the storage ``t`` views (0 for a fresh empty tensor)."""
    nbytes = tensor_span(t) * t.dtype.itemsize
    root = t._base if t._base is not None else t
    if root.numel() == 0:
        return nbytes
    return max(nbytes, _chain_extent(t._data, t._storage_ptr))


# ---------------------------------------------------------------------------------------
# Loaded storages (load)
# ---------------------------------------------------------------------------------------
class Storage:
    """Raw bytes of a loaded storage: what a ``map_location`` function receives."""

    __slots__ = ("_array", "device")

    def __init__(self, array: np.ndarray, dev: device = CPU) -> None:
        self._array, self.device = array, dev

    def nbytes(self) -> int:
        """Size in bytes."""
        return int(self._array.nbytes)

    size = nbytes

    def __len__(self) -> int:
        return self.nbytes()

    def cpu(self) -> Storage:
        """This storage (it is on the cpu)."""
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> Storage:
        """Errors like torch without CUDA."""
        raise AssertionError("Torch not compiled with CUDA enabled")

    def __repr__(self) -> str:
        return f"reference storage of {self.nbytes()} bytes on {self.device}"


class TypedStorage(NamedTuple):
    storage: Storage
    dtype: dtype


class StorageType(NamedTuple):
    """A storage class named in a pickle (``torch.FloatStorage``), by its dtype."""

    dtype: dtype
