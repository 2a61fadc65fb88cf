"""Elementwise math and autograd on 1M float32 elements, reductions along each axis of a
1000x1000 matrix, scans, searching, norms, matmul and random sampling: the reference beside
PyTorch in the same run (ratios, never asserts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure

pytest.importorskip("torch")
RNG = np.random.default_rng(0)
N = 1_000_000
X = RNG.standard_normal(N).astype(np.float32)
Y = RNG.standard_normal(N).astype(np.float32)
POSITIVE = np.abs(X) + np.float32(0.1)
MATRIX = RNG.standard_normal((1000, 1000)).astype(np.float32)
SORTED = np.sort(RNG.standard_normal(1000)).astype(np.float32)
A = RNG.standard_normal((256, 1024)).astype(np.float32)
B = RNG.standard_normal((1024, 1024)).astype(np.float32)


def _one(array: np.ndarray) -> Any:
    return lambda m: (m.from_numpy(array),)


def _two(m: Any) -> tuple:
    return m.from_numpy(X), m.from_numpy(Y)


def _leaf(m: Any) -> tuple:
    return (m.from_numpy(X.copy()).requires_grad_(),)


def _unary(name: str, array: np.ndarray = X) -> tuple:
    return _one(array), lambda m, x: getattr(m, name)(x)


def _along(name: str, dim: int, **kwargs: Any) -> tuple:
    return _one(MATRIX), lambda m, x: getattr(m, name)(x, dim, **kwargs)


GROUPS: Groups = {
    "elementwise": {
        "add_1m": (_two, lambda m, x, y: m.add(x, y)),
        "mul_1m": (_two, lambda m, x, y: m.mul(x, y)),
        "div_1m": (_two, lambda m, x, y: m.div(x, y)),
        "add_scalar_1m": (_one(X), lambda m, x: x + 1.5),
        "sin_1m": _unary("sin"),
        "exp_1m": _unary("exp"),
        "log_1m": _unary("log", POSITIVE),
        "sqrt_1m": _unary("sqrt", POSITIVE),
        "tanh_1m": _unary("tanh"),
        "sigmoid_1m": (_one(X), lambda m, x: m.nn.functional.sigmoid(x)),
        "relu_1m": (_one(X), lambda m, x: m.nn.functional.relu(x)),
        "abs_1m": _unary("abs"),
        "pow2_1m": (_one(X), lambda m, x: m.pow(x, 2)),
        "maximum_1m": (_two, lambda m, x, y: m.maximum(x, y)),
    },
    "reductions": {
        "sum_all": (_one(MATRIX), lambda m, x: m.sum(x)),
        "sum_dim0": _along("sum", 0),
        "sum_dim1": _along("sum", 1),
        "mean_dim0": _along("mean", 0),
        "mean_dim1": _along("mean", 1),
        "amax_dim0": _along("amax", 0),
        "amax_dim1": _along("amax", 1),
        "argmax_dim0": _along("argmax", 0),
        "argmax_dim1": _along("argmax", 1),
        "max_dim1": _along("max", 1),
        "softmax_dim1": (_one(MATRIX), lambda m, x: m.nn.functional.softmax(x, 1)),
    },
    "scans_search": {
        "cumsum_dim0": _along("cumsum", 0),
        "cumsum_dim1": _along("cumsum", 1),
        "topk_10_dim1": (_one(MATRIX), lambda m, x: m.topk(x, 10, 1)),
        "searchsorted_1m": (
            lambda m: (m.from_numpy(SORTED), m.from_numpy(X)),
            lambda m, s, v: m.searchsorted(s, v),
        ),
    },
    "linalg": {
        "vector_norm_1m": (_one(X), lambda m, x: m.linalg.vector_norm(x)),
        "matrix_norm_fro": (_one(MATRIX), lambda m, x: m.linalg.matrix_norm(x)),
        "matmul_256x1024x1024": (
            lambda m: (m.from_numpy(A), m.from_numpy(B)),
            lambda m, a, b: m.matmul(a, b),
        ),
    },
    "random": {
        "randn_1m": (lambda m: (), lambda m: m.randn(N)),
        "rand_1m": (lambda m: (), lambda m: m.rand(N)),
        "randint_1m": (lambda m: (), lambda m: m.randint(0, 100, (N,))),
        "randperm_100k": (lambda m: (), lambda m: m.randperm(100_000)),
    },
    "autograd": {
        "backward_elementwise_1m": (
            _leaf,
            lambda m, x: (x.sin() * x.exp() + x * x).sum().backward(),
        ),
    },
}


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed_math(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
