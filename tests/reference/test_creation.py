"""Factory functions against torch: values, dtypes, strides, errors, warnings."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from spec.dtypes import ALL as DTYPE_NAMES
from tests import pinned_torch
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")


def to_numpy(t):
    """Values of a reference or torch tensor, bfloat16 widened to float32."""
    return (t.float() if t.dtype in (reference.bfloat16, torch.bfloat16) else t).numpy()


TENSOR_DATA = [
    [1, 2],
    [1.5, 2],
    [True, False],
    [True, 1],
    [True, 1, 2.5],
    [1, 1j],
    3,
    2.5,
    True,
    1j,
    [],
    [[]],
    [[1, 2], [3, 4]],
    ((1, 2), (3, 4)),
    [[1.0], [2.0]],
    [np.float64(1)],
    np.float64(1),
    np.int32(4),
    [[[1, 2]], [[3, 4]]],
    [-(2**63)],
    [2**63 - 1],
]


@pytest.mark.parametrize("data", TENSOR_DATA)
def test_tensor_inference(same, data):
    same(lambda m: m.tensor(data))


@pytest.mark.parametrize(
    "dtype",
    list(DTYPE_NAMES),
)
@pytest.mark.parametrize("data", [[1.7, -1.7, 0.0], [1, 0, 3], [True, False]])
def test_tensor_with_dtype(same, dtype, data):
    if dtype == "uint8" and data[1] == -1.7:
        data = [1.7, 0.2, 0.0]
    same(lambda m: m.tensor(data, dtype=getattr(m, dtype)))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([[1, 2], [3]]),
        lambda m: m.tensor([[1, 2], 3]),
        lambda m: m.tensor([1, [2, 3]]),
        lambda m: m.tensor("a"),
        lambda m: m.tensor([300], dtype=m.uint8),
        lambda m: m.tensor([-200], dtype=m.int8),
        lambda m: m.tensor([2**40], dtype=m.int32),
        lambda m: m.tensor([-1], dtype=m.uint8),
        lambda m: m.tensor([1e300], dtype=m.float16),
        lambda m: m.tensor([1, 2], dtype=m.int64, requires_grad=True),
        lambda m: m.tensor([m.tensor([1, 2]), m.tensor([3, 4])]),
        lambda m: m.tensor([m.tensor(1.0, dtype=m.float64), 1]),
        lambda m: m.tensor(np.array([[1, 2]], dtype=np.int16)),
        lambda m: m.tensor(np.array([1.5, 2], dtype=np.float64), dtype=m.float32),
        lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    ],
)
def test_tensor_errors_and_special(same, fn):
    same(fn)


def test_tensor_copies_and_warns(same):
    same(lambda m: m.tensor(m.ones(2)))
    src = np.ones(3)
    t = reference.tensor(src)
    src[0] = 5
    assert t[0].item() == 1.0


def test_from_numpy_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = reference.from_numpy(a)
    assert t.dtype is reference.float32 and t.stride() == (3, 1)
    t[0, 0] = 100
    assert a[0, 0] == 100
    a[1, 2] = -1
    assert t[1, 2].item() == -1
    assert np.shares_memory(t.numpy(), a)
    sub = reference.from_numpy(a[:, 1:])
    assert sub.storage_offset() == 0 and sub.stride() == (3, 1)


@pytest.mark.parametrize(
    "dtype",
    [
        np.float64,
        np.float32,
        np.float16,
        np.complex64,
        np.complex128,
        np.int64,
        np.int32,
        np.int16,
        np.int8,
        np.uint8,
        np.bool_,
    ],
)
def test_from_numpy_dtypes(same, dtype):
    same(lambda m: m.from_numpy(np.zeros((2, 2), dtype=dtype)))


def test_from_numpy_unsupported_dtype(same):
    # torch also accepts uint16/32/64, which the reference lacks; the message lists fewer types
    same(lambda m: m.from_numpy(np.zeros(2, dtype="U3")), message=False)
    with pytest.raises(TypeError):
        reference.from_numpy(np.zeros(2, dtype=np.uint16))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.from_numpy(np.arange(4)[::-1]),
        lambda m: m.from_numpy([1]),
        lambda m: m.from_numpy(np.arange(6.0)[::2]),
    ],
)
def test_from_numpy_errors(same, fn):
    same(fn)


def test_from_numpy_readonly_warns(same):
    a = np.zeros(3)
    a.flags.writeable = False
    same(lambda m: m.from_numpy(a))


def test_as_tensor_sharing():
    a = np.arange(3.0)
    t = reference.as_tensor(a)
    t[0] = 7
    assert a[0] == 7
    assert reference.as_tensor(t) is t
    c = reference.as_tensor(a, dtype=reference.float32)
    c[1] = 9
    assert a[1] == 1
    assert reference.as_tensor([1, 2]).dtype is reference.int64


ARANGE = [
    (5,),
    (1, 4),
    (0, 1, 0.1),
    (-3.3, 5.6, 0.37),
    (10, 0, -3),
    (0, 10, 3),
    (1.5,),
    (0, 1, 0.3),
    (5, -3, -0.11),
    (0.3, 1000.5, 1.3),
    (-7, 7, 2),
    (0, 10**6, 7),
]


@pytest.mark.parametrize("args", ARANGE)
@pytest.mark.parametrize(
    "dtype", [None, "float32", "float64", "int64", "int32", "float16", "bfloat16"]
)
def test_arange(same, args, dtype):
    kw = {} if dtype is None else {"dtype": dtype}
    # start + i * step: the rounding error follows the operands, not the (small) result
    scale = max(abs(a) for a in args)
    same(lambda m: m.arange(*args, **{k: getattr(m, v) for k, v in kw.items()}), scale=scale)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(0, 10, 0),
        lambda m: m.arange(10, 0, 1),
        lambda m: m.arange(0, float("inf")),
        lambda m: m.arange(1, 2.5, 0.5, dtype=m.int64),
        lambda m: m.arange(3, dtype=m.bool),
        lambda m: m.arange(m.tensor(3)),
        lambda m: m.arange(0.5, 3, dtype=m.int64),
        lambda m: m.arange(0.5, 3.7, dtype=m.int32),
        lambda m: m.arange(3, out=m.zeros(2)),
        lambda m: m.arange(3, requires_grad=True),
        lambda m: m.arange(3.0, requires_grad=True),
    ],
)
def test_arange_special(same, fn):
    same(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.range(0, 3),
        lambda m: m.range(0, 3, 0.5),
        lambda m: m.range(0, 1, 0.3),
        lambda m: m.range(3, 0),
        lambda m: m.range(0, 4, dtype=m.int64),
        lambda m: m.range(0, 3, 0),
    ],
)
def test_range(same, fn):
    same(fn)


LINSPACE = [
    (0, 10, 5),
    (0, 1, 5),
    (-5, 7, 7),
    (0, 10, 1),
    (0, 10, 0),
    (-3.3, 17.9, 50),
    (0, 1, 100),
    (2, -2, 33),
    (1e-3, 1.0, 17),
]


@pytest.mark.parametrize("args", LINSPACE)
@pytest.mark.parametrize(
    "dtype", [None, "float64", "int64", "int32", "int16", "uint8", "float16", "bfloat16"]
)
def test_linspace(args, dtype):
    if dtype in ("uint8",) and min(args[:2]) < 0:
        return
    kw = {} if dtype is None else {"dtype": dtype}
    r = reference.linspace(*args, **{k: getattr(reference, v) for k, v in kw.items()})
    t = torch.linspace(*args, **{k: getattr(torch, v) for k, v in kw.items()})
    assert tuple(r.shape) == tuple(t.shape) and repr(r.dtype) == repr(t.dtype)
    # element by element with fused multiply-adds on AVX2 and AVX-512 builds: within a few
    # ulp of the endpoints' size on any kernel (bit for bit below, on torch's AVX2 kernel)
    if dtype is not None and "int" in dtype:
        np.testing.assert_allclose(to_numpy(r), to_numpy(t), atol=1)
    else:
        name = dtype or "float32"
        assert_close_ulp(to_numpy(r), to_numpy(t), dtype=name, scale=max(map(abs, args[:2])))


def _linspace_cases() -> list[tuple[float | complex, float | complex, int, str]]:
    """Endpoints integral and fractional, both orders, every dtype; the notes' trouble case."""
    rng = np.random.default_rng(18)
    cases = [(-2.0, 0, 50, "int64"), (26.0, -22.93, 11, "int64"), (-43.57, 37.0, 77, "int32")]
    for name in DTYPE_NAMES:
        for _ in range(25 if name != "bool" else 0):
            ends = [float(rng.integers(-60, 60)) + rng.random() * rng.integers(0, 2) for _ in "se"]
            if name == "uint8":
                ends = [abs(v) for v in ends]
            if name.startswith("complex"):
                ends = [complex(v, rng.normal()) for v in ends]
            cases.append((*ends, int(rng.integers(0, 90)), name))
    return cases


def _torch_linspace(torch_module, cases):
    out = []
    for start, end, steps, name in cases:
        values = torch_module.linspace(start, end, steps, dtype=getattr(torch_module, name))
        out.append((values.float() if name == "bfloat16" else values).numpy())
    return out


def test_linspace_bit_for_bit_with_torch_avx2_kernel():
    """Integer dtypes truncate each fused start + step * i (torch computes no vector lanes)."""
    cases = _linspace_cases()
    expected = pinned_torch.run(_torch_linspace, cases)
    for case, want in zip(cases, expected, strict=True):
        got = to_numpy(reference.linspace(*case[:3], dtype=getattr(reference, case[3])))
        np.testing.assert_array_equal(got, want, err_msg=str(case))


@pytest.mark.parametrize(
    "args",
    [(0, 3, 4), (0, 2, 1), (-2, 2, 9), (0.5, 3.5, 20), (0, 3, 0), (1, 8, 8, 2), (0, 1, 5, 0.5)],
)
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32"])
def test_logspace(args, dtype):
    kw = {} if dtype is None else {"dtype": dtype}
    r = reference.logspace(*args, **{k: getattr(reference, v) for k, v in kw.items()})
    t = torch.logspace(*args, **{k: getattr(torch, v) for k, v in kw.items()})
    assert repr(r.dtype) == repr(t.dtype) and tuple(r.shape) == tuple(t.shape)
    if dtype in ("int64", "int32"):
        np.testing.assert_array_equal(r.numpy(), t.numpy())
    else:
        assert_close_ulp(r.numpy(), t.numpy())


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.linspace(0, 10, -1),
        lambda m: m.linspace(0, 1, 5, dtype=m.bool),
        lambda m: m.linspace(1j, 2, 3),
        lambda m: m.linspace(m.tensor(0.0), m.tensor(1.0), 3),
    ],
)
def test_linspace_special(same, fn):
    same(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros((2, 3)),
        lambda m: m.zeros([2, 3]),
        lambda m: m.zeros(m.Size([2, 3])),
        lambda m: m.zeros(()),
        lambda m: m.zeros(0, 3),
        lambda m: m.zeros(2, 0),
        lambda m: m.ones(2, dtype=m.int32),
        lambda m: m.ones(2, 3, requires_grad=True),
        lambda m: m.zeros(2, dtype=m.long, requires_grad=True),
        lambda m: m.zeros(-1),
        lambda m: m.zeros(2, -3),
        lambda m: m.ones(-1),
        lambda m: m.zeros(2.0),
        lambda m: m.full((2,), 1),
        lambda m: m.full((2,), True),
        lambda m: m.full((2,), 1j),
        lambda m: m.full((2,), 1.5),
        lambda m: m.full((2,), 1.5, dtype=m.int64),
        lambda m: m.full((2,), 300, dtype=m.uint8),
        lambda m: m.full((2,), 1e10, dtype=m.float16),
        lambda m: m.full([2, 2], m.tensor(3)),
        lambda m: m.empty(2, 3).shape,
        lambda m: m.empty((2, 3), dtype=m.int8).dtype,
        lambda m: m.empty(2, 3, out=m.zeros(6)).shape,
        lambda m: m.zeros(2, 3, out=m.zeros(6)),
        lambda m: m.zeros(2, dtype=m.int32, out=m.zeros(2)),
        lambda m: m.empty(2, 3, memory_format=m.channels_last),
        lambda m: m.empty(1, 2, 3, 4, memory_format=m.channels_last).stride(),
        lambda m: m.empty_strided((2, 3), (1, 2)).stride(),
    ],
)
def test_constant_factories(same, fn):
    same(fn)


def test_out_keeps_identity_and_memory():
    out = reference.zeros(2, 3)
    view = out[0]
    res = reference.ones(2, 3, out=out)
    assert res is out and view[0].item() == 1.0


SOURCES = [
    lambda m: m.zeros(2, 3),
    lambda m: m.zeros(2, 3).t(),
    lambda m: m.zeros(2, 3)[:, ::2],
    lambda m: m.zeros(2, 3).expand(4, 2, 3),
    lambda m: m.zeros(1, 2, 3, 4),
    lambda m: m.zeros(4, 3, 2).permute(2, 0, 1),
    # dims of 1 and 0: dense in another order, which numpy would call contiguous
    lambda m: m.zeros(1, 6).t(),
    lambda m: m.zeros(4, 1).t(),
    lambda m: m.zeros(1, 1, 5).permute(2, 1, 0),
    lambda m: m.zeros(5, 1, 1).permute(1, 2, 0),
    lambda m: m.zeros(0, 3).t(),
    lambda m: m.zeros(0),
    lambda m: m.zeros(3).expand(1, 3),
]
DRAWN = ("empty_like", "rand_like", "randn_like")


@pytest.mark.parametrize("src", SOURCES)
@pytest.mark.parametrize(
    "op", ["zeros_like", "ones_like", "full_like", "clone", "contiguous", *DRAWN]
)
def test_like_preserves_strides(same, src, op):
    def fn(m):
        x = src(m)
        if op in ("clone", "contiguous"):
            out = getattr(x, op)()
        else:
            out = getattr(m, op)(*((x, 2.5) if op == "full_like" else (x,)))
        return (out.shape, out.stride(), out.dtype) if op in DRAWN else out

    same(fn)


@pytest.mark.parametrize(
    ("size", "stride"),
    [((6, 1), (1, 6)), ((1, 6), (7, 1)), ((2, 1, 3), (1, 9, 2)), ((0, 3), (1, 1))],
)
def test_empty_strided_keeps_every_stride(same, size, stride):
    same(lambda m: m.empty_strided(size, stride).stride())


@pytest.mark.parametrize(
    ("src", "sizes"),
    [((3,), (1, 3)), ((3,), (2, 1, 3)), ((3, 1), (1, 3, 4)), ((), (1, 1)), ((1,), (1, -1, 1))],
)
def test_expand_strides_of_new_dims(same, src, sizes):
    """A new dim of 1 steps over the dims inside it; an expanded dim has stride 0."""
    same(lambda m: m.zeros(src).expand(*sizes).stride())


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros_like(m.zeros(2, dtype=m.int32), dtype=m.float64),
        lambda m: m.full_like(m.zeros(2, dtype=m.long), 1.5),
        lambda m: m.ones_like(m.zeros(2, 3).t(), memory_format=m.contiguous_format),
        lambda m: m.ones_like(m.zeros(2), requires_grad=True),
        lambda m: m.zeros_like(m.zeros(2, 3), memory_format=m.channels_last),
    ],
)
def test_like_options(same, fn):
    same(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2, dtype=m.int32).new_tensor([1.5]),
        lambda m: m.zeros(2).new_tensor(m.zeros(2)),
        lambda m: m.zeros(2).new_tensor([1, 2], dtype=m.int64, requires_grad=False),
        lambda m: m.zeros(2, dtype=m.int32).new_full((2,), 1.5),
        lambda m: m.zeros(2).new_full(2, 3),
        lambda m: m.zeros(2).new_zeros((2, 3), dtype=m.int32),
        lambda m: m.zeros(2).new_zeros(2, 3),
        lambda m: m.zeros(2, dtype=m.float64).new_ones(2, 3, requires_grad=True),
        lambda m: m.zeros(2, dtype=m.int8).new_empty(2, 3).dtype,
        lambda m: m.zeros(2, dtype=m.int8).new_empty((2, 3)).shape,
    ],
)
def test_new_methods(same, fn):
    same(fn)
