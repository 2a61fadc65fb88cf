"""The promotion rules of spec/rules/promotion.yaml agree with PyTorch itself."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conformance.compare import numpy_dtype
from spec import promotion
from spec.dtypes import ALL

torch = pytest.importorskip("torch")

SCALARS = [True, 2, 2.5, 1 + 2j]


def _tensor(name: str, ndim: int):
    return torch.ones((2,) * ndim, dtype=getattr(torch, name))


def _array(name: str, ndim: int) -> np.ndarray:
    return np.ones((2,) * ndim, dtype=numpy_dtype(name))


def _torch_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


@pytest.mark.parametrize("a", ALL)
def test_table_row_matches_promote_types(a: str) -> None:
    got = [promotion.promote_types(a, b) for b in ALL]
    want = [_torch_name(torch.promote_types(getattr(torch, a), getattr(torch, b))) for b in ALL]
    assert got == want


@pytest.mark.parametrize("a", ALL)
def test_result_type_of_tensor_with_zero_dim_and_scalar(a: str) -> None:
    """Every dtype pair (tensor with dims, 0-dim tensor), and each Python scalar kind."""
    bad = []
    for b, s in itertools.product(ALL, SCALARS):
        for ops in (
            (_tensor(a, 1), _tensor(b, 0)),
            (_tensor(a, 1), s),
            (_tensor(a, 0), s),
            (_tensor(a, 0), _tensor(b, 0), s),
        ):
            want = _torch_name(
                torch.result_type(*ops)
                if len(ops) == 2
                else torch.result_type(ops[0] + ops[1], ops[2])
            )
            arrays = [
                _array(_torch_name(o.dtype), o.ndim) if torch.is_tensor(o) else o for o in ops
            ]
            got = (
                promotion.result_type(*arrays)
                if len(ops) == 2
                else promotion.result_type(
                    np.ones((), numpy_dtype(promotion.result_type(arrays[0], arrays[1]))), arrays[2]
                )
            )
            if got != want:
                bad.append((ops, got, want))
    assert not bad, bad[:5]


@pytest.mark.parametrize("name", ALL)
def test_to_floating_and_sum_dtype(name: str) -> None:
    x = torch.ones(2, dtype=getattr(torch, name))
    assert promotion.sum_dtype(name) == _torch_name(x.sum().dtype)
    assert promotion.to_floating(name) == _torch_name(torch.sin(x).dtype)
