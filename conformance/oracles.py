"""Small numpy helpers that spec oracles may call where numpy's own API differs from torch's."""

from __future__ import annotations

from typing import Any

import numpy as np


def axes(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int or a tuple) as non-negative axes of an ``ndim``-d array."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(d % max(ndim, 1) for d in dims)


def crop(x: np.ndarray, shape: tuple[int, ...], keep: int) -> np.ndarray:
    """``x`` cut down to ``shape`` in every dim except ``keep`` (gather reads that corner)."""
    keep = keep % max(x.ndim, 1)
    return x[tuple(slice(None) if d == keep else slice(0, s) for d, s in enumerate(shape))]


def squeezable(x: np.ndarray, dim: Any = None) -> tuple[int, ...]:
    """The axes among ``dim`` whose size is 1 (torch.squeeze ignores the others)."""
    return tuple(d for d in axes(dim, x.ndim) if x.ndim and x.shape[d] == 1)


ORACLE_HELPERS = {"axes": axes, "crop": crop, "squeezable": squeezable}
