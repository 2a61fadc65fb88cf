"""Index arithmetic for the gradients of views, gather and in-place writes into views.

``positions(view, source)`` finds, for every element of a view, the row-major index of the
source element it aliases (by memory address, so any stride pattern works). The
differentiable primitives that move gradients along such indices, ``take`` and ``put_add``,
are ops (``reference._ops``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._device import data_ptr, module_of, to_host

__all__ = ["positions", "host_ids", "along_positions"]


def _addresses(arr: Any) -> np.ndarray:
    """Byte address of every element of ``arr`` (host integers, shape ``arr.shape``)."""
    addr = np.full(arr.shape, data_ptr(arr), dtype=np.int64)
    for axis, (n, stride) in enumerate(zip(arr.shape, arr.strides, strict=True)):
        shape = [1] * arr.ndim
        shape[axis] = n
        addr = addr + (np.arange(n, dtype=np.int64) * stride).reshape(shape)
    return addr


def positions(view: Any, source: Any) -> np.ndarray:
    """Row-major indices into ``source`` of the elements ``view`` aliases."""
    item = source.dtype.itemsize
    if source.flags.c_contiguous:  # the index is the offset from the first element
        return (_addresses(view) - data_ptr(source)) // item
    src = _addresses(source)
    low = int(src.min()) if src.size else 0
    lookup = np.zeros((int(src.max()) - low) // item + 1 if src.size else 1, np.int64)
    lookup[(src.ravel() - low) // item] = np.arange(src.size, dtype=np.int64)
    return lookup[(_addresses(view) - low) // item]


def host_ids(t: Any) -> np.ndarray:
    """An index tensor's values as a host int64 array."""
    return np.asarray(to_host(t._data), dtype=np.int64)


def along_positions(i: Any, d: int, strides: tuple[int, ...]) -> Any:
    """Row-major positions of the elements an int64 index ``i`` picks along dim ``d`` of an
    array with element ``strides`` (other dims: ``i``'s own position), like gather's:
    ``i * strides[d] + sum of position[k] * strides[k]``, the second sum broadcast from small
    per-dim ranges and added in one pass."""
    xp = module_of(i)
    offsets = None  # the other dims' part, broadcast: at most one element a row along d
    for k, n in enumerate(i.shape):
        if k != d and n > 1:
            shape = [1] * i.ndim
            shape[k] = n
            step = (xp.arange(n, dtype=np.int64) * strides[k]).reshape(shape)
            offsets = step if offsets is None else offsets + step
    if strides[d] != 1:
        flat = i * strides[d]
        return flat if offsets is None else xp.add(flat, offsets, out=flat)
    return i.copy() if offsets is None else i + offsets  # one pass where the step is 1
