"""Non-contiguous inputs: how a :class:`~conformance.generators.Strided` array is built.

The library receives a view of a contiguous tensor made by the adapter's ``view`` hook (by
default its own ``permute``, slicing or ``expand``); the reproducer writes the same call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance.generators import Strided
from spec.expr import mark


def storage(value: Strided) -> np.ndarray:
    """The contiguous array the view is taken from."""
    array = value.array
    if value.layout == "transposed":
        return np.ascontiguousarray(array.transpose(_reversed(array.ndim)))
    if value.layout == "sliced":
        shape = (*array.shape[:-1], 2 * array.shape[-1])
        buffer = np.zeros(shape, dtype=array.dtype)
        buffer[..., 1::2] = array
        return buffer
    return np.ascontiguousarray(np.take(array, [0], axis=value.dim))


def view_suffix(value: Strided) -> str:
    """The view op as Python source, applied to the storage tensor."""
    if value.layout == "transposed":
        return f".permute{_reversed(value.array.ndim)}"
    if value.layout == "sliced":
        return "[..., 1::2]"
    return f".expand{tuple(value.array.shape)}"


def to_library(value: Strided, adapter: Adapter) -> Any:
    """The library tensor: a non-contiguous view holding ``value.array``'s values, made by
    :meth:`Adapter.view`; a contiguous copy when the adapter lacks ``strided_views``."""
    if "strided_views" not in adapter.capabilities:
        return from_numpy(value.array, adapter)
    base = from_numpy(storage(value), adapter)
    try:
        return adapter.view(base, value.layout, tuple(value.array.shape))
    except Exception as exc:
        mark(exc, f"building the input: adapter.view(tensor, {value.layout!r}, shape)")
        raise


def from_numpy(array: np.ndarray, adapter: Adapter) -> Any:
    """``adapter.from_numpy(array)``; its failure is marked as the input's, not the op's."""
    try:
        return adapter.from_numpy(array)
    except Exception as exc:
        mark(exc, f"building the input: adapter.from_numpy(<{array.dtype} array {array.shape}>)")
        raise


def writable(value: Any) -> Any:
    """``value`` without the stride-0 expansion that in-place writes refuse."""
    if isinstance(value, Strided) and value.layout == "expanded":
        return Strided(value.array, "sliced")
    return value


def _reversed(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim - 1, -1, -1))
