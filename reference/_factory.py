"""Tensors made from scratch, below the op layer (no graph, no inputs): a fresh array as a
leaf, constant fills, and fills laid out like another tensor (torch's ``empty_like``
strides). The factory functions of ``_creation`` and the autograd engine build on these."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._device import CPU, array_namespace, device, memory_format, preserve_format, to_device
from ._dtypes import dtype
from ._scalars import checked_scalar
from ._strides import allocate, like_strides
from ._tensor import Tensor

__all__ = ["new_leaf", "filled", "filled_like"]


def new_leaf(
    data: Any, dtype_: dtype | None, dev: device, requires_grad: bool = False, exact: bool = False
) -> Tensor:
    """Wrap a freshly computed array from a factory function as a leaf tensor on ``dev``
    (host data is copied to the GPU for a cuda device; ``exact``: keep its strides)."""
    host = dev is CPU and type(data) is np.ndarray  # already where it belongs
    t = Tensor._make(data if host else to_device(data, dev), dtype_, dev, exact=exact)
    if requires_grad:
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t._requires_grad = True
    return t


def filled(
    size: tuple[int, ...],
    value,
    dt: dtype,
    dev: device,
    requires_grad: bool = False,
    empty: bool = False,
) -> Tensor:
    """A contiguous leaf of ``size`` holding ``value`` (uninitialised with ``empty``)."""
    xp = array_namespace(dev)
    if empty:
        data = xp.empty(size, dtype=dt._np)
    elif type(value) is int and value == 0:  # zero bytes are +0 of every dtype
        data = xp.zeros(size, dtype=dt._np)
    else:
        data = xp.full(size, checked_scalar(value, dt)[()], dtype=dt._np)
    return new_leaf(data, dt, dev, requires_grad)


def filled_like(
    input: Tensor,  # noqa: A002
    value,
    dt: dtype | None = None,
    dev: device | None = None,
    memory_format: memory_format = preserve_format,
    requires_grad: bool = False,
    empty: bool = False,
) -> Tensor:
    """A leaf shaped like ``input`` holding ``value``: its dtype and device unless given,
    strides as ``empty_like`` lays them out for ``memory_format``."""
    dt = input._dtype if dt is None else dt
    dev = input._device if dev is None else dev
    shape = tuple(input.shape)
    strides = like_strides(shape, input.stride(), memory_format)
    data = allocate(array_namespace(dev), shape, strides, dt._np)
    if not empty:
        data[...] = checked_scalar(value, dt)[()]
    return new_leaf(data, dt, dev, requires_grad, exact=True)
