"""``torchconform list --reach``: the kinds of value the generators draw, measured by drawing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conformance.cli import main
from conformance.drawing import Settings
from conformance.generators import Raw, Strided
from conformance.reach import kinds_of, reach
from spec.loader import load_spec


def test_kinds_of_values() -> None:
    assert kinds_of(np.zeros((2, 0), np.float32)) == ["tensor[float32]", "empty"]
    assert kinds_of(np.array(3, np.int64)) == ["tensor[int64]", "0-dim"]
    assert kinds_of(Strided(np.ones((2, 3)), "transposed")) == ["tensor[float64]", "transposed"]
    assert kinds_of(Raw(np.ones(2, np.int32))) == ["ndarray[int32]"]
    assert kinds_of(()) == ["empty tuple"] and kinds_of([1, -2, 1]) == ["list of int, negative int"]
    assert kinds_of([np.zeros(2)]) == ["list"]
    values = (None, True, -1, 0, 2, 2**40, -(2**63), 2.0, 0.5, float("inf"), "mean")
    assert [kinds_of(v)[0] for v in values] == [
        "None",
        "bool",
        "negative int",
        "int 0",
        "int",
        "int >= 2**31",
        "int <= -2**63",
        "integral float",
        "float",
        "non-finite float",
        "str 'mean'",
    ]


def test_reach_counts_what_the_generators_draw() -> None:
    entry = next(e for e in load_spec().entries if e.item.name == "torch.sum")
    found = reach(entry, Settings(20, 0))
    assert found["examples"] == 20 * len(entry.item.dtype_list)
    tensors = {k for k in found["arguments"]["input"] if k.startswith("tensor[")}
    assert tensors == {f"tensor[{d}]" for d in entry.item.dtype_list}
    dims = set(found["arguments"]["dim"])
    assert "None" in dims and dims & {"int", "int 0"} and any(k.startswith("tuple") for k in dims)
    assert sum(found["dtype_combinations"].values()) == found["examples"]


def test_list_reach_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--reach", "--json", "--ops", "torch.gather", "--profile", "quick"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["name"] == "torch.gather"
    assert {"input", "dim", "index"} <= set(record["reach"]["arguments"])
