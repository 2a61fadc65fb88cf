"""Checks every third-party adapter's tests run: conversions and the dtype map."""

from __future__ import annotations

import numpy as np
import pytest

from adapters import Adapter, MissingItem
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


def check_torch_defaults(adapter: Adapter) -> None:
    """Random and creation functions take torch's generator=None and requires_grad=False
    (anything else is missing), and the _like functions keep the input's dtype unless given
    one."""
    torch = adapter.root()
    assert torch.rand(2, generator=None, requires_grad=False).shape == (2,)
    assert torch.randint(0, 5, (3,), generator=None).shape == (3,)
    assert torch.randperm(3, generator=None, requires_grad=False).shape == (3,)
    half = adapter.from_numpy(np.zeros((2, 2), dtype=np.float16))
    assert adapter.dtype_name(torch.rand_like(half, generator=None).dtype) == "float16"
    assert adapter.dtype_name(torch.randn_like(half, dtype=torch.float32).dtype) == "float32"
    assert torch.zeros(2, requires_grad=False).shape == (2,)
    assert torch.full((2,), 1.5, requires_grad=False).shape == (2,)
    with pytest.raises(MissingItem):
        torch.randn(2, requires_grad=True)
    with pytest.raises(MissingItem):
        torch.full((2,), 1.5, requires_grad=True)
    with pytest.raises(MissingItem):
        torch.rand_like(half, generator=object())
