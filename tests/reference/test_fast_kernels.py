"""The reference's faster numeric kernels give what the plain algorithms they replace give:
torch's AVX2 normal kernel without a double-rounding check per fused multiply-add (over every
input it can receive), and the same kernels in cache-sized blocks; torch where it decides."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference
from reference import _random, _searching
from reference._mt19937 import MT19937
from reference._random import _DP, _HALF, _LOG_P, _LOG_Q1, _LOG_Q2, _ONE, _SQRTHF, _fma32
from reference.nn.functional import _conv as conv
from reference.nn.functional import _pooling as pool
from tests.reference.conftest import check
from tests.reference.test_random import assert_same_draws

pytest.importorskip("torch")
RNG = np.random.default_rng(16)


# ----- normal_fill's float kernel, as it was: every fused step through the checked _fma32 ------
def _horner_checked(coefs: list, x: np.ndarray) -> np.ndarray:
    y = np.full_like(x, coefs[0])
    for c in coefs[1:]:
        y = _fma32(y, x, c)
    return y


def _log256_checked(x: np.ndarray) -> np.ndarray:
    x = np.maximum(x, np.float32(2.0**-126))
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 0x7F).astype(np.float32) + _ONE
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    mask = x < _SQRTHF
    x = (x - _ONE) + np.where(mask, x, np.float32(0))
    e = e - np.where(mask, _ONE, np.float32(0))
    z = x * x
    y = _horner_checked(_LOG_P, x) * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = y - z * _HALF
    return _fma32(e, _LOG_Q2, x + y)


def _sincos256_checked(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    j = (x * _random._FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    sign_sin = ((j & 4) << 29).view(np.uint32)
    sign_cos = ((~(j - 2) & 4) << 29).view(np.uint32)
    poly_mask = (j & 2) == 0
    for dp in _DP:
        x = _fma32(y, dp, x)
    z = x * x
    yc = _fma32(_horner_checked(_random._COS_P, z) * z, z, -(z * _HALF)) + _ONE
    ys = _fma32(_horner_checked(_random._SIN_P, z) * z, x, x)
    zero = np.float32(0)
    sin1, sin2 = np.where(poly_mask, zero, yc), np.where(poly_mask, ys, zero)
    cos_value = (yc - sin1) + (ys - sin2)
    sin_value = sin1 + sin2
    s = (sin_value.view(np.uint32) ^ sign_sin).view(np.float32)
    c = (cos_value.view(np.uint32) ^ sign_cos).view(np.float32)
    return s, c


def _same_bits(got: Any, want: Any) -> None:
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("part", range(4))
def test_normal_kernel_over_every_uniform(part: int) -> None:
    """Every float32 uniform is k * 2**-24: the kernel meets 2**24 values of ``1 - u`` (log)
    and of ``2*pi * u`` (sine and cosine); all of them give the checked kernel's bits."""
    step = 2**20
    for start in range(part * 2**22, (part + 1) * 2**22, step):
        u = np.arange(start, start + step, dtype=np.float32) * np.float32(2.0**-24)
        u1 = _ONE - u
        _same_bits(_random._log256(u1), _log256_checked(u1))
        theta = np.float32(_random._TWO_PI) * u
        for got, want in zip(_random._sincos256(theta), _sincos256_checked(theta), strict=True):
            _same_bits(got, want)


@pytest.mark.parametrize("name", ["float32", "bfloat16"])
@pytest.mark.parametrize("n", [_random._BLOCK * 16, _random._BLOCK * 32 + 17])
def test_normal_fill_in_blocks_like_torch(name: str, n: int) -> None:
    """Sizes across the kernel's blocks (and a ragged end) draw torch's bits."""
    assert_same_draws(lambda m, g: m.randn(n, generator=g, dtype=getattr(m, name)), seed=n)
    assert_same_draws(lambda m, g: m.empty(n).normal_(0.5, 3.0, generator=g), seed=1)


# ----- integers: remainders by floor division, 64-bit draws from one view -------------------------
@pytest.mark.parametrize("kind", [np.uint32, np.uint64])
def test_remainder_is_percent(kind: Any) -> None:
    top = int(np.iinfo(kind).max)
    draws = np.array([0, 1, 2, 99, 100, 101, top - 1, top, top // 2, top // 3 + 7], kind)
    draws = np.concatenate([draws, np.random.default_rng(3).integers(0, top, 5000, kind)])
    for span in [1, 2, 3, 100, 2**28 - 1, 2**31, top // 2 + 1, top]:
        np.testing.assert_array_equal(_random._remainder(draws, kind(span)), draws % kind(span))


def test_random64_is_the_high_then_low_word() -> None:
    a, b = MT19937(11), MT19937(11)
    for n in [0, 1, 311, 312, 313, 700, 5000]:  # within, at and across regenerations
        words = a.random(2 * n).astype(np.uint64)
        np.testing.assert_array_equal(b.random64(n), (words[0::2] << np.uint64(32)) | words[1::2])


@pytest.mark.parametrize(
    "low, high",
    [(2**63 - 100, 2**63 - 1), (-(2**63), -(2**63) + 5), (-(2**63), 2**63 - 1), (7, 2**28 + 7)],
)
def test_randint_at_the_ends_of_int64_like_torch(low: int, high: int) -> None:
    assert_same_draws(lambda m, g: m.randint(low, high, (3000,), generator=g), seed=4)


# ----- maximum / minimum without a tie pass, searchsorted by numpy on sorted rows -----------------
@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_extremum_without_zero_or_nan_is_c10s(name: str, dtype: str) -> None:
    """Finite nonzero operands (ties included) skip the fix of ties and NaN: c10's rule."""
    dt = getattr(reference, dtype)
    a = RNG.integers(1, 5, 400) * RNG.choice([-1.5, 1.0, 2.0**-20], 400)
    b = np.where(RNG.random(400) < 0.3, a, RNG.standard_normal(400))
    for x, y in [(a, b), (a[:1].reshape(()), b), (a.reshape(20, 20), b[:20])]:
        p, q = (reference.tensor(v, dtype=dt) for v in (x, y))
        got = getattr(reference, name)(p, q)._data
        p, q = p._data, q._data
        want = np.where(p < q, q, p) if name == "maximum" else np.where(q < p, q, p)
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


SEARCH_VALUES = np.array([np.nan, -np.inf, np.inf, 0.0, -0.0, 1.0, -1.0, 2.5, 3.0, 1e-30])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int16])
@pytest.mark.parametrize("rows", [0, 1, 3, 70])
def test_sorted_search_is_torchs_binary_search(dtype: Any, rows: int) -> None:
    """On sorted rows without NaN, numpy's search gives torch's binary search's index."""
    pool = np.array([-np.inf, -1.0, -0.0, 0.0, 1.0, 1.0, 2.5, 3.0, 7.0, np.inf])
    if np.dtype(dtype).kind != "f":
        pool = np.array([-5, -1, 0, 0, 1, 1, 2, 3, 7, 9])
    bd = np.sort(RNG.choice(pool, (rows, 12)), axis=1).astype(dtype)
    vals = RNG.choice(SEARCH_VALUES if dtype in (np.float32, np.float64) else pool, (rows, 50))
    vals = vals.astype(dtype)
    for right in (False, True):
        got = _searching._sorted_search(bd, vals, right)
        want = _searching._binary_search(bd, vals, right)
        assert (got is None) == (rows == 0 or rows > 64)
        if got is not None:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "bd", [[0.0, np.nan], [np.nan], [3.0, 1.0, 2.0], [1.0, np.nan, 2.0], [-0.0, 0.0, 0.0]]
)
def test_searchsorted_on_unsorted_or_nan_boundaries_like_torch(bd: list) -> None:
    """NaN or unsorted boundaries keep torch's own search (where insertion is not unique)."""
    for side in ("left", "right"):
        check(lambda m, s=side: m.searchsorted(m.tensor(bd), m.tensor(SEARCH_VALUES), side=s))


# ----- max pooling's running argmax without masked copies ----------------------------------------
def _running_argmax_masked(w: np.ndarray, n: int, valid: np.ndarray, nan: bool) -> np.ndarray:
    """The running argmax as it was: masked copies of the best value and its slot."""
    slots = [w[(Ellipsis, *o)] for o in np.ndindex(*w.shape[n + 1 :])]
    best, arg = slots[0].copy(), np.zeros(slots[0].shape, np.int64)
    unseen = ~np.broadcast_to(valid[..., 0], best.shape)
    for j, v in enumerate(slots[1:], 1):
        wins = (v > best) | (np.isnan(v) if nan else False)
        wins = valid[..., j] & (wins | unseen)
        unseen = unseen & ~valid[..., j]
        np.copyto(best, v, where=wins)
        np.copyto(arg, j, where=wins)
    return arg


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("case", [(2, 1, 0, 1), (3, 2, 1, 1), (3, 1, 1, 2), (2, 2, 1, 1)])
def test_running_argmax_is_the_masked_one(dtype: Any, case: tuple) -> None:
    k, s, p, d = ((v, v) for v in case)
    for values in ([0, 1, 1, -1, np.nan, -np.inf], [-np.inf, -np.inf, 2]):
        a = RNG.choice(values, (6, 9, 8))
        if dtype == np.int32:
            a = np.nan_to_num(a, nan=3, neginf=np.iinfo(dtype).min)
        a = a.astype(dtype)
        out = tuple(pool.pool_output_size(z, k[0], s[0], p[0], d[0], False) for z in a.shape[1:])
        w = pool._windows(a, out, k, s, p, d, pool._lowest(a.dtype))
        _, ok = pool._table(pool._regular_coords(out, k, s, p, d), a.shape[1:])
        nan = bool(np.isnan(a).any()) if dtype == np.float32 else False
        want = _running_argmax_masked(w, 2, ok, nan)
        np.testing.assert_array_equal(pool._running_argmax(w, 2, ok, nan), want)


# ----- transposed convolution: a matmul per sample, unit strides as shifted runs ---------------
def _transposed_by_rows(x: np.ndarray, w: np.ndarray, p: Any) -> np.ndarray:
    """The transposed convolution as it was: one matmul over every position, then col2im."""
    n, c = x.shape[:2]
    blocks, kernel, nd, g = x.shape[2:], w.shape[2:], w.ndim - 2, p.groups
    cg, og = c // g, w.shape[1]
    positions, size = int(np.prod(blocks)), og * int(np.prod(kernel))
    rows = x.reshape(n, g, cg, positions).transpose(1, 0, 3, 2).reshape(g, n * positions, cg)
    cols = np.matmul(rows, w.reshape(g, cg, size)).reshape(g, n, *blocks, og, *kernel)
    order = (1, 0, 2 + nd, *range(3 + nd, 3 + 2 * nd), *range(2, 2 + nd))
    cols = cols.transpose(order).reshape(n, g * og, *kernel, *blocks)
    geometry = zip(blocks, p.stride, p.dilation, kernel, p.output_padding, strict=True)
    full = [(b - 1) * s + d * (k - 1) + 1 + q for b, s, d, k, q in geometry]
    out = conv.col2im(cols, full, p.stride, p.dilation)
    crop = (slice(q, f - q) for q, f in zip(p.padding, full, strict=True))
    return out[(slice(None), slice(None), *crop)]


TRANSPOSED = [  # (n, c, out per group, spatial, kernel, stride, padding, dilation, groups, extra)
    ((2, 6, 2, (9, 8), (3, 3), 1, 1, 1, 3, 0)),
    ((3, 4, 6, (7, 5), (2, 3), 1, 0, 2, 1, 0)),
    ((2, 4, 2, (6, 6), (3, 3), 1, 2, 2, 2, 1)),
    ((2, 4, 3, (5, 6), (3, 2), 2, 1, 1, 1, 1)),
    ((1, 2, 2, (4, 3, 5), (2, 3, 2), 1, 1, 2, 1, 0)),
    ((2, 3, 2, (11,), (4,), 1, 0, 3, 1, 0)),
    ((0, 2, 2, (4, 4), (3, 3), 1, 0, 1, 1, 0)),
]


@pytest.mark.parametrize("case", TRANSPOSED)
@pytest.mark.parametrize("special", [None, np.inf, np.nan])
def test_transposed_convolution_is_the_col2im_one(case: tuple, special: Any) -> None:
    n, c, og, spatial, kernel, s, q, d, g, extra = case
    nd = len(spatial)
    x = RNG.standard_normal((n, c, *spatial)).astype(np.float32)
    w = RNG.standard_normal((c, og, *kernel)).astype(np.float32)
    if special is not None and x.size:
        x.reshape(-1)[3] = special
        w.reshape(-1)[1] = -special  # a non-finite weight: the plain path
    p = conv.ConvParams((s,) * nd, (q,) * nd, (d,) * nd, True, (extra,) * nd, g)
    with np.errstate(all="ignore"):
        got, want = conv._transposed(x, w, p), _transposed_by_rows(x, w, p)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)  # NaN where NaN (the matmuls' NaN signs differ)
    real = ~np.isnan(want)
    assert got[real].tobytes() == want[real].tobytes()


def test_float32_sigmoid_in_one_temporary_is_the_formula() -> None:
    specials = [0, -0.0, np.inf, -np.inf, np.nan, 89, -104]
    x = np.concatenate([RNG.standard_normal(500) * 30, specials])
    for v in (x.astype(np.float32), x[:7:3].astype(np.float32), np.float32(-3.5)):
        got = reference.nn.functional.sigmoid(reference.tensor(v))._data
        with np.errstate(all="ignore"):
            want = np.float32(1) / (np.float32(1) + np.exp(-v))
        assert got.shape == np.shape(v) and got.tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "complex64"])
def test_samples_drawn_straight_into_their_tensor_like_torch(name: str) -> None:
    """Contiguous targets (fresh, out=, a contiguous part of a larger tensor) are filled in
    place; the tensor's other elements stay."""

    def draws(m: Any, g: Any) -> Any:
        dt = getattr(m, name)
        big = m.zeros(6, 40, dtype=dt)
        big[1:3].uniform_(generator=g)
        big[3:5].normal_(generator=g)
        m.rand(40, generator=g, out=big[5])
        return m.cat([big.reshape(-1), m.randn(33, generator=g, dtype=dt)])

    assert_same_draws(draws, seed=9)


# ----- cumsum's row-by-row scan ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "complex64", "int32", "bool"])
@pytest.mark.parametrize(("shape", "dim"), [((700, 600), 0), ((3, 40, 600), 1), ((2, 5, 300), 1)])
def test_row_scan_is_torchs_sequential_scan(dtype: str, shape: tuple, dim: int) -> None:
    """Adding each row to the next gives torch's bits, signed zeros and NaNs included, and what
    numpy's element-by-element cumsum gives."""
    import torch

    from reference._reductions import _ROW_SCAN_WIDTH, _running_sum

    assert np.prod(shape) // shape[dim] >= _ROW_SCAN_WIDTH  # the row path runs
    values = RNG.choice([-0.0, 0.0, 1.5, -2.0, 1e8, np.nan, np.inf, 3e-3], size=shape)
    x = values.astype(dtype) if dtype != "int32" else np.nan_to_num(values, posinf=9).astype(dtype)
    got = reference.cumsum(reference.from_numpy(x), dim).numpy()
    want = torch.cumsum(torch.from_numpy(x), dim).numpy()
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    accumulator = {"float32": np.float64, "int32": np.int64, "bool": np.int64}
    wide = x.astype(accumulator.get(dtype, x.dtype))
    by_rows = _running_sum(wide.copy(), dim)
    with np.errstate(invalid="ignore"):
        by_elements = np.cumsum(wide + wide.dtype.type(0), axis=dim)  # from +0.0
    assert np.array_equal(by_rows, by_elements, equal_nan=True)
