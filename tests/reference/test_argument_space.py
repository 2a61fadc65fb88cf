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


@pytest.mark.parametrize("k", STEPS[:6] + STEPS[8:])
def test_topk_k_is_an_int_or_a_0dim_integer_tensor(k):
    """As for steps (a bool or 1-D tensor k trips an internal assert of torch 2.13's)."""
    check(lambda m: tuple(m.topk(m.arange(6.0), k(m))), message=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float32"])
@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
def test_gather_takes_an_empty_index_of_any_dtype(dtype, shape):
    check(lambda m: m.gather(m.ones(2, 3), -1, m.zeros(shape, dtype=getattr(m, dtype))))
