"""Tolerances that scale with the work done, and the float64 recheck of float mismatches."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conformance.compare import CheckFailed, assert_values, eps
from conformance.session import RunConfig, Session
from tests.broken.base import Patched


def test_work_widens_the_tolerance_by_accumulated_rounding() -> None:
    expected = np.array([1.0], dtype=np.float32)
    actual = expected + np.float32(1000 * eps(np.float32))
    with pytest.raises(CheckFailed):
        assert_values(actual, expected)
    assert_values(actual, expected, work=np.array([2000.0]))  # 2000 terms of magnitude 1


def test_work_widens_bfloat16_too() -> None:
    """bfloat16 (numpy kind "V") gets the same widening as the IEEE types: torch's
    LogSoftmax of bfloat16 [2, 0] rounds its sum to bfloat16, -0.1245 for -0.1270."""
    import ml_dtypes

    bf16 = ml_dtypes.bfloat16
    expected = np.array([-0.12695312], dtype=bf16)
    actual = np.array([-0.12451172], dtype=bf16)
    with pytest.raises(CheckFailed):
        assert_values(actual, expected, (0.016, 1e-5))
    assert_values(actual, expected, (0.016, 1e-5), work=np.array([4 * 1.127]))
    with pytest.raises(CheckFailed):
        assert_values(np.array([-0.5], dtype=bf16), expected, (0.016, 1e-5), work=[4 * 1.127])


def test_work_does_not_excuse_a_wrong_value() -> None:
    with pytest.raises(CheckFailed):
        assert_values(np.array([1.5], np.float32), np.array([1.0], np.float32), work=[100.0])


def test_work_leaves_integers_exact() -> None:
    with pytest.raises(CheckFailed):
        assert_values(np.array([3]), np.array([2]), work=[1e9])


# A sum whose oracle accumulates in the input's precision, one term after another: less
# accurate than a pairwise sum. The engine must not blame the library for the oracle's error.
SPEC = """
section: "2.5.2"
title: Reduction ops
items:
  - name: torch.sum
    kind: function
    dtypes: [float32]
    inputs:
      input: "tensor(shape=(4096,), low=0, high=1)"
    call: torch.sum(input)
    oracle: np.cumsum(input)[-1]
"""


class SumDropsLastTerm(Patched):
    """sum that forgets the last element."""

    patches = {"torch.sum": "sum"}

    def sum(self, input: Any) -> Any:
        return self.ref.sum(input[:-1])


def _outcomes(tmp_path: Path, adapter: str) -> list[Any]:
    (tmp_path / "sum.yaml").write_text(textwrap.dedent(SPEC))
    session = Session.open(RunConfig(adapter=adapter, spec_dir=str(tmp_path), ops=["torch.sum"]))
    return [session.run(c) for c in session.cases if c.check == "oracle"]


@pytest.mark.parametrize("adapter", ["torch", "reference"])
def test_float64_recheck_clears_an_inaccurate_oracle(tmp_path: Path, adapter: str) -> None:
    assert [o.status for o in _outcomes(tmp_path, adapter)] == ["passed"]


def test_float64_recheck_still_fails_a_wrong_result(tmp_path: Path) -> None:
    (outcome,) = _outcomes(tmp_path, "tests.test_accuracy:SumDropsLastTerm")
    assert outcome.status == "failed"
    assert "recomputed in float64" in outcome.message
