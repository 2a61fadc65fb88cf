"""Index-based gradient plumbing shared by views, gather and in-place writes into views.

``positions(view, source)`` finds, for every element of a view, the row-major index of the
source element it aliases (by memory address, so any stride pattern works). The two
differentiable primitives ``take`` and ``put_add`` move gradients along such indices and are
each other's derivative, which makes double backward through views work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._device import data_ptr, to_host
from ._graph import Formula

__all__ = ["positions", "take", "put_add"]


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


def take(x: Any, ids: np.ndarray, unique: bool = False) -> Any:
    """``x.reshape(-1)[ids]`` as a differentiable op (``unique``: no index repeats)."""
    from .._ops import apply_op, xp_of

    xp = xp_of(x)
    dev_ids = xp.asarray(ids)
    formula = Formula(lambda node, g: (put_add(g, ids, tuple(x.shape), unique),))
    return apply_op("take", lambda a: a.reshape(-1)[dev_ids], x, backward=formula)


def put_add(g: Any, ids: np.ndarray, shape: tuple[int, ...], unique: bool = False) -> Any:
    """A zero tensor of ``shape`` with ``g`` added at the row-major ``ids`` (repeats add up;
    ``unique`` says there are none, so a plain assignment does)."""
    from .._ops import apply_op, xp_of

    xp = xp_of(g)
    flat = ids.reshape(-1)
    dev_ids = xp.asarray(flat)
    size = int(np.prod(shape, dtype=np.int64))

    def fn(a):
        values = a.reshape(-1)
        if unique:
            out = xp.zeros(size, dtype=a.dtype)
            out[dev_ids] = values
        elif xp is np and a.dtype.kind == "f":
            summed = np.bincount(flat, weights=values.astype(np.float64), minlength=size)
            out = summed.astype(a.dtype)
        else:
            out = xp.zeros(size, dtype=a.dtype)
            xp.add.at(out, dev_ids, values)
        return out.reshape(shape)

    formula = Formula(lambda node, gg: (take(gg, ids, unique),))
    return apply_op("put_add", fn, g, backward=formula)


def host_ids(t: Any) -> np.ndarray:
    """An index tensor's values as a host int64 array."""
    return np.asarray(to_host(t._data), dtype=np.int64)
