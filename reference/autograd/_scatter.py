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
    src = _addresses(source).ravel()
    order = np.argsort(src, kind="stable")
    found = np.searchsorted(src[order], _addresses(view).ravel())
    return order[np.minimum(found, max(src.size - 1, 0))].reshape(view.shape)


def take(x: Any, ids: np.ndarray) -> Any:
    """``x.reshape(-1)[ids]`` as a differentiable op."""
    from .._ops import apply_op, xp_of

    xp = xp_of(x)
    dev_ids = xp.asarray(ids)
    formula = Formula(lambda node, g: (put_add(g, ids, tuple(x.shape)),))
    return apply_op("take", lambda a: a.reshape(-1)[dev_ids], x, backward=formula)


def put_add(g: Any, ids: np.ndarray, shape: tuple[int, ...]) -> Any:
    """A zero tensor of ``shape`` with ``g`` added at the row-major ``ids`` (repeats add up)."""
    from .._ops import apply_op, xp_of

    xp = xp_of(g)
    dev_ids = xp.asarray(ids.reshape(-1))

    def fn(a):
        out = xp.zeros(int(np.prod(shape, dtype=np.int64)), dtype=a.dtype)
        if xp is np:
            np.add.at(out, dev_ids, a.reshape(-1))
        else:
            xp.add.at(out, dev_ids, a.reshape(-1))
        return out.reshape(shape)

    formula = Formula(lambda node, gg: (take(gg, ids),))
    return apply_op("put_add", fn, g, backward=formula)


def host_ids(t: Any) -> np.ndarray:
    """An index tensor's values as a host int64 array."""
    return np.asarray(to_host(t._data), dtype=np.int64)
