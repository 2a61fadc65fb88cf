"""The pooling oracles of spec/oracles/pooling.py agree with torch (float64, ties and NaN
included)."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import pooling

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {
    "pool_out_size",
    "max_pool",
    "max_pool_indices",
    "avg_pool",
    "lp_pool",
    "adaptive_max_pool",
    "adaptive_max_pool_indices",
    "adaptive_avg_pool",
    "fractional_max_pool2d",
    "fractional_max_pool2d_indices",
    "max_unpool",
}
RNG = np.random.default_rng(3)
MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
SHAPES = {1: (2, 3, 9), 2: (2, 7, 8), 3: (2, 5, 6, 7)}


def _close(actual: np.ndarray, expected: torch.Tensor) -> None:
    want = expected.detach().numpy()
    assert actual.shape == want.shape and actual.dtype == want.dtype
    np.testing.assert_allclose(actual, want, rtol=1e-12, atol=1e-12)


def _ties(shape: tuple) -> np.ndarray:
    """Few distinct values (ties everywhere), one NaN and one -inf."""
    x = RNG.integers(-2, 3, shape).astype(np.float64)
    x.reshape(-1)[RNG.integers(x.size)] = np.nan
    x.reshape(-1)[RNG.integers(x.size)] = -np.inf
    return x


MAX_CASES = [
    (2, dict(kernel_size=1)),
    (2, dict(kernel_size=3, stride=2, padding=1)),
    (2, dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1))),
    (2, dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    (1, dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    (3, dict(kernel_size=(2, 3, 2), stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True)),
]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(("n", "args"), MAX_CASES)
def test_max_pool(n: int, args: dict, ties: bool) -> None:
    x = _ties(SHAPES[n]) if ties else RNG.normal(size=SHAPES[n])
    values, indices = MAX[n](torch.from_numpy(x), **args, return_indices=True)
    got = pooling.max_pool(x, n, **args)
    np.testing.assert_array_equal(got, values.numpy())
    np.testing.assert_array_equal(pooling.max_pool_indices(x, n, **args), indices.numpy())


AVG_CASES = [
    (2, dict(kernel_size=3, stride=2, padding=1)),
    (2, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    (2, dict(kernel_size=(2, 3), padding=(1, 1), ceil_mode=True, divisor_override=4)),
    (1, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (1, dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    (3, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
]


@pytest.mark.parametrize(("n", "args"), AVG_CASES)
def test_avg_pool(n: int, args: dict) -> None:
    x = RNG.normal(size=SHAPES[n])
    _close(pooling.avg_pool(x, n, **args), AVG[n](torch.from_numpy(x), **args))


@pytest.mark.parametrize("norm_type", [1, 2, 3.5])
@pytest.mark.parametrize("n", [1, 2])
def test_lp_pool(n: int, norm_type: float) -> None:
    x = RNG.uniform(0.1, 2, size=SHAPES[n])
    lp = F.lp_pool1d if n == 1 else F.lp_pool2d
    want = lp(torch.from_numpy(x), norm_type, 3, 2, ceil_mode=True)
    _close(pooling.lp_pool(x, n, norm_type, 3, 2, ceil_mode=True), want)


ADAPTIVE = [(1, 4), (1, 9), (2, (3, None)), (2, (5, 3)), (3, (2, 4, 3)), (3, 1)]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(("n", "out"), ADAPTIVE)
def test_adaptive_pools(n: int, out, ties: bool) -> None:
    x = _ties(SHAPES[n]) if ties else RNG.normal(size=SHAPES[n])
    t = torch.from_numpy(x)
    mx = getattr(F, f"adaptive_max_pool{n}d")(t, out, return_indices=True)
    np.testing.assert_array_equal(pooling.adaptive_max_pool(x, n, out), mx[0].numpy())
    np.testing.assert_array_equal(pooling.adaptive_max_pool_indices(x, n, out), mx[1].numpy())
    if not ties:
        want = getattr(F, f"adaptive_avg_pool{n}d")(t, out)
        _close(pooling.adaptive_avg_pool(x, n, out), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("kernel", "out"), [(2, (3, 4)), ((3, 2), (4, 6)), (1, (7, 8)), (2, 1)])
def test_fractional_max_pool2d(kernel, out, dtype) -> None:
    x = RNG.normal(size=(2, 3, 8, 9)).astype(dtype)
    u = RNG.uniform(size=(2, 3, 2)).astype(dtype)
    values, indices = F.fractional_max_pool2d(
        torch.from_numpy(x), kernel, output_size=out, return_indices=True,
        _random_samples=torch.from_numpy(u),
    )  # fmt: skip
    np.testing.assert_array_equal(pooling.fractional_max_pool2d(x, kernel, out, u), values)
    np.testing.assert_array_equal(pooling.fractional_max_pool2d_indices(x, kernel, out, u), indices)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool(n: int) -> None:
    x = RNG.normal(size=SHAPES[n][:-n] + (5, 6, 8)[-n:])
    values, indices = MAX[n](torch.from_numpy(x), 2, return_indices=True)
    unpool = getattr(F, f"max_unpool{n}d")
    size = x.shape[-n:]
    want = unpool(values, indices, 2, output_size=size)
    got = pooling.max_unpool(values.numpy(), indices.numpy(), n, 2, output_size=size)
    _close(got, want)
    _close(pooling.max_unpool(values.numpy(), indices.numpy(), n, 2), unpool(values, indices, 2))


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("size", range(3, 9))
def test_pool_out_size(size: int, ceil_mode: bool) -> None:
    for k, s, p, d in [(3, 2, 1, 1), (2, 3, 1, 2), (4, 3, 2, 1), (1, 1, 0, 1)]:
        if pooling.pool_out_size(size, k, s, p, d, ceil_mode) < 1:
            continue
        x = torch.zeros(1, size)
        want = F.max_pool1d(x, k, s, p, d, ceil_mode=ceil_mode).shape[-1]
        assert pooling.pool_out_size(size, k, s, p, d, ceil_mode) == want
