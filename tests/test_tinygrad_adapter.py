"""The tinygrad adapter: conversions, dtype map, missing names, and a run through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tinygrad")

from adapters import MissingItem  # noqa: E402
from adapters.tinygrad_adapter import DTYPES, TinygradAdapter  # noqa: E402
from conformance.cli import main  # noqa: E402
from tests.adapter_checks import (  # noqa: E402
    check_dtype_map,
    check_round_trip,
    check_torch_defaults,
)


@pytest.fixture(scope="module")
def adapter() -> TinygradAdapter:
    return TinygradAdapter()


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_round_trip_of_every_claimed_dtype(adapter: TinygradAdapter, dtype: str) -> None:
    check_round_trip(adapter, dtype, empty=False)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_dtype_map(adapter: TinygradAdapter, dtype: str) -> None:
    check_dtype_map(adapter, dtype)


@pytest.mark.parametrize("name", ["torch.complex64", "torch.searchsorted", "torch.nn.Linear"])
def test_missing_names_raise(adapter: TinygradAdapter, name: str) -> None:
    with pytest.raises(MissingItem):
        adapter.resolve(name)
    with pytest.raises(MissingItem):
        adapter.dtype("complex128")


def test_views_are_non_contiguous_movement_ops(adapter: TinygradAdapter) -> None:
    base = adapter.from_numpy(np.arange(12.0).reshape(3, 4))
    sliced = adapter.view(base, "sliced", (3, 2))
    np.testing.assert_array_equal(adapter.to_numpy(sliced), np.arange(12.0).reshape(3, 4)[:, 1::2])
    transposed = adapter.view(base, "transposed", (4, 3))
    assert adapter.to_numpy(transposed).shape == (4, 3)


def test_wrappers_take_torch_arguments(adapter: TinygradAdapter) -> None:
    torch = adapter.root()
    x = adapter.from_numpy(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], dtype=np.float32))
    values, indices = torch.max(x, dim=1)
    np.testing.assert_array_equal(adapter.to_numpy(values), [3.0, 5.0])
    np.testing.assert_array_equal(adapter.to_numpy(indices), [0, 1])
    assert adapter.to_numpy(torch.sum(x, dim=(0, 1), keepdim=True)).shape == (1, 1)
    assert adapter.to_numpy(torch.cat([x, x], dim=1)).shape == (2, 6)
    assert adapter.to_numpy(torch.tensor([[1, 2], [3, 4]])).dtype == np.int64


def test_amax_and_amin_take_numpy_aliases(adapter: TinygradAdapter) -> None:
    torch = adapter.root()
    x = adapter.from_numpy(np.array([[1, 5], [7, 2]], dtype=np.int64))
    np.testing.assert_array_equal(adapter.to_numpy(torch.amax(x, axis=1)), [5, 7])
    smallest = torch.amin(x, axis=(0, 1), keepdims=True)
    np.testing.assert_array_equal(adapter.to_numpy(smallest), [[1]])


def test_broadcast_to_takes_one_sequence(adapter: TinygradAdapter) -> None:
    """torch.broadcast_to's size is one sequence; tinygrad's expand also takes varargs."""
    torch = adapter.root()
    x = adapter.from_numpy(np.array([1, 2, 3], dtype=np.int64))
    assert adapter.to_numpy(torch.broadcast_to(x, [2, 3])).shape == (2, 3)
    with pytest.raises(TypeError):
        torch.broadcast_to(x, 3)


def test_random_functions_take_torch_defaults(adapter: TinygradAdapter) -> None:
    """torch's defaults (tests.adapter_checks); rand_like keeps a float16 input's dtype where
    tinygrad read dtype=None as its default float."""
    check_torch_defaults(adapter)
    half = adapter.from_numpy(np.zeros((2, 2), dtype=np.float16))
    torch = adapter.root()
    assert adapter.dtype_name(torch.randn_like(half, dtype=torch.float64).dtype) == "float64"


def test_a_run_through_the_engine(tmp_path: Path) -> None:
    """torch.stack passes its checks but the triaged ones, which its expectations list."""
    out = tmp_path / "run"
    argv = ["run", "--adapter", "adapters.tinygrad_adapter:TinygradAdapter", "--ops", "torch.stack"]
    assert main([*argv, "--profile", "quick", "--jobs", "1", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    statuses = {case["status"] for case in results["cases"] if case["item"] == "torch.stack"}
    assert {"passed", "xfailed"} <= statuses
    assert not statuses & {"failed", "error", "xpassed"}
    assert results["environment"]["device"] == "CPU"
