"""Pointwise math, reductions, searching and linalg norms against real torch: values
(torch.testing-like tolerances), dtypes, shapes, strides, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

DTYPES = [
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "bool",
]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
# torch.testing's defaults, doubled: numpy's and torch's libm differ by an ulp or so.
TOL = {
    "float16": (2e-3, 2e-5),
    "bfloat16": (3.2e-2, 2e-5),
    "float32": (2.6e-6, 2e-5),
    "float64": (2e-7, 2e-7),
    "complex64": (2.6e-6, 2e-5),
    "complex128": (2e-7, 2e-7),
}
NAN, INF = math.nan, math.inf
LinAlgError = torch.linalg.LinAlgError


# ----- helpers ------------------------------------------------------------------------------
def _run(fn, mod):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return ("ok", fn(mod)), caught
        except Exception as exc:  # noqa: BLE001 - exception classes are compared
            return ("err", type(exc), str(exc)), caught


def _values(x) -> np.ndarray:
    if isinstance(x, reference.Tensor):
        arr = x._data
        return arr.astype(np.float32) if x.dtype is reference.bfloat16 else np.asarray(arr)
    x = x.detach()
    return (x.float() if x.dtype == torch.bfloat16 else x).numpy()


def _compare(r, t, strides: bool, path: str = "") -> None:
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), f"{path}: expected a Tensor, got {type(r)}"
        assert repr(r.dtype) == repr(t.dtype), f"{path}: {r.dtype} != {t.dtype}"
        assert tuple(r.shape) == tuple(t.shape), f"{path}: {tuple(r.shape)} != {tuple(t.shape)}"
        if strides and t.numel() > 1:
            assert r.stride() == t.stride(), f"{path}: strides {r.stride()} != {t.stride()}"
        assert r.requires_grad == t.requires_grad, path
        a, b = _values(r), _values(t)
        name = repr(t.dtype).split(".")[1]
        if name in TOL:
            rtol, atol = TOL[name]
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
            if not t.is_complex():
                zero = b == 0
                assert np.array_equal(np.signbit(a[zero]), np.signbit(b[zero])), f"{path}: ±0"
        else:
            np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(t, tuple):
        assert isinstance(r, tuple), f"{path}: {type(r)}"
        assert type(r).__name__ == type(t).__name__, f"{path}: {type(r)} != {type(t)}"
        assert len(r) == len(t), path
        if hasattr(t, "values"):
            assert r.values is r[0] and r.indices is r[1], path
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            _compare(a, b, strides, f"{path}[{i}]")
    else:
        assert type(r) is type(t) and r == t, f"{path}: {r!r} != {t!r}"


def check(fn, *, strides: bool = True, message: bool = True) -> None:
    """``fn(module)`` on reference and torch: same values / dtypes / shapes, or same error."""
    (r, _), (t, _) = _run(fn, reference), _run(fn, torch)
    if t[0] == "err":
        assert r[0] == "err", f"torch raised {t[1].__name__}: {t[2]!r}, reference gave {r[1]}"
        same = r[1] is t[1] or (r[1] is reference.linalg.LinAlgError and t[1] is LinAlgError)
        assert same, f"{r[1].__name__}({r[2]!r}) != {t[1].__name__}({t[2]!r})"
        if message:
            assert r[2] == t[2]
        return
    assert r[0] == "ok", f"reference raised {r[1].__name__}: {r[2]}, torch gave {t[1]}"
    _compare(r[1], t[1], strides)


def make(m, dtype: str, shape=(3, 4), seed: int = 0, low: float = -3.0, high: float = 3.0):
    """Deterministic values of ``dtype`` (same for both modules)."""
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if dtype == "bool":
        vals = (rng.random(n) > 0.5).tolist()
    elif dtype == "uint8":
        vals = rng.integers(0, 10, n).tolist()
    elif dtype.startswith("int"):
        vals = rng.integers(-5, 6, n).tolist()
    elif dtype.startswith("complex"):
        vals = [complex(a, b) for a, b in rng.uniform(low, high, (n, 2)).round(3)]
    else:
        vals = rng.uniform(low, high, n).round(3).tolist()
    return m.tensor(vals, dtype=getattr(m, dtype)).reshape(shape)


LAYOUTS = {
    "2d": lambda m, dt: make(m, dt, (3, 4)),
    "0d": lambda m, dt: make(m, dt, ()),
    "empty": lambda m, dt: make(m, dt, (0, 3)),
    "transposed": lambda m, dt: make(m, dt, (2, 3, 4)).transpose(0, 2),
    "sliced": lambda m, dt: make(m, dt, (4, 6))[1:, ::2],
}


# ----- pointwise ----------------------------------------------------------------------------
UNARY = [
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
]
SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-8, 1e4, 0.999]


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary(op, dtype):
    for name, layout in LAYOUTS.items():
        check(lambda m, layout=layout: getattr(m, op)(layout(m, dtype)))
        check(lambda m, layout=layout: getattr(layout(m, dtype), op)())
        assert name
    check(lambda m: getattr(make(m, dtype), op + "_")())  # ints: can't cast back
    check(lambda m: getattr(m, op)(make(m, dtype), out=m.empty(0, dtype=m.float64)))
    check(lambda m: getattr(m, op)(make(m, dtype), out=m.empty(0, dtype=m.int32)))


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_special_values(op, dtype):
    check(lambda m: getattr(m, op)(m.tensor(SPECIALS, dtype=getattr(m, dtype))))
    check(lambda m: getattr(m.tensor(SPECIALS, dtype=getattr(m, dtype)), op + "_")())


def test_unary_aliases_and_inplace_identity():
    for alias in ("arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"):
        check(lambda m, a=alias: getattr(m, a)(make(m, "float32", low=-0.9, high=0.9)))
        check(lambda m, a=alias: getattr(make(m, "float64", low=1, high=3), a + "_")())
    x = reference.ones(3)
    assert x.sin_() is x
    assert reference.sin_(x) is x
    check(lambda m: m.sin(1.0))
    check(lambda m: m.sin(make(m, "float32").requires_grad_()))


def test_unary_complex_branch_cuts():
    vals = [2 + 0j, -2 + 0j, 0 + 2j, 0 - 2j, 0.5 + 0j, 1 + 1j, -1 - 1j, 3 - 0.5j]
    for op in UNARY:
        check(lambda m, op=op: getattr(m, op)(m.tensor(vals, dtype=m.complex128)))


ATAN2_SPECIALS = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 1e-30]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_atan2_quadrants(dtype):
    ys = [y for y in ATAN2_SPECIALS for _ in ATAN2_SPECIALS]
    xs = ATAN2_SPECIALS * len(ATAN2_SPECIALS)

    def fn(m):
        dt = getattr(m, dtype)
        return m.atan2(m.tensor(ys, dtype=dt), m.tensor(xs, dtype=dt))

    check(fn)
    check(lambda m: m.arctan2(m.tensor(ys), m.tensor(xs)))


@pytest.mark.parametrize("a", DTYPES)
def test_atan2_promotion(a):
    for b in DTYPES:
        check(lambda m, b=b: m.atan2(make(m, a, (2, 3)), make(m, b, (3,), seed=1)))
        # float16 with a complex 0-dim tensor is ComplexHalf in torch (no complex32 here)
        msg = not (a in FLOATS[:2] and b.startswith("complex"))
        check(lambda m, b=b: m.atan2(make(m, a, (2, 3)), make(m, b, (), seed=1)), message=msg)
        check(lambda m, b=b: make(m, a, (2, 3)).atan2_(make(m, b, (3,), seed=1)))


def test_atan2_misc():
    check(lambda m: m.atan2(m.tensor([1.0]), 2.0))
    check(lambda m: m.tensor([1.0]).atan2(2.0))
    check(lambda m: m.tensor([1.0, 2]).atan2_(m.tensor([[1.0], [2]])))
    check(lambda m: m.atan2(m.ones(2, 3), m.ones(4)))
    check(lambda m: m.atan2(m.ones(3, 4).t(), m.ones(4, 3)), strides=False)
    check(lambda m: m.atan2(m.ones(2), m.ones(2), out=m.empty(0, dtype=m.int64)))
    check(lambda m: m.atan2(m.ones(2), m.ones(2), out=m.empty(2, dtype=m.float64)))
    check(lambda m: m.arctan2(m.tensor(1.0), m.tensor(-1.0)))
    x = reference.ones(2)
    assert x.atan2_(reference.ones(2)) is x and x.arctan2_(reference.ones(2)) is x


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum(op):
    for a in DTYPES:
        for b in ("float32", "int64", "bool", "complex64"):
            check(lambda m, a=a, b=b: getattr(m, op)(make(m, a, (2, 3)), make(m, b, (3,), seed=2)))
    vals = [NAN, 1.0, -0.0, INF]
    check(lambda m: getattr(m, op)(m.tensor(vals), m.tensor([0.0, NAN, 0.0, -INF])))
    check(lambda m: getattr(m, op)(m.tensor([1, 2]), 1.5))
    check(lambda m: getattr(m.tensor([1, 2]), op)(m.tensor([2.0, 0.0])))


def test_broadcast():
    def shares(m, r, src):
        return [x.data_ptr() == src.data_ptr() for x in r]

    check(lambda m: m.broadcast_to(m.tensor([1, 2]), (3, 2)))
    check(lambda m: m.broadcast_to(m.tensor([1, 2]), (3, 3)))
    check(lambda m: m.broadcast_to(m.tensor([1, 2]), (3, -1)).stride())
    check(lambda m: m.tensor([[1.0], [2.0]]).broadcast_to([2, 3]).stride())
    check(lambda m: m.broadcast_tensors(m.tensor([1, 2]), m.tensor([[1], [2.0]])))
    check(lambda m: [t.stride() for t in m.broadcast_tensors(m.ones(3, 1), m.ones(1, 4))])
    check(lambda m: m.broadcast_tensors(m.tensor([1, 2]), m.tensor([1, 2, 3])))
    check(lambda m: m.broadcast_tensors())
    check(lambda m: m.broadcast_tensors(m.tensor(1)))
    check(lambda m: m.broadcast_tensors([m.tensor(1)]))
    src = reference.ones(3, 1)
    out = reference.broadcast_tensors(src, reference.ones(4))
    assert out[0].data_ptr() == src.data_ptr() and out[0]._base is src


# ----- reductions -------------------------------------------------------------------------
RED_LAYOUTS = {
    "3d": lambda m, dt: make(m, dt, (2, 3, 4)),
    "permuted": lambda m, dt: make(m, dt, (2, 3, 4)).permute(2, 0, 1),
    "0d": lambda m, dt: make(m, dt, ()),
    "empty": lambda m, dt: make(m, dt, (2, 0, 3)),
}
DIMS = [None, 0, -1, (0, 2), (-1, 0), (), [1], 3, (0, 0)]


def _red_calls(op: str):
    """(dim, keepdim) argument forms for the reduction ``op``."""
    calls = []
    for dim in DIMS:
        for keepdim in (False, True):
            if dim is None and op in ("max", "min"):
                continue
            calls.append((dim, keepdim))
    return calls


@pytest.mark.parametrize("op", ["sum", "mean", "all", "any", "amax", "amin", "norm"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reduction_dims(op, dtype):
    for layout in RED_LAYOUTS.values():
        check(lambda m, lay=layout: getattr(m, op)(lay(m, dtype)))
        check(lambda m, lay=layout: getattr(lay(m, dtype), op)())
        for dim, keepdim in _red_calls(op):
            if op == "norm":
                check(lambda m, lay=layout, d=dim, k=keepdim: m.norm(lay(m, dtype), 2, d, k))
                continue
            if op in ("amax", "amin") and dim is None:
                continue
            check(
                lambda m, lay=layout, d=dim, k=keepdim: getattr(m, op)(
                    lay(m, dtype), dim=d, keepdim=k
                )
            )


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reduction_index(op, dtype):
    for layout in RED_LAYOUTS.values():
        check(lambda m, lay=layout: getattr(m, op)(lay(m, dtype)))
        for dim in (0, -1, 1, 3):
            for keepdim in (False, True):
                check(lambda m, lay=layout, d=dim, k=keepdim: getattr(m, op)(lay(m, dtype), d, k))
        check(lambda m, lay=layout: getattr(lay(m, dtype), op)(dim=-1, keepdim=True))
    if op.startswith("arg"):
        check(lambda m: getattr(m, op)(make(m, dtype, (2, 3)), None, True))
        check(lambda m: getattr(m, op)(make(m, dtype, (2, 3)), (0,)), message=False)
    else:
        check(lambda m: getattr(m, op)(make(m, dtype, (2, 3)), (0,)), message=False)
        check(lambda m: getattr(m, op)(make(m, dtype, (2, 3)), make(m, "float32", (3,))))


def test_reduction_nan_and_ties():
    x = [[1.0, NAN, 3.0, NAN], [2.0, 2.0, -INF, 1.0], [INF, 0.0, INF, -1.0]]
    for op in ("max", "min", "argmax", "argmin", "amax", "amin"):
        check(lambda m, op=op: getattr(m, op)(m.tensor(x)))
        check(lambda m, op=op: getattr(m, op)(m.tensor(x), 1))
        check(lambda m, op=op: getattr(m, op)(m.tensor(x), 0))
        check(lambda m, op=op: getattr(m, op)(m.tensor(x, dtype=m.float16), -1))
        check(lambda m, op=op: getattr(m, op)(m.tensor([[3, 1, 3], [1, 1, 0]]), 1))
    check(lambda m: m.sum(m.tensor(x)))
    check(lambda m: m.mean(m.tensor(x), 1))


def test_reduction_dtype_args():
    for dt in DTYPES:
        for src in ("float32", "int8", "bool", "complex64", "float16"):
            if src == "complex64" and not dt.startswith("complex"):
                continue  # torch warns once per process when dropping the imaginary part
            check(lambda m, dt=dt, s=src: m.sum(make(m, s, (2, 3)), dtype=getattr(m, dt)))
            check(lambda m, dt=dt, s=src: m.sum(make(m, s, (2, 3)), 1, dtype=getattr(m, dt)))
            check(lambda m, dt=dt, s=src: m.mean(make(m, s, (2, 3)), dtype=getattr(m, dt)))
            check(lambda m, dt=dt, s=src: m.cumsum(make(m, s, (2, 3)), 1, dtype=getattr(m, dt)))
            check(lambda m, dt=dt, s=src: m.norm(make(m, s, (2, 3)), dtype=getattr(m, dt)))


def test_reduction_misc():
    check(lambda m: m.sum(m.zeros(2, 3), out=m.empty(0)), message=False)
    check(lambda m: m.sum(m.ones(2, 3), 1, out=m.empty(0, dtype=m.float64)))
    check(lambda m: m.all(m.tensor([1, 2]), out=m.empty(0, dtype=m.float32)))
    check(lambda m: m.max(m.tensor([1, 2]), dim=None), message=False)
    check(lambda m: m.max(m.tensor([1, 2]), 1.5), message=False)
    check(lambda m: repr(m.max(m.tensor([[1, 3], [3, 1]]), 1)))
    check(lambda m: str(m.topk(m.tensor([1.0, 3.0]), 1)))
    check(lambda m: m.max(m.tensor([1, 2]), 0).values)
    check(lambda m: m.min(m.tensor([1, 2]), 0).indices)
    check(lambda m: m.sum(make(m, "float32").requires_grad_(), 0))
    check(lambda m: m.max(make(m, "float32").requires_grad_(), 0))
    check(lambda m: m.mean(m.arange(1000, dtype=m.float16) / 7))
    check(lambda m: m.sum(m.arange(1000, dtype=m.bfloat16)))
    assert reference.return_types.max is type(reference.max(reference.ones(2), 0))


@pytest.mark.parametrize("p", [2, 1, 0, INF, -INF, 3, 0.5, -1, -2.5, "fro", "nuc", None])
def test_norm(p):
    a = [[3.0, -4.0, 0.0], [1.0, 2.0, NAN], [0.5, -0.0, 7.0]]
    for dt in ("float32", "float64", "complex64", "float16", "int64"):
        check(lambda m, dt=dt: m.norm(make(m, dt, (3, 4)), p))
        check(lambda m, dt=dt: m.norm(make(m, dt, (2, 3, 4)).transpose(0, 2), p, dim=(0, 1)))
        check(lambda m, dt=dt: m.norm(make(m, dt, (3, 4)), p, 1, True))
    check(lambda m: m.norm(m.tensor(a), p, 0))
    check(lambda m: m.norm(m.zeros(0, 3), p))
    check(lambda m: m.norm(m.zeros(0, 3), p, 0))
    check(lambda m: m.norm(m.zeros(0, 3), p, -1))
    check(lambda m: m.norm(m.ones(2, 3), p, (0, 1, 0)))
    check(lambda m: m.norm(m.ones(2, 3), p, ()))
    check(lambda m: m.tensor(a).norm(p))


# ----- cumsum / topk / searchsorted ---------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum(dtype):
    for layout in RED_LAYOUTS.values():
        for dim in (0, -1, 1, 3):
            check(lambda m, lay=layout, d=dim: m.cumsum(lay(m, dtype), d))
            check(lambda m, lay=layout, d=dim: lay(m, dtype).cumsum(dim=d))
    check(lambda m: make(m, dtype, (2, 3)).cumsum_(1))
    check(lambda m: make(m, dtype, (2, 3)).cumsum_(1, dtype=m.int64))
    if not dtype.startswith("complex"):  # torch warns once per process on complex -> real
        check(lambda m: m.cumsum(make(m, dtype, (2, 3)), 0, out=m.empty(0, dtype=m.int64)))
    check(lambda m: m.cumsum(make(m, dtype, (2, 3))))


@pytest.mark.parametrize("dtype", ["float32", "complex64", "float64"])
def test_cumsum_accumulates_as_torch(dtype):
    """torch's CPU scan runs single precision in double (``acc_type``): the running sum of
    ``[1e8, 1, -1e8, 3]`` keeps the 1, and large random rows and their gradients agree bit
    for bit, not just within a tolerance."""
    t_dt, r_dt = getattr(torch, dtype), getattr(reference, dtype)
    assert reference.cumsum(reference.tensor([1e8, 1, -1e8, 3], dtype=r_dt), 0).tolist() == (
        torch.cumsum(torch.tensor([1e8, 1, -1e8, 3], dtype=t_dt), 0).tolist()
    )
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((30, 40)) * 1000).astype(np.dtype(dtype))
    g = (rng.standard_normal((30, 40)) * 1000).astype(np.dtype(dtype))
    for dim in (0, 1):
        got = []
        for m in (torch, reference):
            x = m.from_numpy(a.copy()).requires_grad_()
            y = m.cumsum(x, dim)
            y.backward(m.from_numpy(g.copy()))
            got.append((y.detach().numpy(), x.grad.numpy()))
        np.testing.assert_array_equal(got[0][0], got[1][0])
        np.testing.assert_array_equal(got[0][1], got[1][1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_topk(dtype):
    rows = [[4, 1, 3, 2], [1, 2, 3, 4], [9, 8, 7, 6]]  # no ties: tie order is torch's own
    for k in (0, 1, 3, 4, 5, -1):
        for largest in (True, False):
            check(
                lambda m, k=k, lg=largest: m.topk(
                    m.tensor(rows, dtype=getattr(m, dtype)), k, largest=lg
                )
            )
            check(lambda m, k=k: m.tensor(rows, dtype=getattr(m, dtype)).t().topk(min(k, 3), 0))
    for layout in RED_LAYOUTS.values():
        for dim in (0, -1, 3):
            check(lambda m, lay=layout, d=dim: m.topk(lay(m, dtype), 0, d))
            check(lambda m, lay=layout, d=dim: m.topk(lay(m, dtype), 1, d).values, strides=False)


def test_topk_nan_and_errors():
    x = [3.0, NAN, 1.0, 5.0, -INF, INF, 2.0]
    for k in range(8):
        check(lambda m, k=k: m.topk(m.tensor(x), k))
        check(lambda m, k=k: m.topk(m.tensor(x), k, largest=False))
        check(lambda m, k=k: m.tensor(x, dtype=m.float16).topk(k))
    check(lambda m: m.topk(m.tensor(x), 8))
    check(lambda m: m.topk(m.tensor(3.0), 1))
    check(lambda m: m.topk(m.tensor(3.0), 2))
    check(lambda m: m.topk(m.tensor([3, 3, 3, 1]), 2).values)
    check(lambda m: m.topk(m.zeros(0, 3), 2))
    check(lambda m: m.topk(m.zeros(0, 3), 1, dim=0))
    check(lambda m: m.topk(m.tensor([1.0, 2, 3]), 2, sorted=False))
    check(lambda m: m.topk(m.tensor([1, 2, 3]), 2, out=(m.empty(0, dtype=m.long),) * 2))


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted(right):
    ss = [1.0, 2.0, 2.0, 3.0, NAN]
    vals = [2.0, NAN, 0.0, 5.0, 2.5, 1.0, -INF, INF]
    for dt in ("float32", "float64", "float16", "bfloat16", "int64", "int8", "uint8"):
        check(
            lambda m, dt=dt: m.searchsorted(
                m.tensor([0, 1, 2, 2, 5, 9]).to(getattr(m, dt)), m.tensor(vals), right=right
            )
        )
    check(lambda m: m.searchsorted(m.tensor(ss), m.tensor(vals), right=right))
    check(lambda m: m.searchsorted(m.tensor(ss), m.tensor(vals), side="right" if right else "left"))
    check(lambda m: m.searchsorted(m.tensor(ss), 2, right=right))
    check(lambda m: m.searchsorted(m.tensor(ss), 2.5, out_int32=True, right=right))
    check(lambda m: m.searchsorted(m.tensor([0.1]), 0.1, right=right))
    check(lambda m: m.searchsorted(m.tensor([16777217]), 16777216.0, right=right))
    check(lambda m: m.searchsorted(m.tensor([1.0, 2]), True, right=right))
    check(lambda m: m.searchsorted(m.tensor([1.0, 2]), m.tensor(1.5, dtype=m.float64)))
    bd = [[1, 2, 3, 5], [2, 3, 4, 4]]
    check(lambda m: m.searchsorted(m.tensor(bd), m.tensor([[2, 4, 0], [4, 9, 3]]), right=right))
    check(
        lambda m: m.searchsorted(
            m.tensor([3, 1, 2]), m.tensor([2, 0, 9]), sorter=m.tensor([1, 2, 0]), right=right
        )
    )
    check(lambda m: m.searchsorted(m.zeros(0), m.tensor([1.0])))
    check(lambda m: m.searchsorted(m.zeros(2, 0), m.zeros(2, 3)))
    check(lambda m: m.searchsorted(m.tensor([1.0, 2]), m.zeros(0)))
    check(lambda m: m.searchsorted(m.tensor([1.0, 2]), m.tensor([[1.5, 3], [0, 2]])))


def test_searchsorted_errors():
    ss = reference.tensor([1.0, 2.0])
    assert reference.searchsorted(ss, reference.tensor([1.5])).tolist() == [1]
    check(lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([2.0]), side="left", right=True))
    check(lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([2.0]), side="right", right=False))
    check(lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([2.0]), side="middle"))
    check(lambda m: m.searchsorted(m.tensor([[1, 2, 3], [2, 3, 4]]), m.tensor([2])))
    check(lambda m: m.searchsorted(m.tensor([[1, 2, 3], [2, 3, 4]]), m.tensor([[2], [2], [3]])))
    check(lambda m: m.searchsorted(m.tensor([[1, 2, 3], [2, 3, 4]]), 2))
    check(lambda m: m.searchsorted(m.tensor([3, 1, 2]), m.tensor([2]), sorter=m.tensor([1, 2])))
    check(
        lambda m: m.searchsorted(
            m.tensor([3, 1, 2]), m.tensor([2]), sorter=m.tensor([1, 2, 0], dtype=m.int32)
        )
    )
    check(lambda m: m.searchsorted(m.tensor([3, 1, 2]), m.tensor([2]), sorter=m.tensor([1, 2, 5])))
    check(lambda m: m.searchsorted(m.tensor(3), m.tensor([2])))
    check(lambda m: m.searchsorted(m.tensor([1 + 1j]), m.tensor([2j])))
    check(lambda m: m.searchsorted(m.tensor([True]), m.tensor([True])))
    for dt in ("int32", "float32", "int64"):
        for flag in (False, True):
            check(
                lambda m, dt=dt, f=flag: m.searchsorted(
                    m.tensor([1, 2]),
                    m.tensor([1]),
                    out_int32=f,
                    out=m.empty(0, dtype=getattr(m, dt)),
                )
            )


# ----- linalg -------------------------------------------------------------------------------
VECTOR_ORDS = [2, 1, 0, INF, -INF, 3, 0.5, -1, -2.5, 2.0]
MATRIX_ORDS = ["fro", "nuc", INF, -INF, 1, -1, 2, -2, 3, "abc"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_vector_norm(dtype):
    for ord in VECTOR_ORDS:
        for lname, layout in RED_LAYOUTS.items():
            if ord == 0 and lname == "0d" and dtype.startswith("complex"):
                continue  # torch warns (once per process) about dropping the imaginary part
            check(lambda m, o=ord, lay=layout: m.linalg.vector_norm(lay(m, dtype), o))
            for dim in (0, -1, (0, 2), (), (1, 1)):
                check(
                    lambda m, o=ord, lay=layout, d=dim: m.linalg.vector_norm(
                        lay(m, dtype), o, d, True
                    )
                )
    for dt in DTYPES:
        check(lambda m, dt=dt: m.linalg.vector_norm(make(m, dtype), dtype=getattr(m, dt)))
    check(lambda m: m.linalg.vector_norm(make(m, dtype), "fro"))


def test_vector_norm_special():
    check(lambda m: m.linalg.vector_norm(m.tensor([NAN, 1.0]), INF))
    check(lambda m: m.linalg.vector_norm(m.tensor([NAN, INF]), 2))
    check(lambda m: m.linalg.vector_norm(m.tensor([NAN, 1.0]), 0))
    check(lambda m: m.linalg.vector_norm(m.tensor([0.0, 1.0]), -2))
    check(lambda m: m.linalg.vector_norm(m.tensor([3 + 4j, 1j]), dtype=m.complex128))
    check(lambda m: m.linalg.vector_norm(m.zeros(0, 3), -1.5, (1, 0)))
    check(lambda m: m.linalg.vector_norm(m.zeros(0, 3), -1, -2))
    check(lambda m: m.linalg.vector_norm(m.zeros(0, 3), -INF, 1))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm(ord):
    for dt in ("float32", "float64", "complex64", "complex128", "float16", "bfloat16", "int64"):
        check(lambda m, dt=dt: m.linalg.matrix_norm(make(m, dt, (3, 4)), ord))
        check(lambda m, dt=dt: m.linalg.matrix_norm(make(m, dt, (2, 3, 4)), ord, keepdim=True))
        check(lambda m, dt=dt: m.linalg.matrix_norm(make(m, dt, (2, 3, 4)), ord, (0, 2)))
        check(lambda m, dt=dt: m.linalg.matrix_norm(make(m, dt, (2, 3, 4)), ord, (2, 0), True))
    for shape in ((0, 3), (3, 0), (2, 3, 0), (0, 3, 2), (3,)):
        check(lambda m, s=shape: m.linalg.matrix_norm(m.zeros(s), ord))
    for dim in ((0, 0), (0,), (1, -2), (0, 5), (0, 1, 1)):
        check(lambda m, d=dim: m.linalg.matrix_norm(m.ones(2, 3), ord, d))
    check(lambda m: m.linalg.matrix_norm(m.ones(2, 3), ord, dtype=m.float64))
    check(lambda m: m.linalg.matrix_norm(m.ones(2, 3, dtype=m.float64), ord, dtype=m.float32))


@pytest.mark.parametrize("ord", [None, "fro", "nuc", INF, -INF, 1, -1, 2, -2, 0, 3])
def test_linalg_norm(ord):
    for shape in ((4,), (3, 4), (2, 3, 4)):
        check(lambda m, s=shape: m.linalg.norm(make(m, "float32", s), ord))
        for dim in (0, -1, (0, 1), (1, 0, 0), None):
            check(lambda m, s=shape, d=dim: m.linalg.norm(make(m, "float64", s), ord, d))
    check(lambda m: m.linalg.norm(make(m, "int64"), ord))
    check(lambda m: m.linalg.norm(make(m, "complex64"), ord, keepdim=True))
