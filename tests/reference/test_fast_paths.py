"""The reference's vectorised paths give what the plain algorithms they replace give: the
swap shuffle of ``randperm`` without its loop, ``topk`` by a partition of the values and a
sort of the candidates (or of packed keys), max pooling by a running argmax over kernel
offsets, average pooling by per-offset sums, view gradients written through the view's
strides (or, laid out as the view, taken as they are), ``gather`` as one flat take, and
``tensor``'s dtype inference per kind of scalar; torch where it decides the same thing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference
from reference._random import _swap_shuffle
from reference._searching import _first_k
from tests.reference.conftest import check

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(7)


def _swap_loop(picks: np.ndarray, n: int) -> np.ndarray:
    perm = list(range(n))
    for i, z in enumerate(picks.tolist()):
        perm[i], perm[i + z] = perm[i + z], perm[i]
    return np.asarray(perm, np.int64)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 16, 17, 100, 2000])
def test_swap_shuffle_is_the_loop(n: int) -> None:
    for _ in range(20):
        picks = RNG.integers(0, 2**32, max(n - 1, 0)) % np.arange(n, 1, -1)
        assert np.array_equal(_swap_shuffle(picks, n), _swap_loop(picks, n))
    stay = np.zeros(max(n - 1, 0), np.int64)  # no swap at all, and always the last
    assert np.array_equal(_swap_shuffle(stay, n), np.arange(n))
    last = np.arange(n - 1, 0, -1, dtype=np.int64)
    assert np.array_equal(_swap_shuffle(last, n), _swap_loop(last, n))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 70000])
def test_randperm_is_torchs(n: int) -> None:
    check(lambda m: (m.manual_seed(5), m.randperm(n))[1])


def _stable_first(key: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """The first k of a stable sort, largest first with NaN first, or smallest first."""
    if not largest:
        return np.argsort(key, -1, kind="stable")[..., :k]
    if key.dtype.kind == "f":
        return np.lexsort((-key, ~np.isnan(key)), axis=-1)[..., :k]
    return np.argsort(~key, -1, kind="stable")[..., :k]


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float16, np.float64, np.int8, np.uint8, np.int32, np.int64]
)
def test_topk_order_is_the_stable_sort(dtype: Any) -> None:
    if np.dtype(dtype).kind == "f":
        pool = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, -np.nan, 1e-40], dtype)
    else:
        info = np.iinfo(dtype)
        pool = np.array([info.min, info.max, 0, 1, 2, info.min + 1], dtype)
    for _ in range(60):
        key = RNG.choice(pool, (3, int(RNG.integers(1, 10))))
        key = key.astype(np.float32) if dtype == np.float16 else key
        for k in range(key.shape[-1] + 1):
            for largest in (True, False):
                got = _first_k(key, k, largest, np.dtype(dtype).kind)
                assert np.array_equal(got, _stable_first(key, k, largest)), (key, k, largest)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8, np.uint8, np.int64])
def test_topk_candidates_are_the_stable_sort(dtype: Any) -> None:
    """Long rows, where only the values up to each row's k-th are sorted: few distinct values
    (ties at the k-th, candidates too many), or many (exactly k a row), signed zeros, no NaN."""
    few = np.array([0.0, -0.0, 1.0, -1.0, 3.0] if np.dtype(dtype).kind == "f" else [0, 1, 3, 7])
    for values in (few, np.arange(-150, 100) if np.dtype(dtype) != np.uint8 else np.arange(250)):
        key = RNG.choice(values, (4, 3, 200)).astype(dtype)
        for k in (1, 2, 7, 50):
            for largest in (True, False):
                got = _first_k(key, k, largest, np.dtype(dtype).kind)
                assert np.array_equal(got, _stable_first(key, k, largest)), (k, largest)


def test_topk_values_with_ties_and_nan_like_torch() -> None:
    """torch's order among equal values is its kernel's own: values only."""
    rows = RNG.choice(np.array([0.0, -0.0, 2.0, np.nan, -np.inf], np.float32), (6, 40))
    for largest in (True, False):
        check(lambda m, lg=largest: m.topk(m.tensor(rows), 7, 1, lg).values)
        check(lambda m, lg=largest: m.topk(m.tensor(rows).t(), 3, 0, lg).values)


POOL_CASES = [
    (1, 3, 2, 1, 1, False),
    (2, 2, None, 0, 1, False),
    (2, 3, 2, 1, 1, True),
    (2, (3, 2), (2, 1), (1, 1), (2, 1), True),
    (3, 2, 1, 1, 1, False),
    (3, 3, 2, 1, 2, True),
]


def _pool_input(n: int, m: Any, kind: str) -> Any:
    """Ties, NaN, and windows that are -inf throughout (padding must never win)."""
    values = {
        "ties": np.array([0.0, 1.0, 1.0, -1.0], np.float32),
        "nan": np.array([0.0, np.nan, 1.0, -np.inf], np.float32),
        "ninf": np.array([-np.inf, -np.inf, -np.inf, 1.0], np.float32),
    }[kind]
    shape = (2, 3) + (7, 6, 5)[:n]
    return m.tensor(np.random.default_rng(n).choice(values, shape))


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("kind", ["ties", "nan", "ninf"])
def test_max_pool_choice_like_torch(case: tuple, kind: str) -> None:
    n, k, s, p, d, ceil = case
    check(
        lambda m: getattr(m.nn.functional, f"max_pool{n}d")(
            _pool_input(n, m, kind), k, s, p, d, ceil, return_indices=True
        )
    )


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_max_pool_integers_at_their_lowest(dtype: str) -> None:
    x = np.full((1, 1, 5, 5), np.iinfo(dtype).min, dtype)
    x[0, 0, 2, 3] = 4  # elsewhere the lowest value: ties with the padding's fill
    check(lambda m: m.nn.functional.max_pool2d(m.tensor(x), 3, 2, 1, return_indices=True))


@pytest.mark.parametrize("case", POOL_CASES)
def test_avg_pool_sums_each_window_in_float64(case: tuple) -> None:
    n, k, s, p, _, ceil = case
    x = RNG.standard_normal((2, 3) + (7, 6, 5)[:n]).astype(np.float32)
    fn = getattr(reference.nn.functional, f"avg_pool{n}d")
    got = fn(reference.tensor(x), k, s, p, ceil).numpy()
    ks, ss, ps = (tuple(v if isinstance(v, tuple) else (v,) * n) for v in (k, s or k, p))
    padded = np.pad(x.astype(np.float64), [(0, 0), (0, 0)] + [(q, q + max(ks)) for q in ps])
    for out in np.ndindex(*got.shape[2:]):
        starts = [o * st for o, st in zip(out, ss, strict=True)]
        window = padded[(..., *(slice(a, a + kk) for a, kk in zip(starts, ks, strict=True)))]
        total = np.zeros(x.shape[:2])
        for offset in np.ndindex(*ks):  # row-major, one slot at a time
            total += window[(..., *offset)]
        sizes = [
            min(a + kk, size + 2 * q) - a
            for a, kk, size, q in zip(starts, ks, x.shape[2:], ps, strict=True)
        ]
        want = (total / np.prod(sizes)).astype(np.float32)
        assert np.array_equal(got[(..., *out)], want), out


VIEWS = {
    "t": lambda x: x.t(),
    "every_other_column_of_t": lambda x: x.t()[::2],
    "narrow": lambda x: x.narrow(1, 1, 3),
    "permute_unsqueeze": lambda x: x.unsqueeze(0).permute(2, 0, 1),
    "as_strided": lambda x: x.as_strided((2, 3), (1, 5), 1),
    "expand": lambda x: x[:1].expand(3, 5),
    "select_of_t": lambda x: x.t()[2],
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_gradients_like_torch(name: str) -> None:
    x = RNG.standard_normal((4, 5))
    weights = RNG.standard_normal((5, 4)).reshape(-1)

    def grads(m: Any) -> Any:
        leaf = m.tensor(x, requires_grad=True)
        v = VIEWS[name](leaf)
        w = m.tensor(weights[: v.numel()]).reshape(v.shape)
        (g,) = m.autograd.grad((v * v * w).sum(), leaf, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), leaf, allow_unused=True)
        return g.detach(), gg

    check(grads, strides=False)  # torch's gradient of a transpose is transposed, ours dense


@pytest.mark.parametrize("view", ["t", "permute", "t_narrow"])
def test_view_gradient_in_the_views_own_layout_like_torch(view: str) -> None:
    """A gradient that arrives laid out as the view is (a matrix product's gradient of a
    transposed operand) is the source's gradient without a copy, and still torch's, to the
    second order; a view that does not cover its source still gets zeros elsewhere."""
    x = RNG.integers(-3, 4, (5, 6)).astype(np.float64)  # small integers: every sum exact
    a = RNG.integers(-3, 4, (3, 6)).astype(np.float64)

    def grads(m: Any) -> Any:
        leaf = m.tensor(x, requires_grad=True)
        v = {
            "t": lambda w: w.t(),
            "permute": lambda w: w.unsqueeze(0).permute(2, 1, 0)[..., 0],
            "t_narrow": lambda w: w.t().narrow(0, 1, 3),
        }[view](leaf)
        out = m.mm(m.tensor(a[:, : v.shape[0]]), v)  # mat2 = the view
        (g,) = m.autograd.grad((out * out).sum(), leaf, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), leaf)
        return g.detach(), gg

    assert check(grads, strides=False) is not None  # both computed, and agree


@pytest.mark.parametrize("transposed", [False, True])
def test_gather_like_torch(transposed: bool) -> None:
    x = RNG.standard_normal((5, 6, 4)).astype(np.float32)
    for dim in (0, 1, 2, -1):
        size = (4, 6, 5)[dim] if transposed else (5, 6, 4)[dim]
        index = RNG.integers(0, size, (3, 2, 4))

        def run(m: Any, d: int = dim, i: np.ndarray = index) -> Any:
            t = m.tensor(x)
            return m.gather(t.transpose(0, 2) if transposed else t, d, m.tensor(i))

        check(run)


@pytest.mark.parametrize(
    "data",
    [
        [[1, 2.5], [True, 3]],
        [[True, False], [1, 0]],
        [[1, 2], [3, 4]],
        [[], []],
        [[1.5, 2], [np.float16(1), 3]],
        [[1, 2], [3, 1 + 2j]],
        [[1, "a"]],
    ],
)
def test_tensor_dtype_inference_like_torch(data: list) -> None:
    check(lambda m: m.tensor(data))


SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, np.nan, -np.nan, np.inf, -np.inf, 2.5, 1e-45])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.bool_])
def test_maximum_minimum_are_c10s(name: str, dtype: Any) -> None:
    """``a`` wins ties (``max(-0., 0.)`` is -0.) and any NaN gives the canonical NaN."""
    a, b = np.repeat(SPECIALS, 10).astype(dtype), np.tile(SPECIALS, 10).astype(dtype)
    comp = np.float32 if dtype == np.float16 else dtype
    for x, y in [(a, b), (a[:1].reshape(()), b), (a.reshape(10, 10), b[:10])]:
        got = getattr(reference, name)(reference.tensor(x), reference.tensor(y)).numpy()
        p, q = x.astype(comp), y.astype(comp)
        want = np.where(p < q, q, p) if name == "maximum" else np.where(q < p, q, p)
        if want.dtype.kind == "f":
            want = np.where(np.isnan(p) | np.isnan(q), np.asarray(np.nan, comp), want)
        assert np.array_equal(got.view(np.uint8), want.astype(dtype).view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_in_its_own_dtype_is_the_float64_result(dtype: Any) -> None:
    x = np.concatenate([SPECIALS, RNG.standard_normal(50)]).astype(dtype)
    v = x.astype(np.float64)
    want = np.where(v > 0, v, np.where(np.isnan(v), v, 0.0)).astype(dtype)
    got = reference.nn.functional.relu(reference.tensor(x)).numpy()
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
    t = reference.tensor(x)
    reference.nn.functional.relu(t, inplace=True)
    assert np.array_equal(t.numpy().view(np.uint8), want.view(np.uint8))


def test_float32_sigmoid_and_softmax_like_torch() -> None:
    x = np.concatenate([SPECIALS, RNG.standard_normal(990) * 20]).astype(np.float32)
    x = np.nan_to_num(x, nan=0.0, posinf=90.0, neginf=-90.0).reshape(10, 100)
    check(lambda m: m.nn.functional.sigmoid(m.tensor(x)))
    for dim in (0, 1):
        check(lambda m, d=dim: m.nn.functional.softmax(m.tensor(x), d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_two_norm_of_reals_skips_abs(dtype: Any) -> None:
    x = RNG.standard_normal((30, 40)).astype(dtype)
    acc = np.float32 if dtype == np.float16 else dtype
    for dim in (None, 0, 1):
        got = reference.linalg.vector_norm(reference.tensor(x), dim=dim).numpy()
        a = np.abs(x).astype(acc)
        if dim is None:  # a whole contiguous array: BLAS's dot of its flat view
            flat = a.reshape(-1)
            assert np.array_equal(got, np.sqrt(np.dot(flat, flat)).astype(dtype))
            exact = np.sqrt(np.sum(a.astype(np.longdouble) ** 2))
            assert abs(got.astype(np.longdouble) - exact) <= 2 * np.spacing(got)
        else:
            assert np.array_equal(got, np.sqrt(np.sum(a * a, axis=dim)).astype(dtype))


BASES = {
    "contiguous": lambda m, x: m.tensor(x),
    "transposed": lambda m, x: m.tensor(x).transpose(0, 3),
    "sliced": lambda m, x: m.tensor(x)[:, 1:, ::2],
}
INDEXES = [(1,), (-1, slice(1, 3)), (slice(None, None, 2), 0), (slice(3, 1),), (0, None, 1)]


@pytest.mark.parametrize("base", list(BASES))
def test_views_by_numpy_indexing_like_torch(base: str) -> None:
    """narrow, select, permute and basic indexing: sizes, strides and storage offsets."""
    x = np.arange(120.0).reshape(2, 3, 4, 5)

    def layout(t: Any) -> tuple:
        return tuple(t.shape), t.stride(), t.storage_offset(), t.tolist()

    def views(m: Any) -> list:
        t = BASES[base](m, x)
        out = [layout(t.permute(3, 1, 0, 2)), *(layout(t[i]) for i in INDEXES)]
        for d in range(4):
            out += [layout(t.select(d, -1)), layout(t.narrow(d, 1, t.shape[d] - 1))]
            out += [layout(c) for c in t.chunk(3, d)]
        return out

    assert views(reference) == views(torch)


SCALAR_CALLS = {
    "float32_overflow": lambda m: m.ones(3) * 3.5e38,
    "float16_overflow": lambda m: m.zeros(2, dtype=m.float16) + 70000.0,
    "bfloat16_largest": lambda m: m.zeros(2, dtype=m.bfloat16) - 3.3895313892515355e38,
    "negative_zero": lambda m: m.zeros(2) + -0.0,
    "nan": lambda m: m.ones(2, dtype=m.float64) / float("nan"),
    "int_by_float": lambda m: m.arange(3) * 1.5,
    "bool_by_int": lambda m: m.ones(2, dtype=m.bool) + 2,
    "reflected": lambda m: 2.0 - m.arange(3.0),
    "complex": lambda m: m.ones(2) * 1j,
    "zero_dim_with_int8": lambda m: m.ones(2, dtype=m.int8) + m.tensor(300),
}


@pytest.mark.parametrize("name", list(SCALAR_CALLS))
def test_binary_operands_like_torch(name: str) -> None:
    """The result dtype remembered per kind of operand, and scalars cast without warnings."""
    check(SCALAR_CALLS[name])


def test_binary_dtype_follows_the_default_dtype() -> None:
    """What promotion remembers depends on the default dtype at the time of the call."""
    for m in (reference, torch):
        before = (m.arange(3) / 2).dtype
        m.set_default_dtype(m.float64)
        try:
            assert repr((m.arange(3) / 2).dtype) == "torch.float64"
            assert repr((m.arange(3) + 0.5).dtype) == "torch.float64"
        finally:
            m.set_default_dtype(m.float32)
        assert repr(before) == repr((m.arange(3) / 2).dtype) == "torch.float32"


def test_storage_offsets_of_fresh_results_like_torch() -> None:
    """A result's storage start is read when first needed, also after ``transpose_``."""

    def offsets(m: Any) -> list:
        t = m.arange(12.0).reshape(3, 4) * 2
        t.transpose_(0, 1)
        return [t[1].storage_offset(), t[1:, 2].storage_offset(), t.data_ptr() == t[0].data_ptr()]

    assert offsets(reference) == offsets(torch)


def test_quiet_is_errstate_ignore() -> None:
    """``quiet()`` silences every floating-point error, nests, and restores the caller's
    state, also when its block raises."""
    from reference._fpstate import quiet

    ones = np.ones(2)
    with np.errstate(all="raise"):
        with quiet():
            with quiet():
                assert np.isinf(ones / 0).all()
            assert np.geterr() == dict.fromkeys(("divide", "over", "under", "invalid"), "ignore")
            assert np.isnan(ones * np.inf - np.inf).all()
        with pytest.raises(ValueError), quiet():
            raise ValueError
        assert set(np.geterr().values()) == {"raise"}
        with pytest.raises(FloatingPointError):
            ones / 0


ONE_ITEM = [0, -1, 4, -5, 5, slice(1, 3), slice(-2, None), slice(3, 1), slice(None), slice(7, 9)]


@pytest.mark.parametrize("item", ONE_ITEM, ids=repr)
@pytest.mark.parametrize("shape", [(5,), (5, 3), (5, 0), (5, 1, 2)])
def test_one_item_index_like_torch(item: Any, shape: tuple) -> None:
    """``t[i]`` and ``t[a:b]`` by numpy's indexing: sizes, strides, offsets, errors."""

    def view(m: Any) -> tuple:
        t = m.arange(float(np.prod(shape))).reshape(shape)[item]
        return tuple(t.shape), t.stride(), t.storage_offset(), t.tolist()

    check(view)


STRIDED = {
    "squeeze_all": lambda t: t.squeeze(),
    "squeeze_dims": lambda t: t.squeeze((0, 2)),
    "squeeze_transposed": lambda t: t.transpose(0, 2).squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(1),
    "unsqueeze_end": lambda t: t[:, :, ::2].unsqueeze(-1),
    "as_strided_inside": lambda t: t.as_strided((2, 2), (1, 2), 1),
    "as_strided_before_a_slice": lambda t: t.reshape(-1)[3:5].as_strided((4,), (1,), 0),
}


@pytest.mark.parametrize("name", list(STRIDED))
def test_strided_views_like_torch(name: str) -> None:
    """Views of contiguous arrays built by numpy directly, and of memory beyond them."""

    def view(m: Any) -> tuple:
        t = STRIDED[name](m.arange(8.0).reshape(1, 4, 2))
        return tuple(t.shape), t.stride(), t.storage_offset(), t.tolist()

    check(view)


def _fma_long_double(a: Any, b: Any, c: Any) -> np.ndarray:
    wide = [np.asarray(v, np.longdouble) for v in (a, b, c)]
    return (wide[0] * wide[1] + wide[2]).astype(np.float64).astype(np.float32)


FMA_SCALARS = [0.0, -0.0, 1.0, 1 / 3, -2.5e-5, 1e10, 3e38, 1e-45, np.inf, np.nan]


@pytest.mark.parametrize("a", FMA_SCALARS)
@pytest.mark.parametrize("c", FMA_SCALARS)
def test_fma_in_double_is_the_long_double_result(a: float, c: float) -> None:
    """The float32 fused multiply-add takes double only where double is exact: the same
    bits as long double, also for operands where it is not (and falls back)."""
    from reference._creation import _fma

    a32, c32 = np.float32(a), np.float32(c)
    for b in (np.arange(70000), np.arange(5)[::-1] * 3, np.array([2**26 + 1]), np.arange(0)):
        with np.errstate(all="ignore"):
            got, want = _fma(a32, b, c32, np.float32), _fma_long_double(a32, b, c32)
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "complex64", "int8", "bool"])
def test_zeros_from_zeroed_memory_like_torch(dtype: str) -> None:
    """zeros take numpy's zeroed allocation: +0 of every dtype (1 / +0 is +inf)."""
    check(lambda m: m.zeros(3, 2, dtype=getattr(m, dtype)))
    if dtype in ("float32", "bfloat16"):
        check(lambda m: 1 / m.zeros(4, dtype=getattr(m, dtype)))


def _strided(shape: tuple, strides: tuple, dtype: Any) -> np.ndarray:
    return np.ndarray(shape, dtype, np.zeros(64, np.uint8), 32, strides)


FROM_NUMPY = {
    "negative": np.ones((2, 3), np.float32)[:, ::-1],
    "odd": _strided((2,), (5,), np.int32),
    "size_one": np.ones((1, 3), np.float32)[::-1],
}


@pytest.mark.parametrize("name", list(FROM_NUMPY))
def test_from_numpy_stride_checks_like_torch(name: str) -> None:
    """One scan of the strides finds negative or odd ones."""
    check(lambda m: m.from_numpy(FROM_NUMPY[name]))


SPLITS = {
    "chunk": lambda t: t.chunk(3, 1),
    "chunk_more_than_size": lambda t: t.chunk(9, 1),
    "split": lambda t: t.split(2, 0),
    "split_sizes": lambda t: t.split([1, 0, 3], 0),
    "split_zero_dim": lambda t: t[:, :0].split(0, 1),
    "tensor_split_sections": lambda t: t.tensor_split(3, 1),
    "tensor_split_indices": lambda t: t.tensor_split([1, 7, 2], 1),
    "tensor_split_negative": lambda t: t.tensor_split([-2], 0),
}


@pytest.mark.parametrize("name", list(SPLITS))
def test_split_views_like_torch(name: str) -> None:
    """The pieces of split, chunk and tensor_split made by one view op: sizes, strides,
    offsets, values, errors, and their gradients."""

    def pieces(m: Any) -> list:
        x = m.arange(20.0).reshape(4, 5).requires_grad_()
        out = SPLITS[name](x)
        total = sum((p * (k + 1)).sum() for k, p in enumerate(out))
        grad = m.autograd.grad(total, x)[0] if out and total.requires_grad else None
        return [(tuple(p.shape), p.stride(), p.storage_offset()) for p in out] + [grad]

    check(pieces)


@pytest.mark.parametrize("shape", [(5,), (4, 6), (3, 1, 5), (2, 3, 4, 2)])
def test_along_positions_is_ravel_multi_index(shape: tuple) -> None:
    """gather's flat positions (forward and gradient) are numpy's row-major ravel of the
    index grid with the picked positions along ``dim``."""
    from reference._strides import contiguous_strides
    from reference.autograd._scatter import along_positions

    for d in range(len(shape)):
        picked = tuple(max(n - 1, 1) if k != d else 7 for k, n in enumerate(shape))
        idx = RNG.integers(0, shape[d], picked)
        grids = list(np.indices(idx.shape, sparse=True))
        grids[d] = idx
        want = np.ravel_multi_index([np.broadcast_to(g, idx.shape) for g in grids], shape)
        got = along_positions(idx, d, contiguous_strides(shape))
        assert got.dtype == np.int64 and np.array_equal(got, want)


def test_cumsum_starts_from_positive_zero_like_torch() -> None:
    """The +0.0 start is added in place: negative-zero prefixes become +0.0, as in torch."""
    x = [[-0.0, -0.0, 1.0, -1.0], [2.0, -0.0, -2.0, -0.0]]
    for dim in (0, 1):
        check(lambda m, dim=dim: 1 / m.tensor(x).cumsum(dim))
        check(lambda m, dim=dim: m.tensor(x, dtype=m.float16).cumsum(dim))
