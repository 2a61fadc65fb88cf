"""The helpers of the spec's derivative formulas, against hand-worked values and torch."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.derivatives import (
    matrix_norm_vjp,
    put_along,
    scatter_add,
    split_like,
    spread_evenly,
    sum_to,
    unreduce,
    vector_norm_vjp,
)


def test_sum_to_undoes_broadcasting() -> None:
    g = np.arange(12.0).reshape(2, 3, 2)
    np.testing.assert_array_equal(sum_to(g, (3, 1)), g.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(sum_to(g, ()), np.array(g.sum()))
    np.testing.assert_array_equal(sum_to(g, (1, 3, 2)), g.sum(axis=0, keepdims=True))
    np.testing.assert_array_equal(sum_to(g, g.shape), g)


@pytest.mark.parametrize(
    ("dim", "keepdim", "g_shape"),
    [(None, False, ()), ((), False, ()), (1, False, (2, 4)), ((0, -1), True, (1, 3, 1))],
)
def test_unreduce_spreads_a_cotangent_over_the_reduced_dims(
    dim: object, keepdim: bool, g_shape: tuple[int, ...]
) -> None:
    x = np.zeros((2, 3, 4))
    g = np.arange(1.0, 1.0 + np.prod(g_shape)).reshape(g_shape)
    out = unreduce(g, x, dim, keepdim)
    assert out.shape == x.shape
    np.testing.assert_array_equal(out.sum(), g.sum() * x.size / g.size)


def test_spread_evenly_shares_among_ties_and_gives_nan_to_a_nan_slice() -> None:
    x = np.array([[1.0, 3.0, 3.0], [np.nan, 0.0, 2.0]])
    out = spread_evenly(np.array([6.0, 4.0]), x, np.array([3.0, np.nan]), 1)
    np.testing.assert_array_equal(out[0], [0.0, 3.0, 3.0])
    assert np.isnan(out[1]).all()


def test_put_along_places_the_cotangent_at_the_picked_index() -> None:
    x = np.zeros((2, 3))
    out = put_along(np.array([5.0, 7.0]), np.array([2, 0]), x, -1)
    np.testing.assert_array_equal(out, [[0, 0, 5], [7, 0, 0]])
    kept = put_along(np.array([[1.0, 2.0, 3.0]]), np.array([[1, 0, 1]]), x, 0, keepdim=True)
    np.testing.assert_array_equal(kept, [[0, 2, 0], [1, 0, 3]])
    assert put_along(np.array(4.0), np.array(0), np.zeros(()), 0).tolist() == 4.0


def test_scatter_add_accumulates_repeated_indices() -> None:
    out = scatter_add((2, 3), 1, np.array([[0, 0], [2, 1]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(out, [[3, 0, 0], [0, 4, 3]])
    assert scatter_add((3,), 0, np.array([], np.int64), np.array([])).tolist() == [0, 0, 0]


def test_split_like_cuts_the_cotangent_of_a_cat() -> None:
    parts = [np.zeros((2, 1)), np.zeros((0,)), np.zeros((2, 2))]
    pieces = split_like(np.arange(6.0).reshape(2, 3), parts, 1)
    assert [p.shape for p in pieces] == [(2, 1), (0,), (2, 2)]
    np.testing.assert_array_equal(pieces[2], [[1, 2], [4, 5]])


def test_the_helpers_agree_with_torch_autograd() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    g = rng.normal(size=(3,))
    t = torch.tensor(x, requires_grad=True)
    (want,) = torch.autograd.grad(t.amax(1), t, torch.tensor(g))
    np.testing.assert_allclose(spread_evenly(g, x, x.max(1), 1), want.numpy())
    index = rng.integers(0, 4, size=(3, 5))
    gg = rng.normal(size=(3, 5))
    (want,) = torch.autograd.grad(torch.gather(t, 1, torch.tensor(index)), t, torch.tensor(gg))
    np.testing.assert_allclose(scatter_add(x.shape, 1, index, gg), want.numpy())


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
def test_matrix_norm_vjp_agrees_with_torch(ord: object) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 3, 4))
    g = rng.normal(size=(3,))
    t = torch.tensor(a, requires_grad=True)
    (want,) = torch.autograd.grad(torch.linalg.matrix_norm(t, ord, (0, 2)), t, torch.tensor(g))
    np.testing.assert_allclose(matrix_norm_vjp(g, a, ord, (0, 2)), want.numpy(), atol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, 0, 3, 0.5, -1, np.inf, -np.inf])
def test_vector_norm_vjp_agrees_with_torch(ord: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.uniform(0.25, 4, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    g = rng.normal(size=(1, 4))
    t = torch.tensor(x, requires_grad=True)
    norm = torch.linalg.vector_norm(t, ord, 0, True)
    (want,) = torch.autograd.grad(
        norm, t, torch.tensor(g), allow_unused=True, materialize_grads=True
    )
    got = vector_norm_vjp(g, x, ord, 0, True, norm.detach().numpy())
    np.testing.assert_allclose(got, want.numpy(), atol=1e-12)
