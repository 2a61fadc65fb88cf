"""The input generators: non-contiguous layouts, extremal values, large and broadcast shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import load_adapter
from conformance import layouts
from conformance.generators import Strided, broadcastable, tensor

ADAPTERS = ["torch", "reference"]
FEW = settings(max_examples=60, database=None, deadline=None, derandomize=True)


@pytest.mark.parametrize("name", ADAPTERS)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int16", "complex64", "bool"])
def test_layouts_hold_the_drawn_values(name: str, dtype: str) -> None:
    adapter = load_adapter(name)
    seen: set[str] = set()

    @FEW
    @given(tensor(dtype=dtype, layout="any", min_dims=2))
    def check(value: object) -> None:
        if isinstance(value, Strided):
            seen.add(value.layout)
            got = adapter.to_numpy(layouts.to_library(value, adapter))
            assert np.array_equal(got, value.array, equal_nan=True)

    check()
    assert seen == {"transposed", "sliced", "expanded"}


def test_views_are_not_contiguous() -> None:
    adapter = load_adapter("torch")
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    for how in ("transposed", "sliced"):
        assert not layouts.to_library(Strided(array, how), adapter).is_contiguous()
    expanded = layouts.to_library(Strided(np.ones((2, 3), np.float32), "expanded", 0), adapter)
    assert expanded.stride()[0] == 0


def test_writable_replaces_expanded_views() -> None:
    value = Strided(np.ones((2, 3), np.float32), "expanded", 0)
    assert layouts.writable(value).layout == "sliced"
    assert layouts.writable(np.ones(2)) is not None


def _collect(strategy: st.SearchStrategy, n: int = 300) -> list:
    out: list = []

    @settings(max_examples=n, database=None, deadline=None)
    @given(strategy)
    def draw(value: object) -> None:
        out.append(value)

    draw()
    return out


def test_extremal_reaches_the_edges_of_float16() -> None:
    values = np.concatenate(
        [a.ravel() for a in _collect(tensor(dtype="float16", extremal=True, min_dims=1))]
    )
    finite = values[np.isfinite(values)]
    assert np.abs(finite).max() == np.finfo(np.float16).max  # beyond the default bound of 100
    assert np.any((finite != 0) & (np.abs(finite) < np.finfo(np.float16).tiny))  # subnormal
    assert np.any(np.signbit(finite) & (finite == 0))  # -0.0


def test_extremal_respects_explicit_bounds() -> None:
    for array in _collect(tensor(dtype="float32", extremal=True, low=-1, high=1), 100):
        assert np.all(np.abs(array) <= 1)


def test_large_draws_thousands_of_elements() -> None:
    sizes = [a.size for a in _collect(tensor(large=True), 20)]
    assert min(sizes) >= 1024 and max(sizes) <= 4096


def test_broadcastable_shapes_broadcast() -> None:
    x = np.zeros((3, 1, 4))
    for shape in _collect(broadcastable(x), 100):
        np.broadcast_shapes(x.shape, shape)


def test_unknown_layout_is_an_error() -> None:
    with pytest.raises(ValueError, match="layout"):
        tensor(layout="diagonal")


def test_memoized_generators_tell_their_arguments_apart() -> None:
    """A generator hands back the strategy it built for the same arguments, and only then:
    ``0.0`` and ``-0.0`` bound different floats, ``1``, ``1.0`` and ``True`` are different
    arguments, and a shape-only generator keys an array on its shape alone."""
    from conformance.generators import axis_of, floats

    assert tensor((2, 3), "float32") is tensor((2, 3), "float32")
    assert tensor([2, 3], "float32") is not tensor((2, 3), "float32")
    assert tensor((2,), "float32", low=0.0) is not tensor((2,), "float32", low=-0.0)
    assert floats(1, 2) is not floats(1.0, 2.0)
    assert floats(True, 2) is not floats(1, 2)

    @FEW
    @given(floats(0.0, 1.0))
    def never_negative_zero(value: float) -> None:
        assert np.copysign(1.0, value) == 1.0

    never_negative_zero()
    a, b = np.zeros((2, 3)), np.ones((2, 3))
    assert axis_of(a) is axis_of(b)
    assert axis_of(a) is not axis_of(np.zeros((2, 3, 4)))
    assert broadcastable(a) is broadcastable(b)
