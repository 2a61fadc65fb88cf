"""Checks every third-party adapter's tests run: conversions and the dtype map."""

from __future__ import annotations

import numpy as np

from adapters import Adapter
from conformance.bootstrap import sample
from conformance.compare import numpy_dtype


def check_round_trip(adapter: Adapter, dtype: str, empty: bool = True) -> None:
    """``to_numpy(from_numpy(a))`` is ``a`` for a matrix, a strided copy, a 0-dim array and
    (when ``empty``) an empty one: dtype, shape and values."""
    base = sample(dtype)
    for array in (base, base[:, ::2], base[0, 0], *([base[:0]] if empty else [])):
        got = adapter.to_numpy(adapter.from_numpy(array))
        assert got.dtype == numpy_dtype(dtype)
        assert got.shape == array.shape
        np.testing.assert_array_equal(got, array)


def check_dtype_map(adapter: Adapter, dtype: str) -> None:
    """A converted tensor has the dtype ``adapter.dtype`` names, and it names it back."""
    tensor = adapter.from_numpy(sample(dtype))
    assert tensor.dtype == adapter.dtype(dtype) == adapter.resolve(f"torch.{dtype}")
    assert adapter.dtype_name(adapter.dtype(dtype)) == dtype
