"""``python -m benchmarks.paired``: both libraries timed round by round on the benchmarks' ops."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from benchmarks import paired  # noqa: E402


def test_every_benchmark_op_is_found_once() -> None:
    cases = paired.all_cases()
    assert {"small_add", "matmul_256x1024x1024", "cumsum_dim0", "lenet_train_step"} <= set(cases)
    assert all(group for group, _ in cases.values())


def test_a_pair_times_both_libraries() -> None:
    _, case = paired.all_cases()["small_add"]
    row = paired.time_pair(case, budget_s=0.01)
    assert set(row) == {"torch", "reference", "ratio"}
    assert all(value > 0 for value in row.values())


def test_no_matching_op_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert paired.main(["no_such_benchmark_op"]) == 2
    assert "no benchmark op matches" in capsys.readouterr().err
