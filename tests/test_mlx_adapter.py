"""The MLX adapter: conversions, dtype map, missing names, wrappers, a run through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mlx.core")

from adapters import MissingItem  # noqa: E402
from adapters.mlx_adapter import DTYPES, MLXAdapter  # noqa: E402
from conformance.cli import main  # noqa: E402
from tests.adapter_checks import (  # noqa: E402
    check_dtype_map,
    check_round_trip,
    check_torch_defaults,
)


@pytest.fixture(scope="module")
def adapter() -> MLXAdapter:
    return MLXAdapter()


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_round_trip_of_every_claimed_dtype(adapter: MLXAdapter, dtype: str) -> None:
    check_round_trip(adapter, dtype)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_dtype_map(adapter: MLXAdapter, dtype: str) -> None:
    check_dtype_map(adapter, dtype)


@pytest.mark.parametrize(
    "name",
    ["torch.complex128", "torch.logspace", "torch.chunk", "torch.nn.Conv2d", "torch.optim.SGD"],
)
def test_missing_names_raise(adapter: MLXAdapter, name: str) -> None:
    with pytest.raises(MissingItem):
        adapter.resolve(name)


def test_no_float64_or_complex128_downcast(adapter: MLXAdapter) -> None:
    """``mx.array`` of a float64 array gives float32 unless told: from_numpy keeps the dtype,
    and refuses what MLX cannot hold."""
    assert adapter.to_numpy(adapter.from_numpy(np.array([0.1]))).dtype == np.float64
    with pytest.raises(MissingItem):
        adapter.from_numpy(np.array([1j]))


def test_wrappers_take_torch_arguments(adapter: MLXAdapter) -> None:
    torch = adapter.root()
    x = adapter.from_numpy(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], dtype=np.float32))
    values, indices = torch.max(x, dim=1)
    np.testing.assert_array_equal(adapter.to_numpy(values), [3.0, 5.0])
    np.testing.assert_array_equal(adapter.to_numpy(indices), [0, 1])
    assert adapter.to_numpy(torch.sum(x, dim=(0, 1), keepdim=True)).shape == (1, 1)
    assert adapter.to_numpy(torch.cat([x, x], dim=1)).shape == (2, 6)
    assert adapter.to_numpy(torch.transpose(x, 0, 1)).shape == (3, 2)
    padded = torch.nn.functional.pad(x, (1, 2), value=7.0)
    np.testing.assert_array_equal(adapter.to_numpy(padded)[0], [7.0, 3.0, 1.0, 2.0, 7.0, 7.0])
    norms = torch.linalg.vector_norm(x, 1, dim=(0, 1), keepdim=True)
    np.testing.assert_array_equal(adapter.to_numpy(norms), [[15.0]])


def test_random_functions_take_torch_defaults(adapter: MLXAdapter) -> None:
    """torch's defaults (tests.adapter_checks), and MLX's own forms: normal takes dtype=,
    following the tensor mean's dtype; randperm counts a 0-dim tensor n."""
    check_torch_defaults(adapter)
    torch = adapter.root()
    assert torch.normal(0.0, 1.0, (2,), generator=None).shape == (2,)
    assert adapter.dtype_name(torch.normal(0.0, 1.0, (2,), dtype=torch.float16).dtype) == "float16"
    assert torch.randperm(adapter.from_numpy(np.array(4))).shape == (4,)
    mean, std = adapter.from_numpy(np.zeros(2, np.float32)), adapter.from_numpy(np.ones(2))
    assert adapter.dtype_name(torch.normal(mean, std).dtype) == "float32"  # the mean's dtype
    assert adapter.dtype_name(torch.normal(0.0, std).dtype) == "float64"
    half = adapter.from_numpy(np.zeros((2, 2), dtype=np.float16))
    assert adapter.dtype_name(torch.randint_like(half, 3, dtype=torch.int16).dtype) == "int16"


def test_modules_load_torch_state_dicts(adapter: MLXAdapter) -> None:
    torch = adapter.root()
    linear = torch.nn.Linear(3, 2, dtype=adapter.dtype("float64"))
    weight, bias = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])
    linear.load_state_dict({"weight": adapter.from_numpy(weight), "bias": adapter.from_numpy(bias)})
    assert list(linear.state_dict()) == ["weight", "bias"]
    out = linear(adapter.from_numpy(np.ones((1, 3))))
    np.testing.assert_array_equal(adapter.to_numpy(out), [[4.0, 11.0]])
    with pytest.raises(MissingItem):
        torch.nn.Softplus(2.0)  # MLX's Softplus has torch's default beta and threshold only


def test_a_run_through_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["run", "--adapter", "adapters.mlx_adapter:MLXAdapter", "--ops", "torch.sin"]
    assert main([*argv, "--profile", "quick", "--jobs", "1", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    statuses = {case["status"] for case in results["cases"] if case["item"] == "torch.sin"}
    assert "passed" in statuses and "xfailed" in statuses
    assert results["environment"]["library"] == "mlx"
