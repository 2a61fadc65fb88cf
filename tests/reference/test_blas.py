"""MKL's products (reference/_blas.py) give numpy's matmul, over the layouts BLAS reads as they
are (row- and column-major, leading dimensions wider than a row, broadcast batches) and those
it must copy first; small or unsupported products stay with numpy."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from reference import _blas

RNG = np.random.default_rng(7)
DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
SHAPES = [(64, 64, 64), (40, 1, 1000), (1, 1000, 40), (1000, 40, 1), (33, 65, 17)]

needs_mkl = pytest.mark.skipif(not _blas.active(), reason="the mkl wheel is not installed")


def _draw(dtype, *shape: int) -> np.ndarray:
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dtype)


def _assert_product(a: np.ndarray, b: np.ndarray) -> None:
    got = _blas.matmul(np, a, b)
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    want = np.matmul(a.astype(wide), b.astype(wide))
    assert got.dtype == a.dtype and got.shape == want.shape
    tol = 1e-4 if a.dtype in (np.float32, np.complex64) else 1e-11
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.sqrt(a.shape[-1]))


def _layouts(dt, m: int, k: int, n: int):
    a, b = _draw(dt, m, k), _draw(dt, k, n)
    yield a, b
    yield np.asfortranarray(a), b
    yield a, np.asfortranarray(b)
    yield _draw(dt, m, 2 * k)[:, ::2], b  # no unit stride: copied
    yield _draw(dt, m + 3, k)[3:], _draw(dt, k, n + 5)[:, 5:]  # rows wider than the matrix
    yield _draw(dt, 3, m, k), b  # a batch beside one matrix
    yield a, _draw(dt, 2, 1, k, n)
    yield _draw(dt, 3, 2, m, k).transpose(1, 0, 2, 3), _draw(dt, 3, n, k).transpose(0, 2, 1)


@pytest.fixture
def any_size(monkeypatch):
    """MKL for every product, however small (the layouts' shapes are small)."""
    monkeypatch.setattr(_blas, "MIN_WORK", 1)
    monkeypatch.setattr(_blas, "MIN_TOTAL", 1)


@needs_mkl
@pytest.mark.parametrize("dt", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mkn", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_mkl_product_is_numpys(dt, mkn, any_size) -> None:
    for a, b in _layouts(dt, *mkn):
        assert _blas._fits(a, b)
        _assert_product(a, b)


@needs_mkl
def test_batches_that_do_not_fold_stay_correct(any_size) -> None:
    a = _draw(np.float32, 4, 6, 16, 8)[:, :3]  # batch dims (4, 3) whose steps do not fold
    b = _draw(np.float32, 3, 8, 5)
    _assert_product(a, b)
    _assert_product(_draw(np.float32, 0, 16, 8), b[0])  # an empty batch


@needs_mkl
def test_special_values_propagate(any_size) -> None:
    a = _draw(np.float32, 64, 64)
    b = _draw(np.float32, 64, 64)
    a[3, 5], a[7, 0], b[0, 9] = np.nan, np.inf, -np.inf
    got, want = _blas.matmul(np, a, b), np.matmul(a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


def test_small_and_unsupported_products_stay_with_numpy(monkeypatch) -> None:
    monkeypatch.setattr(_blas, "_mkl", lambda: pytest.fail("MKL called"))
    cases = [
        (_draw(np.float32, 4, 4), _draw(np.float32, 4, 4)),  # small
        (_draw(np.float32, 64, 64), _draw(np.float32, 64, 64)),  # under MIN_TOTAL
        (_draw(np.float32, 20, 16, 16), _draw(np.float32, 20, 16, 16)),  # under MIN_WORK
        (np.ones((64, 64), np.int64), np.ones((64, 64), np.int64)),  # integers
        (np.ones((64, 64), np.float16), np.ones((64, 64), np.float16)),
        (_draw(np.float32, 64, 64), _draw(np.float64, 64, 64)),  # mixed
        (_draw(np.float64, 64), _draw(np.float64, 64, 64)),  # a vector
        (_draw(np.float64, 0, 64), _draw(np.float64, 64, 64)),  # empty
    ]
    for a, b in cases:
        np.testing.assert_array_equal(_blas.matmul(np, a, b), np.matmul(a, b))


def _active_under(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from reference import _blas; print(_blas.active())"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )


def test_environment_chooses_the_library() -> None:
    base = {k: v for k, v in os.environ.items() if k != _blas.ENV}
    assert _active_under({**base, _blas.ENV: "numpy"}).stdout.strip() == "False"
    bad = _active_under({**base, _blas.ENV: "openblas"})
    assert bad.returncode != 0 and "TORCHCONFORM_BLAS='openblas'" in bad.stderr
