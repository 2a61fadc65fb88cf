"""``reference`` sparse COO tensors against torch 2.13: sparse_coo_tensor and to_sparse, the
metadata, indices and values (coalesced or not), coalesce, to_dense, repr, errors, and a
sparse tensor as a dense parameter's grad."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

BUILT = [
    ([[1, 0, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3)),
    ([[1, 0, 1], [2, 0, 2]], [3.0, 4.0, 5.0], None),
    ([[0, 2]], [[1.0, 2.0], [3.0, 4.0]], (3, 2)),
    ([[3, 1, 3, 0]], [0.5, -1.0, 0.25, 0.0], (5,)),
    (np.zeros((2, 0), np.int64), np.zeros(0, np.float32), (2, 2)),
]
DENSE = [
    np.array([[0.0, 1.5], [0.0, 0.0]]),
    np.array([0.0, -2.0, 0.0, 3.0], np.float32),
    np.zeros((2, 3), np.float32),
    np.array(2.0, np.float32),
    np.array([[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [np.nan, -0.0]]], np.float32),
]


def _build(lib: Any, indices: Any, values: Any, size: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        i = lib.tensor(np.asarray(indices, np.int64))
        v = lib.tensor(np.asarray(values, np.float32))
        return lib.sparse_coo_tensor(i, v, size) if size else lib.sparse_coo_tensor(i, v)


def _meta(s: Any) -> tuple[Any, ...]:
    return (
        s.is_sparse,
        str(s.layout),
        tuple(s.shape),
        tuple(s.size()),
        s.ndim,
        s.dim(),
        str(s.dtype),
        str(s.device),
        s.numel(),
        s._nnz(),
        s.sparse_dim(),
        s.dense_dim(),
        s.is_coalesced(),
    )


def _same(a: Any, b: Any) -> None:
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.numpy().dtype == b.numpy().dtype


@pytest.mark.parametrize("case", BUILT, ids=str)
def test_sparse_coo_tensor(case: tuple[Any, ...]) -> None:
    t, r = _build(torch, *case), _build(reference, *case)
    assert _meta(r) == _meta(t)
    _same(r._indices(), t._indices())
    _same(r._values(), t._values())
    _same(r.to_dense(), t.to_dense())
    assert repr(r) == repr(t)
    tc, rc = t.coalesce(), r.coalesce()
    assert _meta(rc) == _meta(tc)
    _same(rc.indices(), tc.indices())
    _same(rc.values(), tc.values())
    assert repr(rc) == repr(tc)
    assert rc.coalesce() is rc


@pytest.mark.parametrize("array", DENSE, ids=str)
@pytest.mark.parametrize("sparse_dim", [None, 1])
def test_to_sparse(array: np.ndarray, sparse_dim: int | None) -> None:
    if sparse_dim is not None and array.ndim < 1:
        pytest.skip("a 0-dim tensor has no leading dimension")
    args = () if sparse_dim is None else (sparse_dim,)
    t, r = torch.tensor(array).to_sparse(*args), reference.tensor(array).to_sparse(*args)
    assert _meta(r) == _meta(t)
    _same(r.indices(), t.indices())
    _same(r.values(), t.values())
    _same(r.to_dense(), t.to_dense())
    assert repr(r) == repr(t)


def test_uncoalesced_indices_and_values_refuse() -> None:
    case = BUILT[0]
    for name in ("indices", "values"):
        errors = []
        for lib in (torch, reference):
            with pytest.raises(RuntimeError) as info:
                getattr(_build(lib, *case), name)()
            errors.append(str(info.value))
        assert errors[0] == errors[1]


@pytest.mark.parametrize(
    "case",
    [([[0, 1, 2]], [1.0, 2.0], (3,)), ([[0, 1], [1, 0]], [1.0, 2.0], (3,))],
    ids=["nnz", "size"],
)
def test_construction_errors(case: tuple[Any, ...]) -> None:
    errors = []
    for lib in (torch, reference):
        with pytest.raises(RuntimeError) as info:
            _build(lib, *case)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_sparse_grad_of_a_dense_parameter() -> None:
    for lib in (torch, reference):
        p = lib.zeros(2, 3, requires_grad=True)
        p.grad = _build(lib, *BUILT[0])
        assert p.grad.is_sparse and isinstance(p.grad, lib.Tensor)
        with pytest.raises(RuntimeError, match="attempting to assign a gradient of size"):
            p.grad = _build(lib, [[0]], [1.0], (4,))


def test_negation_keeps_the_indices() -> None:
    t, r = -_build(torch, *BUILT[0]), -_build(reference, *BUILT[0])
    _same(r._values(), t._values())
    assert r.is_coalesced() == t.is_coalesced()
