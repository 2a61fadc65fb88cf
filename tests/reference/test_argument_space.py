"""Arguments of kinds the spec's generators reach since they draw every kind torch accepts:
each reference fix is pinned here against torch."""

from __future__ import annotations

import pytest

from tests.reference.conftest import check

torch = pytest.importorskip("torch")

STEPS = [
    lambda m: m.tensor(3),
    lambda m: m.tensor(3, dtype=m.int32),
    lambda m: m.tensor(3, dtype=m.uint8),
    lambda m: m.tensor(0),
    lambda m: m.tensor(-1),
    lambda m: m.tensor(3.0),
    lambda m: m.tensor(True),
    lambda m: m.tensor([3]),
    lambda m: True,
    lambda m: 3.0,
]


@pytest.mark.parametrize("steps", STEPS)
@pytest.mark.parametrize("op", ["linspace", "logspace"])
def test_steps_is_an_int_or_a_0dim_integer_tensor(op, steps):
    """torch takes a 0-dim integer tensor for ``steps``, and refuses bools, floats and 1-D."""
    check(lambda m: getattr(m, op)(0, 2, steps(m)), message=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8"])
@pytest.mark.parametrize(("start", "end", "steps"), [(-2.0, 0, 50), (-3, 1, 13), (0.5, -7.25, 31)])
def test_linspace_truncates_for_integer_dtypes(dtype, start, end, steps):
    check(lambda m: m.linspace(start, end, steps, dtype=getattr(m, dtype)))
