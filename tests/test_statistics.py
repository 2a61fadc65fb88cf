"""The statistical checks: they accept samples of the right distribution and reject shifted,
scaled, truncated, biased or dependent ones. Samples come from fixed numpy seeds, so every
test here is deterministic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from adapters import load_adapter
from conformance import statistics
from conformance.checks import CHECK_NAMES, vocabulary
from conformance.compare import CheckFailed
from conformance.statistics import (
    chi_square_uniform,
    in_range,
    independent_pairs,
    is_permutation,
    ks_normal,
    ks_uniform,
    mean_std,
    uniform_permutations,
    uniform_positions,
)

N = 100_000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def rejects(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


# ----- uniform ------------------------------------------------------------------------------
def test_ks_uniform_accepts_uniform_samples() -> None:
    for seed in range(5):
        assert ks_uniform(rng(seed).random(N))
        assert ks_uniform(rng(seed).uniform(-2.0, 3.0, N), low=-2.0, high=3.0)
        assert ks_uniform(rng(seed).random(N).astype(np.float32))


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(lambda r: r.random(N) ** 1.1, id="biased"),
        pytest.param(lambda r: r.random(N) * 0.97, id="truncated"),
        pytest.param(lambda r: np.sort(r.random(N))[N // 50 :], id="left-truncated"),
        pytest.param(lambda r: 0.5 * r.random(N) + 0.5 * r.random(N), id="triangular"),
    ],
)
def test_ks_uniform_rejects_other_distributions(sample) -> None:
    message = rejects(ks_uniform, sample(rng(1)))
    assert "statistic" in message and "p-value" in message and "n = " in message


def test_ks_uniform_rejects_samples_outside_the_half_open_range() -> None:
    x = rng(2).random(N)
    x[7] = 1.0
    assert "1 of 100000 samples outside [0.0, 1.0)" in rejects(ks_uniform, x)
    assert "outside" in rejects(ks_uniform, rng(2).random(N) - 0.01)


def test_ks_uniform_rejects_shifted_bounds() -> None:
    rejects(ks_uniform, rng(3).uniform(0.0, 1.0, N), low=0.0, high=1.05)


def test_in_range() -> None:
    assert in_range(rng(2).random(1000), 0, 1)
    assert in_range(np.array([], np.float32), 0, 1)
    assert in_range(np.array([3, 4], np.int8), 3, 5, integral=True)
    assert "1 of 3 samples outside [0, 1)" in rejects(in_range, np.array([0.0, 0.5, 1.0]), 0, 1)
    assert "outside" in rejects(in_range, np.array([0.5, np.nan]), 0, 1)
    assert "outside [3, 5)" in rejects(in_range, np.array([2, 3]), 3, 5)
    assert "not integers" in rejects(in_range, np.array([3.5]), 3, 5, integral=True)


# ----- normal -------------------------------------------------------------------------------
def test_ks_normal_accepts_normal_samples() -> None:
    for seed in range(5):
        assert ks_normal(rng(seed).standard_normal(N))
        assert ks_normal(rng(seed).normal(2.0, 3.0, N), mean=2.0, std=3.0)


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param(lambda r: r.normal(0.05, 1.0, N), id="shifted"),
        pytest.param(lambda r: r.normal(0.0, 1.05, N), id="scaled"),
        pytest.param(lambda r: np.clip(r.standard_normal(N), -2, 2), id="clipped"),
        pytest.param(lambda r: (lambda x: x[np.abs(x) < 2])(r.standard_normal(N)), id="truncated"),
        pytest.param(lambda r: r.standard_t(10, N), id="student-t"),
        pytest.param(lambda r: r.uniform(-1.7, 1.7, N), id="uniform"),
    ],
)
def test_ks_normal_rejects_other_distributions(sample) -> None:
    rejects(ks_normal, sample(rng(4)))


def test_ks_normal_rejects_non_finite_samples() -> None:
    x = rng(5).standard_normal(N)
    x[3] = np.nan
    assert "not finite" in rejects(ks_normal, x)


def test_mean_std() -> None:
    assert mean_std(rng(6).normal(2.0, 3.0, N), 2.0, 3.0)
    assert "t-test" in rejects(mean_std, rng(6).normal(2.05, 3.0, N), 2.0, 3.0)
    assert "std 3.0" in rejects(mean_std, rng(6).normal(2.0, 3.1, N), 2.0, 3.0)
    assert "std 3.0" in rejects(mean_std, rng(6).normal(2.0, 1.0, N), 2.0, 3.0)
    assert mean_std(np.full(1000, 1.5), 1.5, 0.0)
    assert "every sample should be 1.5" in rejects(mean_std, rng(6).normal(1.5, 1.0, 1000), 1.5, 0)


# ----- integers -----------------------------------------------------------------------------
def test_chi_square_uniform_accepts_uniform_integers() -> None:
    for seed in range(5):
        assert chi_square_uniform(rng(seed).integers(0, 10, N), 0, 10)
        assert chi_square_uniform(rng(seed).integers(-5, -2, N), -5, -2)
        assert chi_square_uniform(rng(seed).integers(0, 10, N).astype(np.float32), 0, 10)


def test_chi_square_uniform_rejects_an_inclusive_high() -> None:
    message = rejects(chi_square_uniform, rng(7).integers(0, 10, N, endpoint=True), 0, 10)
    assert "outside [0, 10)" in message and "[10]" in message


def test_chi_square_uniform_rejects_a_missing_value() -> None:
    rejects(chi_square_uniform, rng(7).integers(0, 9, N), 0, 10)


def test_chi_square_uniform_rejects_a_bias() -> None:
    x = rng(8).integers(0, 10, N)
    x[: N // 50] = 0  # 2% extra zeros
    assert "chi-square" in rejects(chi_square_uniform, x, 0, 10)


def test_chi_square_uniform_rejects_non_integers() -> None:
    assert "not integers" in rejects(chi_square_uniform, rng(9).random(N) * 10, 0, 10)


def test_chi_square_uniform_needs_enough_samples() -> None:
    with pytest.raises(ValueError, match="at least 50 samples"):
        chi_square_uniform(np.arange(10), 0, 10)


# ----- permutations -------------------------------------------------------------------------
def permutations(k: int, n: int, seed: int = 0) -> np.ndarray:
    r = rng(seed)
    return np.stack([r.permutation(n) for _ in range(k)])


def rotations(k: int, n: int, seed: int = 0) -> np.ndarray:
    shifts = rng(seed).integers(0, n, k)
    return (np.arange(n) + shifts[:, None]) % n


def naive_shuffles(k: int, n: int, seed: int = 0) -> np.ndarray:
    """Swap each position with any position (n**n equally likely paths): biased."""
    r = rng(seed)
    out = np.tile(np.arange(n), (k, 1))
    for row in out:
        for i, j in enumerate(r.integers(0, n, n)):
            row[i], row[j] = row[j], row[i]
    return out


def test_is_permutation() -> None:
    assert is_permutation(rng(0).permutation(9), 9)
    assert is_permutation(np.array([], np.int64), 0)
    assert is_permutation(np.array([2.0, 0.0, 1.0], np.float32), 3)
    assert "repeated [1]" in rejects(is_permutation, np.array([1, 1, 0]), 3)
    assert "missing [2]" in rejects(is_permutation, np.array([1, 3, 0]), 3)
    assert "shape" in rejects(is_permutation, np.arange(4), 3)


def test_uniform_positions_and_permutations_accept_uniform_shuffles() -> None:
    for seed in range(3):
        sample = permutations(2400, 4, seed)
        assert uniform_positions(sample)
        assert uniform_permutations(sample)


def test_rotations_have_uniform_positions_but_not_uniform_permutations() -> None:
    sample = rotations(2400, 4)
    assert uniform_positions(sample)
    assert "4 of 24 seen" in rejects(uniform_permutations, sample)


def test_naive_shuffle_is_rejected() -> None:
    sample = naive_shuffles(24_000, 4)
    rejects(uniform_positions, sample)
    rejects(uniform_permutations, sample)


def test_permutation_checks_reject_non_permutations() -> None:
    sample = permutations(2400, 4)
    sample[5] = [0, 0, 1, 2]
    assert "draw 5" in rejects(uniform_positions, sample)
    assert "draw 5" in rejects(uniform_permutations, sample)


def test_permutation_ranks_cover_every_permutation() -> None:
    every = np.array(list(itertools.permutations(range(4))) * 5)
    assert uniform_permutations(every)
    assert uniform_positions(every)


# ----- independence -------------------------------------------------------------------------
def test_independent_pairs() -> None:
    assert independent_pairs(rng(10).random(N))
    assert independent_pairs(rng(10).standard_normal(N))
    assert independent_pairs(rng(10).integers(0, 3, N))
    assert "independence" in rejects(independent_pairs, np.repeat(rng(11).random(N // 2), 2))
    rejects(independent_pairs, np.sort(rng(12).random(N)))
    smooth = rng(13).random(N + 1)
    rejects(independent_pairs, (smooth[1:] + smooth[:-1]) / 2)  # a moving average


# ----- bound to adapters --------------------------------------------------------------------
def test_names_are_registered() -> None:
    assert statistics.CHECK_NAMES <= CHECK_NAMES


@pytest.mark.parametrize("name", ["torch", "reference"])
def test_checks_take_library_tensors(name: str) -> None:
    adapter = load_adapter(name)
    torch = adapter.root()
    checks = vocabulary(adapter)
    g = torch.Generator().manual_seed(0)
    assert checks["ks_uniform"](torch.rand(20_000, generator=g))
    assert checks["ks_uniform"](torch.rand(20_000, generator=g, dtype=torch.bfloat16))
    assert checks["ks_normal"](torch.randn(20_000, generator=g, dtype=torch.float16))
    assert checks["chi_square_uniform"](torch.randint(3, 7, (20_000,), generator=g), 3, 7)
    assert checks["is_permutation"](torch.randperm(10, generator=g), 10)
    perms = checks["draw_many"](torch.randperm, 600, 4, generator=g)
    assert perms.shape == (600, 4)
    assert checks["uniform_positions"](perms)
    assert checks["uniform_permutations"]([torch.randperm(3, generator=g) for _ in range(300)])
    with pytest.raises(CheckFailed, match="p-value"):
        checks["ks_normal"](torch.rand(20_000, generator=g))
