"""Per-call overhead: ops on a 10-element tensor, where the work is nothing and the time is the
op mechanism's (argument parsing, promotion, wrapping, autograd recording), the reference
beside PyTorch in the same run (ratios, never asserts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure

pytest.importorskip("torch")
SMALL = np.linspace(-1, 1, 10, dtype=np.float32)


def _small(m: Any) -> tuple:
    return (m.from_numpy(SMALL.copy()),)


def _pair(m: Any) -> tuple:
    return m.from_numpy(SMALL.copy()), m.from_numpy(SMALL[::-1].copy())


def _leaf(m: Any) -> tuple:
    return (m.from_numpy(SMALL.copy()).requires_grad_(),)


GROUPS: Groups = {
    "dispatch": {
        "small_add": (_pair, lambda m, x, y: x + y),
        "small_add_scalar": (_small, lambda m, x: x + 1),
        "small_sin": (_small, lambda m, x: m.sin(x)),
        "small_sum": (_small, lambda m, x: x.sum()),
        "small_index": (_small, lambda m, x: x[3]),
        "small_slice": (_small, lambda m, x: x[2:8]),
        "small_tensor_ctor": (lambda m: (), lambda m: m.tensor([1.0, 2.0, 3.0])),
        "small_grad_mul_sum": (_leaf, lambda m, x: m.autograd.grad((x * x).sum(), x)),
        "small_backward": (_leaf, lambda m, x: (x.sin() * 2).sum().backward()),
    },
}


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed_dispatch(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
