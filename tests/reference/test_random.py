"""Random sampling against torch's CPU generator: same seed, same bits, same state bytes.

Bits are the point here, so torch runs on the kernel the reference follows (AVX2) whatever
the machine's (tests/pinned_torch.py).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import reference
from reference import _random
from tests import pinned_torch

torch = pytest.importorskip("torch")

FLOATS = ["float32", "float64", "float16", "bfloat16"]
SIZES = [1, 2, 7, 15, 16, 17, 32, 33, 100, 1001]


def bits(t) -> np.ndarray:
    """The raw bytes of a reference or torch tensor's values (logical order)."""
    if isinstance(t, reference.Tensor):
        data = t._data
        if t.dtype.is_complex:
            data = np.stack([data.real, data.imag], -1)
        return np.ascontiguousarray(data).view(np.uint8)
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    if t.is_complex():
        t = torch.view_as_real(t)
    return np.ascontiguousarray(t.numpy()).view(np.uint8)


def state(gen) -> np.ndarray:
    s = gen.get_state()
    return s._data.copy() if isinstance(s, reference.Tensor) else s.numpy().copy()


def draw(m, fn, seed: int) -> tuple:
    """``fn(m, generator)`` with a generator seeded ``seed``: the result's dtype, shape,
    strides and bits, and the generator's state afterwards."""
    gen = m.Generator().manual_seed(seed)
    out = fn(m, gen)
    return repr(out.dtype), tuple(out.shape), out.stride(), bits(out), state(gen)


def assert_same_draws(fn, seed: int = 0) -> None:
    """``fn(module, generator)`` with identically seeded generators: equal dtype, shape,
    strides, bits and generator state afterwards (torch on the kernel the reference follows,
    see tests/pinned_torch.py)."""
    r, t = draw(reference, fn, seed), pinned_torch.run(draw, fn, seed)
    for what, a, b in zip(("dtype", "shape", "strides"), r, t, strict=False):
        assert a == b, f"{what}: {a} != torch's {b}"
    np.testing.assert_array_equal(r[3], t[3], err_msg="bits")
    np.testing.assert_array_equal(r[4], t[4], err_msg="generator state")


def dt(m, name):
    return getattr(m, name)


# ----- same seed, same bits --------------------------------------------------------------
@pytest.mark.parametrize("name", FLOATS)
@pytest.mark.parametrize("n", SIZES)
def test_rand_randn(name, n):
    assert_same_draws(lambda m, g: m.rand(n, generator=g, dtype=dt(m, name)), seed=n)
    assert_same_draws(lambda m, g: m.randn(n, generator=g, dtype=dt(m, name)), seed=n)


@pytest.mark.parametrize("name", FLOATS)
@pytest.mark.parametrize("n", [3, 16, 50, 1000])
def test_normal_and_uniform_with_parameters(name, n):
    assert_same_draws(lambda m, g: m.normal(-1.25, 0.3, (n,), generator=g, dtype=dt(m, name)))
    assert_same_draws(lambda m, g: m.empty(n, dtype=dt(m, name)).normal_(7.5, 2.0, generator=g))
    assert_same_draws(
        lambda m, g: m.empty(n, dtype=dt(m, name)).uniform_(-3.5, 0.7, generator=g), seed=3
    )


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_many_samples(name):
    """Long runs exercise the vectorised kernels (FMA emulation, libm, cephes polynomials)."""
    n = 200_003
    assert_same_draws(lambda m, g: m.randn(n, generator=g, dtype=dt(m, name)), seed=11)
    assert_same_draws(lambda m, g: m.normal(0.1, 3.3, (n,), generator=g, dtype=dt(m, name)))
    assert_same_draws(lambda m, g: m.empty(n, dtype=dt(m, name)).uniform_(-0.01, 0.02, generator=g))


def test_successive_calls_share_the_normal_cache():
    def draws(m, g):
        parts = [m.randn(k, generator=g) for k in (1, 3, 5, 2, 16, 1, 33)]
        return m.cat(parts)

    assert_same_draws(draws, seed=5)


@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_non_contiguous_outputs_use_memory_order(name):
    assert_same_draws(lambda m, g: m.empty(40, 30, dtype=dt(m, name)).t().normal_(generator=g))
    assert_same_draws(lambda m, g: m.empty(40, 30, dtype=dt(m, name)).t().uniform_(generator=g))
    assert_same_draws(lambda m, g: m.randn_like(m.empty(4, 30, dtype=dt(m, name)).t(), generator=g))
    assert_same_draws(lambda m, g: m.empty(6, 10, dtype=dt(m, name))[:, ::2].normal_(generator=g))


@pytest.mark.parametrize("name", ["complex64", "complex128"])
@pytest.mark.parametrize("n", [3, 20])
def test_complex(name, n):
    assert_same_draws(lambda m, g: m.rand(n, generator=g, dtype=dt(m, name)))
    assert_same_draws(lambda m, g: m.randn(n, generator=g, dtype=dt(m, name)))


@pytest.mark.parametrize(
    "low, high",
    [(0, 10), (-5, 17), (0, 2**28 - 1), (0, 2**28), (-(2**62), 2**62), (-(2**63), 2**63 - 1)],
)
def test_randint(low, high):
    assert_same_draws(lambda m, g: m.randint(low, high, (1000,), generator=g))
    assert_same_draws(lambda m, g: m.randint(high, (3, 4), generator=g))


@pytest.mark.parametrize(
    "name, low, high",
    [
        ("uint8", 0, 256),
        ("int8", -128, 128),
        ("int16", -7, 300),
        ("int32", -(2**31), 2**31),
        ("bool", 0, 2),
        ("float32", -100, 100),
        ("float64", -(2**40), 2**40),
        ("float16", -50, 2000),
        ("bfloat16", 0, 200),
    ],
)
def test_randint_dtypes(name, low, high):
    assert_same_draws(lambda m, g: m.randint(low, high, (500,), generator=g, dtype=dt(m, name)))
    assert_same_draws(
        lambda m, g: m.randint_like(m.zeros(5, 7, dtype=dt(m, name)), low, high, generator=g)
    )


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000])
@pytest.mark.parametrize("name", ["int64", "int32", "float32", "float16", "bfloat16"])
def test_randperm(n, name):
    assert_same_draws(lambda m, g: m.randperm(n, generator=g, dtype=dt(m, name)), seed=n)


@pytest.mark.parametrize(
    "name, args",
    [
        ("int64", ()),
        ("int32", ()),
        ("int16", ()),
        ("uint8", ()),
        ("bool", ()),
        ("float32", ()),
        ("float64", ()),
        ("float16", ()),
        ("bfloat16", ()),
        ("int64", (9,)),
        ("int64", (-4, 9)),
        ("int16", (-100, None)),
        ("int64", (-(2**63), None)),
        ("bfloat16", (-(2**63), None)),
        ("float64", (-(2**63), None)),
        ("float32", (3, None)),
        ("float64", (-10, None)),
    ],
)
def test_random_(name, args):
    assert_same_draws(lambda m, g: m.empty(300, dtype=dt(m, name)).random_(*args, generator=g))


def test_normal_tensor_overloads():
    mean = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    std = [0.5, 1.0, 2.0]

    def tt(m, g):
        return m.normal(m.tensor(mean), m.tensor(std), generator=g)

    assert_same_draws(tt)
    assert_same_draws(lambda m, g: m.normal(m.arange(40.0), 0.5, generator=g))
    assert_same_draws(lambda m, g: m.normal(2.0, m.arange(20, dtype=m.float64), generator=g))
    assert_same_draws(lambda m, g: m.normal(m.zeros(3), m.ones(3, dtype=m.float64), generator=g))
    assert_same_draws(lambda m, g: m.normal(m.zeros(20, dtype=m.float16), 2.0, generator=g))


@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
@pytest.mark.parametrize("name", ["float32", "float64", "bfloat16"])
def test_like(fn, name):
    assert_same_draws(lambda m, g: getattr(m, fn)(m.empty(3, 7), generator=g, dtype=dt(m, name)))
    assert_same_draws(lambda m, g: getattr(m, fn)(m.empty(3, 7, dtype=dt(m, name)), generator=g))


def test_out_and_size_spellings():
    assert_same_draws(lambda m, g: m.rand(2, 3, out=m.empty(6), generator=g))
    assert_same_draws(lambda m, g: m.randn((4, 5), generator=g))
    assert_same_draws(lambda m, g: m.rand([4, 5], generator=g))
    assert_same_draws(lambda m, g: m.randn(m.Size([4, 5]), generator=g))
    assert_same_draws(lambda m, g: m.rand(size=(4, 5), generator=g))
    assert_same_draws(lambda m, g: m.randint(low=2, high=9, size=(4,), generator=g))
    assert_same_draws(lambda m, g: m.randint(9, size=(4,), generator=g))
    assert_same_draws(lambda m, g: m.randn(0, 3, generator=g))


# ----- generators and state -----------------------------------------------------------------
def global_draws(m) -> tuple[np.ndarray, np.ndarray]:
    """Draws from ``m``'s global generator seeded 1234, and its state afterwards (torch's
    global state is restored)."""
    before = m.get_rng_state()
    try:
        m.manual_seed(1234)
        parts = [m.rand(5), m.randn(20), m.randint(0, 9, (7,)).double(), m.randperm(6).double()]
        values = np.concatenate([p.numpy().astype(np.float64) for p in parts])
        return values, m.get_rng_state().numpy().copy()
    finally:
        if m is not reference:
            m.set_rng_state(before)


def test_global_generator_matches_torch():
    r_values, r_state = global_draws(reference)
    t_values, t_state = pinned_torch.run(global_draws)
    np.testing.assert_array_equal(r_values, t_values)
    np.testing.assert_array_equal(r_state, t_state)


def test_generators_are_independent_of_the_global_one():
    reference.manual_seed(7)
    saved = reference.get_rng_state()._data.copy()
    g = reference.Generator().manual_seed(7)
    first = g.get_state()._data.copy()
    reference.randn(50, generator=g)
    np.testing.assert_array_equal(reference.get_rng_state()._data, saved)
    other = reference.Generator().manual_seed(7)
    np.testing.assert_array_equal(other.get_state()._data, first)
    np.testing.assert_array_equal(
        reference.randn(50)._data, reference.randn(50, generator=other)._data
    )


def torch_state_then_draws(m) -> tuple[np.ndarray, np.ndarray]:
    """A generator's state after a few draws, and the bits of the next ``randn(41)``."""
    gen = m.Generator().manual_seed(99)
    m.randn(3, generator=gen)  # leaves a cached normal in the state
    m.rand(700, generator=gen)
    return state(gen), bits(m.randn(41, generator=gen))


def test_state_bytes_and_round_trips():
    t_state, t_bits = pinned_torch.run(torch_state_then_draws)
    r_gen = reference.Generator().set_state(reference.tensor(t_state))
    np.testing.assert_array_equal(state(r_gen), t_state)
    np.testing.assert_array_equal(bits(reference.randn(41, generator=r_gen)), t_bits)
    # and back: torch accepts the reference's bytes
    reference.randn(5, generator=r_gen)
    r_state = state(r_gen)
    t_bits = pinned_torch.run(
        lambda m: bits(m.rand(9, generator=m.Generator().set_state(m.from_numpy(r_state))))
    )
    np.testing.assert_array_equal(bits(reference.rand(9, generator=r_gen)), t_bits)
    assert r_gen.get_state().dtype is reference.uint8
    assert tuple(r_gen.get_state().shape) == (5056,)


def test_set_rng_state_restores_the_default_generator():
    saved = reference.get_rng_state()
    a = reference.randn(17)
    reference.set_rng_state(saved)
    np.testing.assert_array_equal(a._data, reference.randn(17)._data)


@pytest.mark.parametrize("seed", [0, 1, -1, -(2**63), 2**32 + 5, 2**63, 2**64 - 1, 67280421310721])
def test_seeds(same, seed):
    same(lambda m: m.Generator().manual_seed(seed).initial_seed())
    assert_same_draws(lambda m, g: m.rand(30, generator=g), seed=seed)


def test_default_seed_and_seed():
    assert reference.Generator().initial_seed() == torch.Generator().initial_seed()
    g = reference.Generator()
    value = g.seed()
    assert isinstance(value, int) and g.initial_seed() == value
    value = reference.seed()
    assert reference.initial_seed() == value
    assert reference.manual_seed(3) is reference.default_generator
    assert reference.initial_seed() == 3
    assert repr(reference.Generator().device) == "device(type='cpu')"


# ----- errors ---------------------------------------------------------------------------------
ERRORS = {
    "rand int": lambda m: m.rand(2, 3, dtype=m.int64),
    "rand bool": lambda m: m.rand(2, dtype=m.bool),
    "randn int": lambda m: m.randn(2, dtype=m.int32),
    "randn int empty": lambda m: m.randn(0, dtype=m.int32),
    "rand int empty": lambda m: m.rand(0, dtype=m.int32),
    "rand negative": lambda m: m.rand(-1, 3),
    "randn negative": lambda m: m.randn(2, -3),
    "randint high<=low": lambda m: m.randint(5, 3, (3,)),
    "randint high 0": lambda m: m.randint(0, (3,)),
    "randint one arg": lambda m: m.randint(3),
    "randint no size": lambda m: m.randint(3, 5),
    "randint float high": lambda m: m.randint(2.5, (2,)),
    "randint overflow": lambda m: m.randint(0, 2**63, (2,)),
    "randint bool": lambda m: m.randint(3, (2,), dtype=m.bool),
    "randint uint8": lambda m: m.randint(0, 300, (2,), dtype=m.uint8),
    "randint int8": lambda m: m.randint(-200, 0, (2,), dtype=m.int8),
    "randint half": lambda m: m.randint(0, 2**40, (2,), dtype=m.float16),
    "randint complex": lambda m: m.randint(0, 10, (2,), dtype=m.complex64),
    "randint float warning": lambda m: m.randint(
        0, 2**30, (3,), dtype=m.float32, generator=m.Generator().manual_seed(1)
    ),
    "randint negative size": lambda m: m.randint(3, (-3,)),
    "randint requires_grad": lambda m: m.randint(3, (3,), requires_grad=True),
    "randperm negative": lambda m: m.randperm(-1),
    "randperm half": lambda m: m.randperm(3000, dtype=m.float16),
    "randperm int8": lambda m: m.randperm(300, dtype=m.int8),
    "randperm bool": lambda m: m.randperm(3, dtype=m.bool),
    "randperm float n": lambda m: m.randperm(2.5),
    "randperm requires_grad": lambda m: m.randperm(3, requires_grad=True),
    "normal negative std": lambda m: m.normal(0.0, -1.0, (3,)),
    "normal no size": lambda m: m.normal(0.0, 1.0),
    "normal tensor mean negative std": lambda m: m.normal(m.zeros(3), -1.0),
    "normal negative std tensor": lambda m: m.normal(0.0, -m.ones(3)),
    "normal shapes": lambda m: m.normal(m.zeros(3), m.ones(4)),
    "normal int mean": lambda m: m.normal(m.zeros(3, dtype=m.int64), m.ones(3)),
    "normal tensor with size": lambda m: m.normal(m.zeros(2), 1.0, (3,)),
    "normal nan std": lambda m: m.normal(0.0, float("nan"), (2,)),
    "uniform_ reversed": lambda m: m.zeros(3).uniform_(2, 1),
    "uniform_ out of range": lambda m: m.zeros(3).uniform_(0, 1e39),
    "uniform_ half span": lambda m: m.zeros(3, dtype=m.float16).uniform_(-6e4, 6e4),
    "uniform_ int": lambda m: m.zeros(3, dtype=m.int64).uniform_(0, 1),
    "uniform_ str": lambda m: m.zeros(3).uniform_("a"),
    "uniform_ generator": lambda m: m.zeros(3).uniform_(generator=1),
    "uniform_ leaf": lambda m: m.zeros(3, requires_grad=True).uniform_(),
    "normal_ negative std": lambda m: m.zeros(3).normal_(0, -1),
    "normal_ int": lambda m: m.zeros(3, dtype=m.int64).normal_(0, 1),
    "random_ reversed": lambda m: m.zeros(3).random_(5, 2),
    "random_ uint8": lambda m: m.zeros(3, dtype=m.uint8).random_(0, 300),
    "random_ float": lambda m: m.zeros(3).random_(2.5),
    "random_ full range int32": lambda m: m.zeros(3, dtype=m.int32).random_(-(2**63), None),
    "random_ complex": lambda m: m.zeros(3, dtype=m.complex64).random_(),
    "random_ generator": lambda m: m.zeros(3).random_(generator=1),
    "set_state size": lambda m: m.Generator().set_state(m.zeros(10, dtype=m.uint8)),
    "set_state legacy size": lambda m: m.Generator().set_state(m.zeros(5048, dtype=m.uint8)),
    "set_state invalid": lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.uint8)),
    "set_state float": lambda m: m.Generator().set_state(m.zeros(5056)),
    "set_state list": lambda m: m.Generator().set_state([1, 2]),
    "set_rng_state list": lambda m: m.set_rng_state([1, 2]),
    "seed too big": lambda m: m.Generator().manual_seed(2**64),
    "seed too small": lambda m: m.Generator().manual_seed(-(2**63) - 1),
    "seed float": lambda m: m.Generator().manual_seed(1.5),
    "seed str": lambda m: m.Generator().manual_seed("1"),
    "seed bool": lambda m: m.Generator().manual_seed(True),
    "manual_seed too big": lambda m: m.manual_seed(2**64),
    "manual_seed float": lambda m: m.manual_seed(3.7).initial_seed(),
    "offset": lambda m: m.Generator().get_offset(),
    "meta generator": lambda m: m.Generator("meta"),
    "generator type": lambda m: m.rand(3, generator=5),
    "rand no size": lambda m: m.rand(),
    "randn no size": lambda m: m.randn(),
    "randperm no n": lambda m: m.randperm(),
    "rand float size": lambda m: m.rand(2, 2.5),
    "rand float in tuple": lambda m: m.rand((2.5,)),
    "rand out dtype": lambda m: m.rand(3, out=m.zeros(2), dtype=m.float64),
    "rand_like int": lambda m: m.rand_like(m.zeros(3, dtype=m.int64)),
    "randint_like no high": lambda m: m.randint_like(m.zeros(2)),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_and_warnings(same, case):
    same(ERRORS[case])


def test_requires_grad_and_generator_state_returned(same):
    same(lambda m: m.rand(3, requires_grad=True, generator=m.Generator()))
    same(lambda m: m.randint(3, (3,), dtype=m.float32, requires_grad=True, generator=m.Generator()))
    same(lambda m: (lambda g: g.set_state(g.get_state()) is g)(m.Generator()))


# ----- the exact-arithmetic helpers ---------------------------------------------------------
def round_to_float32(exact: Fraction) -> np.float32:
    """The float32 nearest to ``exact`` (ties to even), by comparing neighbours exactly."""
    guess = np.float32(float(exact))
    candidates = [np.nextafter(guess, np.float32(d)) for d in (-np.inf, np.inf)] + [guess]
    return min(
        candidates,
        key=lambda v: (abs(Fraction(float(v)) - exact), int(np.float32(v).view(np.uint32)) & 1),
    )


def test_fma32_is_correctly_rounded():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(3000).astype(np.float32) for _ in range(3))
    # 4097 * 16773121 = 2**36 + 1: the float64 sum with 2**60 lands on a float32 midpoint
    a[:2], b[:2], c[:2] = 4097, 16773121, np.float32(2.0**60) * np.float32([1, -1])
    got = _random._fma32(a, b, c)
    for x, y, z, g in zip(a, b, c, got, strict=True):
        exact = Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
        assert g == round_to_float32(exact), (x, y, z)
    assert got[0] == np.float32(2.0**60 + 2.0**37)


def test_fma64_is_correctly_rounded():
    rng = np.random.default_rng(1)
    a = np.concatenate([rng.random(5000), np.full(10, 1 + 2.0**-52)])
    b = np.concatenate([rng.standard_normal(5000) * 3, np.full(10, 1 - 2.0**-53)])
    c = np.concatenate([rng.standard_normal(5000), np.full(10, -1.0)])
    got = _random._fma64(a, b, c)
    want = [float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c, strict=True)]
    np.testing.assert_array_equal(got, want)
    assert math.isnan(_random._fma64(np.array([np.inf]), 0.0, 1.0)[0])
