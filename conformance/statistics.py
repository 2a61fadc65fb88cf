"""Statistical checks that spec steps call on random samples drawn from the library.

A library that does not reproduce torch's generator bit for bit is still held to torch's
distributions: these checks run a goodness-of-fit test (``scipy.stats``) on a sample and
raise :class:`CheckFailed` with the statistic, the p-value and the sample size when the test
rejects at the false-alarm rate ``alpha``. Specs draw their samples with fixed seeds, so
every check is deterministic for a given library: a correct library passes it except with
probability ``alpha`` over the choice of seed, and a broken one fails it every time.

The functions take library tensors (converted through the adapter), numpy arrays, or lists
of either; :func:`vocabulary` binds them to an adapter like :func:`conformance.checks.vocabulary`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from adapters.base import Adapter
from conformance.compare import CheckFailed

#: Default false-alarm rate of each test.
ALPHA = 1e-4
#: The fewest expected counts per cell for a chi-square test to be trusted.
MIN_EXPECTED = 5

CHECK_NAMES = frozenset(
    {
        "in_range",
        "ks_uniform",
        "ks_normal",
        "mean_std",
        "chi_square_uniform",
        "is_permutation",
        "uniform_positions",
        "uniform_permutations",
        "independent_pairs",
        "draw_many",
    }
)


def _verdict(test: str, statistic: float, pvalue: float, n: int, alpha: float) -> bool:
    """Pass, or fail with the test's statistic, p-value and sample size."""
    if not pvalue >= alpha:
        raise CheckFailed(
            f"{test} rejects the sample: statistic {statistic:.6g}, p-value {pvalue:.3g} "
            f"< alpha {alpha:g}, n = {n}"
        )
    return True


def _need_samples(values: np.ndarray, least: int) -> None:
    if values.size < least:
        raise ValueError(f"a statistical check needs at least {least} samples, got {values.size}")


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    bad = ~np.isfinite(values)
    if bad.any():
        raise CheckFailed(
            f"{what}: {int(bad.sum())} of {values.size} samples are not finite, e.g. "
            f"{values[bad][:5].tolist()}"
        )
    return values


def _integers(values: np.ndarray, what: str) -> np.ndarray:
    """The samples as int64; non-integral values fail the check."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64)
    _finite(values, what)
    fractional = values != np.floor(values)
    if fractional.any():
        raise CheckFailed(
            f"{what}: {int(fractional.sum())} of {values.size} samples are not integers, e.g. "
            f"{values[fractional][:5].tolist()}"
        )
    return values.astype(np.int64)


def in_range(values: np.ndarray, low: float, high: float, integral: bool = False) -> bool:
    """Every sample lies in the half-open range [low, high) (NaN does not), and is a whole
    number when ``integral``. Holds for an empty sample."""
    x = np.asarray(values)
    if x.dtype.kind not in "biu":
        x = x.astype(np.float64)
    x = x.ravel()
    outside = ~((x >= low) & (x < high))
    if outside.any():
        raise CheckFailed(
            f"in_range: {int(outside.sum())} of {x.size} samples outside [{low}, {high}), "
            f"e.g. {x[outside][:5].tolist()}"
        )
    if integral:
        _integers(x, "in_range")
    return True


def ks_uniform(
    values: np.ndarray, low: float = 0.0, high: float = 1.0, alpha: float = ALPHA
) -> bool:
    """Every sample lies in [low, high) and a Kolmogorov-Smirnov test accepts U(low, high)."""
    x = _finite(np.asarray(values, np.float64).ravel(), "ks_uniform")
    _need_samples(x, 100)
    outside = (x < low) | (x >= high)
    if outside.any():
        raise CheckFailed(
            f"ks_uniform: {int(outside.sum())} of {x.size} samples outside [{low}, {high}), "
            f"e.g. {x[outside][:5].tolist()}"
        )
    result = stats.kstest(x, stats.uniform(loc=low, scale=high - low).cdf)
    return _verdict(
        f"Kolmogorov-Smirnov test against U({low}, {high})",
        result.statistic,
        result.pvalue,
        x.size,
        alpha,
    )


def ks_normal(
    values: np.ndarray, mean: float = 0.0, std: float = 1.0, alpha: float = ALPHA
) -> bool:
    """A Kolmogorov-Smirnov test accepts N(mean, std**2) (every sample finite)."""
    x = _finite(np.asarray(values, np.float64).ravel(), "ks_normal")
    _need_samples(x, 100)
    result = stats.kstest(x, stats.norm(loc=mean, scale=std).cdf)
    return _verdict(
        f"Kolmogorov-Smirnov test against N({mean}, {std}**2)",
        result.statistic,
        result.pvalue,
        x.size,
        alpha,
    )


def mean_std(values: np.ndarray, mean: float, std: float, alpha: float = ALPHA) -> bool:
    """The sample's mean and standard deviation agree with a normal N(mean, std**2): a
    one-sample t-test of the mean and a two-sided chi-square test of the variance, each at
    alpha / 2."""
    x = _finite(np.asarray(values, np.float64).ravel(), "mean_std")
    _need_samples(x, 100)
    n = x.size
    if std == 0:
        if not np.all(x == mean):
            raise CheckFailed(
                f"mean_std: std 0, so every sample should be {mean}, "
                f"got {np.unique(x)[:5].tolist()}"
            )
        return True
    t = stats.ttest_1samp(x, mean)
    _verdict(
        f"t-test of mean {mean} (sample mean {x.mean():.6g})", t.statistic, t.pvalue, n, alpha / 2
    )
    chi2 = stats.chi2(df=n - 1)
    statistic = (n - 1) * x.var(ddof=1) / std**2
    pvalue = min(1.0, 2 * min(chi2.cdf(statistic), chi2.sf(statistic)))
    return _verdict(
        f"chi-square test of std {std} (sample std {x.std(ddof=1):.6g})",
        statistic,
        pvalue,
        n,
        alpha / 2,
    )


def chi_square_uniform(values: np.ndarray, low: int, high: int, alpha: float = ALPHA) -> bool:
    """Every sample is an integer in [low, high) and a chi-square test of the counts of each
    value accepts the discrete uniform distribution."""
    x = _integers(np.asarray(values).ravel(), "chi_square_uniform")
    cells = high - low
    _need_samples(x, MIN_EXPECTED * cells)
    outside = (x < low) | (x >= high)
    if outside.any():
        raise CheckFailed(
            f"chi_square_uniform: {int(outside.sum())} of {x.size} samples outside "
            f"[{low}, {high}), e.g. {np.unique(x[outside])[:5].tolist()}"
        )
    counts = np.bincount(x - low, minlength=cells)
    result = stats.chisquare(counts)
    return _verdict(
        f"chi-square test of uniform counts over [{low}, {high})",
        result.statistic,
        result.pvalue,
        x.size,
        alpha,
    )


def is_permutation(values: np.ndarray, n: int) -> bool:
    """A 1-d sample holding each of 0 .. n-1 exactly once."""
    x = np.asarray(values)
    if x.shape != (n,):
        raise CheckFailed(f"is_permutation: shape {x.shape} != ({n},)")
    x = _integers(x, "is_permutation")
    counts = np.bincount(x[(x >= 0) & (x < n)], minlength=n)
    if (counts != 1).any() or x.size != counts.sum():
        missing = np.flatnonzero(counts == 0)[:5].tolist()
        repeated = np.flatnonzero(counts > 1)[:5].tolist()
        strays = x[(x < 0) | (x >= n)][:5].tolist()
        raise CheckFailed(
            f"is_permutation: {x.tolist()[:20]} is not a permutation of 0..{n - 1} "
            f"(missing {missing}, repeated {repeated}, out of range {strays})"
        )
    return True


def _permutations(values: np.ndarray) -> np.ndarray:
    """Rows of permutations of 0 .. n-1 as an int64 (k, n) array; anything else fails."""
    x = np.asarray(values)
    if x.ndim != 2:
        raise ValueError(f"expected a (draws, n) array of permutations, got shape {x.shape}")
    x = _integers(x, "permutations")
    n = x.shape[1]
    if not (np.sort(x, axis=1) == np.arange(n)).all():
        bad = int(np.flatnonzero(~(np.sort(x, axis=1) == np.arange(n)).all(axis=1))[0])
        raise CheckFailed(f"draw {bad}: {x[bad].tolist()} is not a permutation of 0..{n - 1}")
    return x


def uniform_positions(values: np.ndarray, alpha: float = ALPHA) -> bool:
    """Each value is equally likely at each position: a chi-square test of the (position,
    value) counts of k permutations of 0 .. n-1 (a (k, n) array), with (n - 1)**2 degrees of
    freedom since every row and column of the table sums to k."""
    x = _permutations(values)
    k, n = x.shape
    _need_samples(x[:, 0], MIN_EXPECTED * n)
    table = np.zeros((n, n), np.int64)
    np.add.at(table, (np.broadcast_to(np.arange(n), x.shape), x), 1)
    result = stats.chisquare(table.ravel(), ddof=2 * n - 2)
    return _verdict(
        f"chi-square test of the position of each value in {k} permutations of {n}",
        result.statistic,
        result.pvalue,
        k,
        alpha,
    )


def uniform_permutations(values: np.ndarray, alpha: float = ALPHA) -> bool:
    """Each of the n! permutations is equally likely: a chi-square test of how often each
    occurs among k draws (a (k, n) array; k must give each at least 5 expected)."""
    x = _permutations(values)
    k, n = x.shape
    cells = math.factorial(n)
    _need_samples(x[:, 0], MIN_EXPECTED * cells)
    # Lehmer code: for each position, how many later elements are smaller
    smaller = (x[:, :, None] > x[:, None, :]) & np.triu(np.ones((n, n), bool), 1)
    digits = smaller.sum(axis=2)
    weights = np.array([math.factorial(n - 1 - i) for i in range(n)], np.int64)
    counts = np.bincount(digits @ weights, minlength=cells)
    result = stats.chisquare(counts)
    seen = int((counts > 0).sum())
    return _verdict(
        f"chi-square test of uniform permutations ({seen} of {cells} seen)",
        result.statistic,
        result.pvalue,
        k,
        alpha,
    )


def independent_pairs(values: np.ndarray, bins: int = 8, alpha: float = ALPHA) -> bool:
    """Successive samples are independent: the samples (flattened) are cut into disjoint
    pairs (x[0], x[1]), (x[2], x[3]), ..., each binned (by value when there are at most
    ``bins`` distinct values, else by the sample's quantiles), and a chi-square test of
    independence runs on the contingency table of first and second members."""
    x = np.asarray(values, np.float64).ravel()
    x = _finite(x[: x.size // 2 * 2], "independent_pairs")
    distinct = np.unique(x)
    if distinct.size <= bins:
        labels = np.searchsorted(distinct, x)
    else:
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1]))
        labels = np.searchsorted(edges, x, side="right")
    cells = int(labels.max()) + 1
    _need_samples(x, 2 * MIN_EXPECTED * cells * cells)
    table = np.zeros((cells, cells), np.int64)
    np.add.at(table, (labels[0::2], labels[1::2]), 1)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    result = stats.chi2_contingency(table)
    return _verdict(
        "chi-square test of independence of successive samples",
        result.statistic,
        result.pvalue,
        x.size // 2,
        alpha,
    )


def vocabulary(adapter: Adapter) -> dict[str, Any]:
    """The statistical checks bound to ``adapter`` (they accept its tensors)."""

    def sample(value: Any) -> np.ndarray:
        if adapter.is_tensor(value):
            return adapter.to_numpy(value)
        if isinstance(value, (list, tuple)) and value and not np.isscalar(value[0]):
            return np.stack([sample(v) for v in value])
        return np.asarray(value)

    def bound(check: Callable[..., bool]) -> Callable[..., bool]:
        def run(values: Any, *args: Any, **kwargs: Any) -> bool:
            array = sample(values)
            if array.dtype.kind not in "biuf":  # bfloat16 and float16 samples as float64
                array = array.astype(np.float64)
            return check(array, *args, **kwargs)

        run.__name__ = run.__qualname__ = check.__name__
        run.__doc__ = check.__doc__
        return run

    def draw_many(fn: Callable[..., Any], k: int, *args: Any, **kwargs: Any) -> np.ndarray:
        """``k`` calls of ``fn(*args, **kwargs)`` stacked into one numpy array of shape
        (k, *the shape of one result)."""
        return np.stack([sample(fn(*args, **kwargs)) for _ in range(k)])

    checks = [
        in_range,
        ks_uniform,
        ks_normal,
        mean_std,
        chi_square_uniform,
        is_permutation,
        uniform_positions,
        uniform_permutations,
        independent_pairs,
    ]
    table: dict[str, Any] = {c.__name__: bound(c) for c in checks}
    table["draw_many"] = draw_many
    assert set(table) == CHECK_NAMES
    return table
