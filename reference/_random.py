"""PyTorch's CPU random number generation, bit for bit: ``Generator``, the default generator,
seeding and state bytes, ``rand``/``randn``/``randint``/``randperm``/``normal`` (+ ``_like``)
and ``Tensor.uniform_``/``normal_``/``random_``.

The numbers follow ATen's CPU kernels (``DistributionTemplates.h``, ``DistributionsHelper.h``,
``TransformationHelper.h``, ``TensorFactories.cpp``) on an MT19937 engine (``_mt19937``):

* uniform: float/half/bfloat16 take 24 bits of one 32-bit draw, double 53 bits of one 64-bit
  draw, then ``fma(x, to - from, from)`` in float (double for float64).
* normal: below 16 elements (or into a non-contiguous tensor) double-precision Box-Muller per
  element with the spare sine value cached in the generator; from 16 contiguous elements
  ``normal_fill``, which for float32/half/bfloat16 reproduces the AVX2 cephes ``log256_ps`` /
  ``sincos256_ps`` polynomials with the multiply-adds GCC fuses into FMAs.
* integers: ``random() % range`` below a range of 2**28, ``random64() % range`` above.
"""

from __future__ import annotations

import math
import numbers
import os
import struct
import warnings
from fractions import Fraction

import numpy as np

from . import _dtypes
from ._conversion import resize_out
from ._creation import check_layout, empty, empty_like, out_dtype, parse_size
from ._device import CPU, array_namespace, as_device, device, layout, memory_format
from ._device import preserve_format as _preserve
from ._dtypes import dtype
from ._factory import new_leaf
from ._fpstate import quiet
from ._grad_mode import is_recording, no_grad
from ._mt19937 import MT19937, N
from ._ops import apply_inplace, apply_op
from ._scalars import checked_scalar
from ._size import Size
from ._strides import broadcast_shapes
from ._tensor import Tensor
from .autograd._graph import Formula

__all__ = [
    "Generator",
    "default_generator",
    "seed",
    "manual_seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "rand_like",
    "randn_like",
    "randint_like",
    "uniform_",
    "normal_",
    "random_",
]

_STATE_SIZE = 5056
_DEFAULT_SEED = 67280421310721
_U64 = (1 << 64) - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TWO_PI = 2.0 * math.pi


# ----- Generator ------------------------------------------------------------------------
_NO_GENERATOR = {
    "meta": "META device type not an accelerator.",
    "cuda": "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend "
    "into two shared libraries: a CPU library and a CUDA library; this error has occurred "
    "because you are trying to use some CUDA functionality, but the CUDA library has not been "
    "loaded by the dynamic linker for some reason.  The CUDA library MUST be loaded, EVEN IF "
    "you don't directly use any symbols from the CUDA library! One common culprit is a lack "
    "of -Wl,--no-as-needed in your link arguments; many dynamic linkers will delete dynamic "
    "library dependencies if you don't depend on any of their symbols.  You can check if this "
    "has occurred by using ldd on your binary to see if there is a dependency on *_cuda.so "
    "library.",
}


def _random_seed() -> int:
    """A non-deterministic 64-bit seed (torch reads /dev/urandom)."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A CPU random number generator (``torch.Generator``): MT19937 plus the cached spare
    Box-Muller sample."""

    def __init__(self, device: device | str = "cpu") -> None:  # noqa: A002 - torch spelling
        dev = as_device(device)
        if dev.type != "cpu":
            raise RuntimeError(_NO_GENERATOR.get(dev.type, f"reference: no {dev.type} generator"))
        self._device = dev
        self._engine = MT19937(_DEFAULT_SEED)
        self._normal: float | None = None  # next_double_normal_sample
        self._float_normal: float | None = None  # next_float_normal_sample (state only)

    @property
    def device(self) -> device:
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Seed with ``seed`` (negative values wrap to uint64); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not isinstance(seed, int):
            raise TypeError("an integer is required")
        if not _INT64_MIN <= seed <= _U64:
            raise ValueError("Overflow when unpacking long long")
        self._engine.reseed(seed & _U64)
        self._normal = self._float_normal = None
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns that seed."""
        value = _random_seed()
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with (as uint64)."""
        return self._engine.seed

    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> Generator:
        raise RuntimeError("CPU Generator does not use offset")

    def get_state(self) -> Tensor:
        """The state as torch's 5056-byte ``CPUGeneratorImplState`` (uint8 tensor)."""
        return new_leaf(_pack_state(self), _dtypes.uint8, CPU)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state`` (also one taken from torch); returns self."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state._dtype is not _dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if not new_state.is_contiguous():
            raise RuntimeError("RNG state must be contiguous")
        if new_state.numel() != _STATE_SIZE:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input "
                f"RNG state size to be {new_state.numel()}"
            )
        _unpack_state(self, np.ascontiguousarray(new_state._data).reshape(-1).tobytes())
        return self

    def __repr__(self) -> str:
        return f"<reference.Generator object at {id(self):#x}>"


def _pack_state(gen: Generator) -> np.ndarray:
    eng = gen._engine
    head = struct.pack("<QiiQ", eng.seed, eng.left, 1, eng.next)
    words = eng.state.astype("<u8").tobytes()
    normal_ok = gen._normal is not None
    tail = struct.pack("<dddi4x", 0.0, gen._normal if normal_ok else 0.0, 0.0, normal_ok)
    float_ok = gen._float_normal is not None
    tail += struct.pack("<f?3x", gen._float_normal if float_ok else 0.0, float_ok)
    return np.frombuffer(head + words + tail, np.uint8).copy()


def _unpack_state(gen: Generator, raw: bytes) -> None:
    seed_, left, seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
    words = np.frombuffer(raw, "<u8", N, 24).astype(np.uint32)  # uint64 words truncated
    _, normal_y, _, normal_ok = struct.unpack_from("<dddi", raw, 24 + 8 * N)
    float_normal, float_ok = struct.unpack_from("<f?", raw, 5048)
    nxt &= 0xFFFFFFFF
    if not (seeded and 0 < left <= N and nxt <= N):
        raise RuntimeError("Invalid mt19937 state")
    eng = gen._engine
    eng.seed, eng.left, eng.next, eng.state = seed_, left, nxt, words
    gen._normal = normal_y if normal_ok else None
    gen._float_normal = float_normal if float_ok else None


default_generator = Generator()
default_generator.manual_seed(_random_seed())


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def manual_seed(seed: int) -> Generator:  # noqa: A002
    """Seed the default generator (``int(seed)``); returns it."""
    return default_generator.manual_seed(int(seed))


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (5056 uint8)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state."""
    default_generator.set_state(new_state)


# ----- exact floating-point helpers -------------------------------------------------------
def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fma32(a, b, c) -> np.ndarray:
    """float32 ``fma(a, b, c)``. The float64 product of float32 operands is exact, so
    ``p + c`` in float64 rounds once; rounding that to float32 is then exact unless it
    lands exactly on a float32 midpoint (or in the subnormal range): those few elements
    are redone with the sum rounded to odd."""
    if np.ndim(b) == 0 and b == 1:  # a * 1 is exact: one rounding of the sum
        return np.asarray(a, np.float32) + np.float32(c)
    return _fma32_wide(*(np.asarray(v, np.float32).astype(np.float64) for v in (a, b, c)))


def _fma32_wide(a, b, c) -> np.ndarray:
    """``_fma32`` of float32 values already widened (exactly) to float64."""
    s = a * b
    if isinstance(s, np.ndarray) and s.shape == np.broadcast(s, c).shape:
        s += c  # no second temporary
    else:
        s = s + c
    hard = (np.ascontiguousarray(s).view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(
        0x10000000
    )
    hard |= np.abs(s) < 2.0**-125  # exponent below 1023 - 125 (never NaN or inf)
    if hard.any():
        if s.shape != hard.shape:  # a fresh array of that shape is ours to write
            s = np.array(np.broadcast_to(s, hard.shape))
        a, b, c = (np.broadcast_to(v, hard.shape)[hard] for v in (a, b, c))
        s[hard] = _round_to_odd(a * b, c)
    return s.astype(np.float32)


def _round_to_odd(p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``p + c`` in float64 with round-to-odd (exact inputs), so a later rounding to
    float32 (53 >= 24 + 2 bits) gives the correctly rounded sum."""
    s, err = _two_sum(p, c)
    bits = s.view(np.int64)
    inexact = (err != 0) & np.isfinite(s)
    bits = bits - (inexact & (np.signbit(err) != np.signbit(s)))
    return np.where(inexact, bits | 1, bits).view(np.float64)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = 134217729.0 * a  # Veltkamp: 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c) -> np.ndarray:
    """float64 ``fma(a, b, c)``: error-free transformations, with exact rational arithmetic
    for the (rare) elements whose rounding they cannot decide."""
    if np.ndim(b) == 0 and b == 1:  # a * 1 is exact: one rounding of the sum
        return np.asarray(a, np.float64) + np.float64(c)
    a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, c)))
    with quiet():
        p = a * b
        (ah, al), (bh, bl) = _split(a), _split(b)
        p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s, e1 = _two_sum(p, c)
        t, e2 = _two_sum(e1, p_err)
        r, e3 = _two_sum(s, t)
        rest = (e3 + e2) * np.where(np.signbit(r), -1.0, 1.0)  # toward larger magnitude
        mag = np.abs(r)
        gap = np.where(rest >= 0, np.spacing(mag), mag - np.nextafter(mag, 0.0))
        sure = (e2 == 0) | (np.abs(rest) < gap / 2)  # e2 == 0: r = RN(exact) already
        sure &= (np.abs(p) >= 2.0**-968) | (a == 0) | (b == 0)  # else p_err may underflow
        finite = np.isfinite(a) & np.isfinite(b) & np.isfinite(c) & np.isfinite(r)
        r = np.where(finite, r, p + c)
    for i in zip(*np.nonzero(finite & ~sure), strict=True):
        r[i] = float(Fraction(a[i]) * Fraction(b[i]) + Fraction(c[i]))
    return r


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """A scalar C-library function (``math``) applied element-wise, as torch's loops do."""
    flat = x.reshape(-1).tolist()
    return np.fromiter(map(fn, flat), np.float64, len(flat)).reshape(x.shape)


def _to_dtype(values: np.ndarray, dt: dtype) -> np.ndarray:
    """``static_cast<scalar_t>``: half and bfloat16 convert through float."""
    if dt.itemsize == 2 and dt.is_floating_point and values.dtype == np.float64:
        values = values.astype(np.float32)
    return values.astype(dt._np, copy=False)


# ----- uniform ---------------------------------------------------------------------------
def _unit_float(gen: Generator, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """float32 uniforms in [0, 1): the low 24 bits of one 32-bit draw each (into ``out``)."""
    words = gen._engine.random(n)
    words &= np.uint32(0xFFFFFF)
    x = np.empty(n, np.float32) if out is None else out
    np.copyto(x, words, casting="unsafe")
    x *= np.float32(2.0**-24)
    return x


def _unit_double(gen: Generator, n: int) -> np.ndarray:
    """float64 uniforms in [0, 1): the low 53 bits of one 64-bit draw each."""
    words = gen._engine.random64(n)
    words &= np.uint64((1 << 53) - 1)
    x = words.astype(np.float64)
    x *= 2.0**-53
    return x


def _uniform_values(
    gen: Generator, n: int, dt: dtype, low: float, high: float, out: np.ndarray | None = None
) -> np.ndarray:
    """``uniform_kernel``: ``fma(x, to - from, from)`` in the op-math type, then cast; a
    value rounded up to ``to`` becomes ``from``. ``out``: a float32 buffer the uniforms
    may be drawn into (the result is ``out`` itself when nothing else changes them)."""
    if dt is _dtypes.float64:
        x = _unit_double(gen, n)
        values = x if (low, high) == (0.0, 1.0) else _fma64(x, high - low, low)
    else:
        lo, hi = np.float32(low), np.float32(high)
        x = _unit_float(gen, n, out)
        values = x if (lo, hi) == (0, 1) else _fma32(x, hi - lo, lo)
    values = _to_dtype(values, dt)
    top = values == _to_dtype(np.asarray(high), dt)
    if top.any():
        values = np.where(top, _to_dtype(np.asarray(low), dt), values)
    return values


# ----- normal: per-element Box-Muller -------------------------------------------------------
def _box_muller(gen: Generator, n: int) -> np.ndarray:
    """``normal_distribution<double>`` for ``n`` successive elements (standard normal):
    each fresh pair returns ``r*cos`` and caches ``r*sin`` for the next element."""
    head = []
    if n and gen._normal is not None:
        head, gen._normal, n = [gen._normal], None, n - 1
    pairs = (n + 1) // 2
    u = _unit_double(gen, 2 * pairs).reshape(pairs, 2)
    radius = np.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
    theta = _TWO_PI * u[:, 0]
    both = np.stack([radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)], 1)
    both = both.reshape(-1)
    if n % 2:
        gen._normal = float(both[-1])
    return np.concatenate([np.asarray(head, np.float64), both[:n]])


# ----- normal: normal_fill (16 at a time) ---------------------------------------------------
# constants of avx_mathfun.h (cephes), as float32
_LOG_P = [
    np.float32(v)
    for v in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
]
_LOG_Q1, _LOG_Q2 = np.float32(-2.12194440e-4), np.float32(0.693359375)
_SQRTHF = np.float32(0.707106781186547524)
_DP = [np.float32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_SIN_P = [np.float32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COS_P = [
    np.float32(v) for v in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)
]
_FOPI = np.float32(1.27323954473516)
_ONE, _HALF = np.float32(1.0), np.float32(0.5)


def _fused32(a: np.ndarray, b, c) -> np.ndarray:
    """float32 ``fma(a, b, c)`` as the float64 ``a*b + c`` (exact product) rounded to
    float32. That second rounding is exact unless the float64 sum lies on a float32
    midpoint or below float32's normal range (``_fma32`` decides those): it never does for
    the inputs the kernels below can receive, which tests/reference/test_random.py checks
    over all 2**24 of them."""
    p = a.astype(np.float64)
    p *= b
    p += c
    return p.astype(np.float32)


def _horner(coefs: list, x: np.ndarray) -> np.ndarray:
    """``y = c0; y = fma(y, x, c1); ...`` (each step as ``_fused32``), in place."""
    wide = x.astype(np.float64)
    p = wide * np.float64(coefs[0])
    y = np.empty_like(x)
    for i, c in enumerate(coefs[1:], 2):
        p += np.float64(c)
        np.copyto(y, p, casting="same_kind")  # round to float32
        if i < len(coefs):
            np.copyto(p, y)
            p *= wide
    return y


def _log256(x: np.ndarray) -> np.ndarray:
    """``log256_ps`` (avx_mathfun.h) for x in (0, 1], with GCC's FMA contractions."""
    x = np.maximum(x, np.float32(2.0**-126))  # cut off denormals
    bits = x.view(np.uint32)
    e = (bits >> np.uint32(23)).astype(np.float32)
    e -= np.float32(0x7F - 1)  # the exponent, plus one (exact in float32)
    x = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    mask = x < _SQRTHF
    x = (x - _ONE) + x * mask  # x where the mask holds, else +0 (x is positive)
    e -= mask
    z = x * x
    y = _horner(_LOG_P, x) * x
    y = _fused32(y, z, e * _LOG_Q1)
    y -= z * _HALF
    y += x
    return e * _LOG_Q2 + y  # fma(e, q2, x + y): e * q2 is exact in float32 (7 + 9 bits)


def _sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` (avx_mathfun.h) for x in [0, 2*pi), with GCC's FMA contractions."""
    j = (x * _FOPI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(np.float32)
    # fma(y, DPk, x): y <= 8 is even, so y * DP1 and y * DP2 (8 and 11 bits) are exact
    x = x + y * _DP[0]
    x += y * _DP[1]
    x = _fused32(y, _DP[2], x)
    z = x * x
    yc = _horner(_COS_P, z) * z
    yc = _fused32(yc, z, -(z * _HALF))
    yc += _ONE
    ys = _fused32(_horner(_SIN_P, z) * z, x, x)
    # the selects and sums of the kernel, for these finite polynomials never -0.0; selected
    # by bits: numpy's where takes ten times longer on a mask without runs
    swap = (j & 2) << 30
    swap >>= 31  # -1 (every bit set) where bit 1 of j is, else 0
    either = yc.view(np.int32) ^ ys.view(np.int32)
    s = ((either & swap) ^ ys.view(np.int32)).view(np.float32)  # yc where swapped, else ys
    c = (s.view(np.int32) ^ either).view(np.float32)  # the other one
    s.view(np.uint32)[...] ^= ((j & 4) << 29).view(np.uint32)
    c.view(np.uint32)[...] ^= ((~(j - 2) & 4) << 29).view(np.uint32)
    return s, c


def _fill16_float(d: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``NormalFill16<float>`` (AVX2) on rows of 16 uniforms."""
    u1, u2 = _ONE - d[:, :8], d[:, 8:]
    radius = np.sqrt(np.float32(-2.0) * _log256(u1))
    s, c = _sincos256(np.float32(_TWO_PI) * u2)
    out = np.concatenate([radius * c, radius * s], axis=1)
    return _fma32(out, np.float32(std), np.float32(mean))


def _fill16_double(d: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``NormalFill16<double>`` on rows of 16 uniforms (libm log, cos, sin)."""
    u1, u2 = 1.0 - d[:, :8], d[:, 8:]
    radius = np.sqrt(-2.0 * _libm(math.log, u1))
    theta = _TWO_PI * u2
    out = np.concatenate([radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)], 1)
    return _fma64(out, std, mean)


_BLOCK = 4096  # rows of 16 per pass of the kernels


def _normal_fill(
    gen: Generator, n: int, dt: dtype, mean: float, std: float, out: np.ndarray | None = None
) -> np.ndarray:
    """``normal_fill``: 16 values per 16 uniforms; a ragged end recomputes the last 16
    (into ``out``, a buffer of the computation's dtype, when given)."""
    double = dt is _dtypes.float64
    unit, fill16 = (_unit_double, _fill16_double) if double else (_unit_float, _fill16_float)
    full = n // 16 * 16
    # float/double draw all n uniforms up front; half/bfloat16 only the full chunks
    drawn = unit(gen, n if dt.itemsize >= 4 else full)
    if out is None:
        out = np.empty(n, np.float64 if double else np.float32)
    rows, into = drawn[:full].reshape(-1, 16), out[:full].reshape(-1, 16)
    for i in range(0, len(rows), _BLOCK):  # blocks whose temporaries stay in cache
        into[i : i + _BLOCK] = fill16(rows[i : i + _BLOCK], mean, std)
    if n % 16:
        out[n - 16 :] = fill16(unit(gen, 16).reshape(1, 16), mean, std).reshape(-1)
    return out.astype(dt._np, copy=False)


def _normal_values(
    gen: Generator, n: int, dt: dtype, mean: float, std: float, out: np.ndarray | None
) -> np.ndarray:
    """The kernel for ``n`` elements; ``out``: the flat target when it is contiguous
    (``normal_fill`` needs that), of the computation's dtype, else None."""
    if n >= 16 and out is not None:
        return _normal_fill(gen, n, dt, mean, std, out if out.dtype == _computed(dt) else None)
    return _to_dtype(_fma64(_box_muller(gen, n), std, mean), dt)


# ----- integers ----------------------------------------------------------------------------
def _remainder(draws: np.ndarray, span: np.unsignedinteger) -> np.ndarray:
    """``draws % span`` through numpy's floor division, which divides by a constant
    without a division instruction (a third of ``%``'s time); overwrites nothing."""
    rest = draws // span
    rest *= span
    return np.subtract(draws, rest, out=rest)


def _draws_mod(gen: Generator, n: int, span: int, wide: bool) -> np.ndarray:
    """``random64() % span`` when ``wide``, else ``random() % span``, as int64 (as the
    two's complement of the uint64 result)."""
    if wide:
        return _remainder(gen._engine.random64(n), np.uint64(span)).view(np.int64)
    return _remainder(gen._engine.random(n), np.uint32(span)).astype(np.int64)


def _from_to_values(gen: Generator, n: int, span: int, base: int) -> np.ndarray:
    """``uniform_int_from_to_distribution``: ``draw % span + base`` as int64 (wrapping)."""
    values = _draws_mod(gen, n, span, wide=span >= 1 << 28)
    values += np.int64(base)  # two's complement: the uint64 sum of torch, wrapped
    return values


def _full_range_values(gen: Generator, n: int) -> np.ndarray:
    return gen._engine.random64(n).view(np.int64)


_RANDOM_MODULUS = {"bool": 2, "float16": 2**11 + 1, "bfloat16": 2**8 + 1, "float32": 2**24 + 1}
_RANDOM_MODULUS.update(float64=2**53 + 1, int64=2**63, uint8=2**8, int8=2**7, int16=2**15)
_RANDOM_MODULUS.update(int32=2**31)


def _random_values(gen: Generator, n: int, dt: dtype) -> np.ndarray:
    """``random_()`` without bounds: ``uniform_int_distribution``."""
    if dt._name not in _RANDOM_MODULUS:
        raise NotImplementedError(f"\"random_kernel_cpu\" not implemented for '{dt._scalar_name}'")
    wide = dt in (_dtypes.float64, _dtypes.int64)
    return _draws_mod(gen, n, _RANDOM_MODULUS[dt._name], wide)


# ----- writing into tensors ----------------------------------------------------------------
def _real_view(arr: np.ndarray) -> np.ndarray:
    """``view_as_real`` for complex arrays (the array itself otherwise)."""
    if arr.dtype.kind != "c":
        return arr
    real = arr.real
    return np.lib.stride_tricks.as_strided(
        real, arr.shape + (2,), arr.strides + (real.itemsize,), writeable=True
    )


def _write(arr: np.ndarray, values: np.ndarray) -> None:
    """Store ``values`` in the order TensorIterator visits ``arr``: memory order."""
    order = sorted(range(arr.ndim), key=lambda d: -arr.strides[d])
    view = arr.transpose(order)
    view[...] = values.reshape(view.shape)


def _flat(arr: np.ndarray) -> np.ndarray | None:
    """A C-contiguous array as one flat view (what its memory order visits), else None."""
    return arr.reshape(-1) if arr.flags.c_contiguous else None


def _computed(dt: dtype) -> np.dtype:
    """The dtype ``normal_fill`` computes ``dt``'s values in."""
    return np.dtype(np.float64 if dt is _dtypes.float64 else np.float32)


def _component(dt: dtype) -> dtype:
    if dt is _dtypes.complex32:
        raise NotImplementedError("reference: random sampling of torch.complex32 is not supported")
    return dt.to_real() if dt.is_complex else dt


def _generator(gen, name: str, args: tuple, kwargs: dict) -> Generator:
    if gen is None:
        return default_generator
    if not isinstance(gen, Generator):
        _bad_args(name, args, kwargs)
    return gen


# ----- in-place samplers -------------------------------------------------------------------
_TYPE_NAMES = {
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "uint8": "unsigned char",
    "uint16": "short unsigned int",
    "uint32": "unsigned int",
    "uint64": "long unsigned int",
    "bool": "bool",
}
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_FLOATS = (_dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64)
_INTS = (_dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64)


def _fmt(x: float) -> str:
    """A double the way C++ streams print it (``%g``)."""
    return f"{x:g}"


def _float_arg(x, name: str, pos: int, method: str) -> float:
    if isinstance(x, Tensor) and x.numel() == 1:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{method}(): argument '{name}' (position {pos}) must be float, not {type(x).__name__}"
        )
    return float(x)


def _uniform_into(arr: np.ndarray, dt: dtype, low: float, high: float, gen: Generator) -> None:
    """``uniform_impl_``: bounds checks, then the kernel over ``arr`` (complex as real)."""
    real = _component(dt)
    if real not in _FLOATS:
        raise NotImplementedError(
            f"\"check_uniform_bounds\" not implemented for '{real._scalar_name}'"
        )
    info = _dtypes.finfo(real)
    lowest, highest = float(info.min), float(info.max)
    name = _TYPE_NAMES[real._name]
    for label, v in (("from", low), ("to", high)):
        if not lowest <= v <= highest:
            raise RuntimeError(f"{label} is out of bounds for {name}")
    if not low <= high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={_fmt(low)} > "
            f"to={_fmt(high)}"
        )
    if not high - low <= highest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{real._scalar_name}>::max(), but "
            f"found to={_fmt(high)} and from={_fmt(low)} which result in to-from to exceed the "
            "limit"
        )
    if arr.size:
        target = _real_view(arr)
        with quiet():  # torch's casts never warn
            flat = _flat(target) if real is _dtypes.float32 else None
            values = _uniform_values(gen, target.size, real, low, high, flat)
            if values is not flat:
                _write(target, values)


def _normal_into(arr: np.ndarray, dt: dtype, mean: float, std: float, gen: Generator) -> None:
    """``normal_impl_``: std check, then the kernel (complex: real view, std / sqrt(2))."""
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    if not arr.size:
        return
    real = _component(dt)
    if real not in _FLOATS:
        raise NotImplementedError(
            f"\"normal_kernel_cpu\" not implemented for '{real._scalar_name}'"
        )
    if dt.is_complex:
        std = std / math.sqrt(2)
    target = _real_view(arr)
    with quiet():  # torch's casts never warn
        flat = _flat(target)
        values = _normal_values(gen, target.size, real, mean, std, flat)
    if values is not flat:
        _write(target, values)


def _update_from(value: int, digits: int, cast) -> int:
    plus_1 = cast(value + 1)
    if plus_1 < value:
        n = max(abs(value + 1).bit_length() - 1, 0)
        value = plus_1 + (1 << (n - digits + 1))
    return value


def _update_to(value: int, digits: int, cast) -> int:
    minus_1 = cast(value - 1)
    if minus_1 >= value:
        n = max(abs(value - 1).bit_length() - 1, 0)
        value = minus_1 - (1 << (n - digits + 1))
    return value


def _round_trip(dt: dtype):
    """``static_cast<int64_t>(static_cast<scalar_t>(v))`` (non-finite -> INT64_MIN, as x86)."""

    def cast(v: int) -> int:
        with quiet():
            f = float(
                np.asarray(float(v), np.float32 if dt.itemsize == 2 else dt._np).astype(dt._np)
            )
        return int(f) if math.isfinite(f) and -(2.0**63) <= f < 2.0**63 else _INT64_MIN

    return cast


def _check_bounds(low: int, to_inc: int, dt: dtype) -> None:
    """``check_from_to_in_range``: errors outside the dtype, warnings beyond 2**digits."""
    name = _TYPE_NAMES.get(dt._name)
    if name is None or dt.is_floating_point and dt not in _FLOATS:
        raise RuntimeError(
            "check_random_bounds handles only integral, floating-point and boolean types"
        )
    if dt.is_floating_point:
        info = _dtypes.finfo(dt)
        lo, hi = float(info.min), float(info.max)
    elif dt is _dtypes.uint64:
        lo, hi = 0, _INT64_MAX
    elif dt is _dtypes.bool:
        lo, hi = 0, 1
    else:
        info = np.iinfo(dt._np)
        lo, hi = int(info.min), int(info.max)
    for label, v in (("from", low), ("to - 1", to_inc)):
        if not lo <= v <= hi:
            raise RuntimeError(f"{label} is out of bounds for {name}")
    if dt.is_floating_point:
        digits = _DIGITS[dt._name]
        for label, v in (("from", low), ("to - 1", to_inc)):
            if v < -(1 << digits) or v > (1 << digits):
                warnings.warn(
                    f"{label} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                    f"limitations {name} can support discrete uniform distribution only within "
                    "this range. This warning will become an error in version 1.7 release, "
                    "please fix the code in advance",
                    UserWarning,
                    stacklevel=5,
                )


def _random_into(arr: np.ndarray, dt: dtype, low: int | None, high, gen: Generator) -> None:
    """``random_from_to_impl`` (``low`` given) or ``random_impl`` (``low`` None)."""
    if low is None:
        values = _random_values(gen, arr.size, dt) if arr.size else None
    elif high is not None:
        values = _bounded_values(arr, dt, low, high, gen)
    else:
        values = _from_values(arr, dt, low, gen)
    if values is not None:
        with quiet():  # torch's casts never warn
            _write(arr, _int_to_dtype(values, dt))


def _bounded_values(arr: np.ndarray, dt: dtype, low: int, high: int, gen: Generator):
    if not low < high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    if dt in _FLOATS:
        cast, digits = _round_trip(dt), _DIGITS[dt._name]
        low, high = _update_from(low, digits, cast), _update_to(high, digits, cast)
        if not low < high:
            raise RuntimeError(
                "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, "
                f"but got from={low} >= to={high}"
            )
    _check_bounds(low, high - 1, dt)
    if not arr.size:
        return None
    return _from_to_values(gen, arr.size, (high - low) & _U64, low)


def _from_values(arr: np.ndarray, dt: dtype, low: int, gen: Generator):
    """``random_(from, None)``: [from, max] of the dtype (all int64 for from = INT64_MIN)."""
    if low == _INT64_MIN:
        if not arr.size:
            return None
        if dt not in (_dtypes.int64, _dtypes.float64, _dtypes.float32, _dtypes.bfloat16):
            raise RuntimeError(
                "random_full_64_bits_range_kernel_cpu handles only int64, double, float and "
                "bfloat16"
            )
        return _full_range_values(gen, arr.size)
    if dt in _FLOATS:
        digits = _DIGITS[dt._name]
        to_inc = min(1 << digits, _INT64_MAX)
        low = _update_from(low, digits, _round_trip(dt))
        if not low < to_inc:
            raise RuntimeError(
                "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' "
                f"casted to dtype, but got from={low} > to_inc={to_inc}"
            )
    elif dt._kind in "ib":
        to_inc = 1 if dt is _dtypes.bool else min(int(np.iinfo(dt._np).max), _INT64_MAX)
    else:
        raise RuntimeError(
            "random_from_to_impl handles only integral, floating-point and boolean types"
        )
    _check_bounds(low, to_inc, dt)
    if not arr.size:
        return None
    return _from_to_values(gen, arr.size, (to_inc - low + 1) & _U64, low)


def _int_to_dtype(values: np.ndarray, dt: dtype) -> np.ndarray:
    """``static_cast<scalar_t>(int64)``: via float for half/bfloat16, wrapping for ints."""
    if dt is _dtypes.bool:
        return values != 0
    if dt.itemsize == 2 and dt.is_floating_point:
        return values.astype(np.float32).astype(dt._np)
    return values.astype(dt._np, copy=False)


# ----- argument parsing --------------------------------------------------------------------
_OPTIONS = (
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False"
)
_FACTORY = f"Tensor out = None, {_OPTIONS}"
_LIKE = f"torch.memory_format memory_format = None, {_OPTIONS}"


def _overloads(head: str, tail: str) -> list[str]:
    return [f"{head}, *, torch.Generator generator, {tail}", f"{head}, *, {tail}"]


_SIGNATURES = {
    "rand": _overloads("tuple of ints size", _FACTORY),
    "randn": _overloads("tuple of ints size", _FACTORY),
    "randperm": _overloads("int n", _FACTORY),
    "randint": _overloads("int high, tuple of ints size", _FACTORY)
    + _overloads("int low, int high, tuple of ints size", _FACTORY),
    "rand_like": _overloads("Tensor input", _LIKE),
    "randn_like": _overloads("Tensor input", _LIKE),
    "randint_like": _overloads("Tensor input, int low, int high", _LIKE)
    + _overloads("Tensor input, Tensor high", _LIKE)
    + _overloads("Tensor input, int high", _LIKE),
    "normal": [
        "Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None",
        "Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None",
        "float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None",
        "float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
        f"{_FACTORY}",
    ],
    "random_": [
        "*, torch.Generator generator = None",
        "int from, int to, *, torch.Generator generator = None",
        "int to, *, torch.Generator generator = None",
    ],
}


def _type_name(x) -> str:
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, Generator):
        return "torch._C.Generator"
    if isinstance(x, (dtype, device, layout)):
        return f"torch.{type(x).__name__}"
    return type(x).__name__


def _bad_args(name: str, args: tuple, kwargs: dict, method: bool = False):
    """torch's 'received an invalid combination of arguments' TypeError."""
    got = [_type_name(a) for a in args]
    got += [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    text = ", ".join(got) + (", " if method and kwargs and not args else "")
    lines = "".join(f" * ({sig})\n" for sig in _SIGNATURES[name])
    raise TypeError(
        f"{name}() received an invalid combination of arguments - got ({text}), but expected "
        f"one of:\n{lines}"
    )


def _given(**kwargs) -> dict:
    """The keyword arguments that differ from their defaults (for error messages)."""
    return {k: v for k, v in kwargs.items() if v is not None and v is not False}


def _size(args: tuple, size, name: str) -> tuple[int, ...]:
    if size is not None:
        if args:
            _bad_args(name, args, {"size": size})
        args = (size,)
    if not args:
        _bad_args(name, (), {})
    if len(args) == 1 and _is_size(args[0]):
        for i, v in enumerate(args[0]):
            if not isinstance(v, (numbers.Integral, Tensor)) or isinstance(v, bool):
                raise TypeError(
                    f"{name}(): argument 'size' (position 1) must be tuple of ints, but found "
                    f"element of type {type(v).__name__} at pos {i}"
                )
    return parse_size(args, name)


def _options(name, args, kwargs, dtype_, out, layout_, device_, default: dtype):
    """Validate the factory keywords; returns (dtype, device)."""
    if not (dtype_ is None or isinstance(dtype_, dtype)) or not (
        out is None or isinstance(out, Tensor)
    ):
        _bad_args(name, args, kwargs)
    check_layout(layout_, name)
    dev = as_device(device_)
    array_namespace(dev)
    dt = out_dtype(dtype_, out, default)
    if out is not None and dt is not out._dtype:
        raise RuntimeError(
            f"dtype {dt._scalar_name} does not match dtype of out parameter "
            f"({out._dtype._scalar_name})"
        )
    return dt, dev


def _result(shape, dt: dtype, dev: device, out: Tensor | None, warn: bool = False) -> Tensor:
    """A fresh contiguous tensor, or ``out`` resized to ``shape``."""
    if out is None:
        return empty(shape, dtype=dt, device=dev)
    resize_out(out, shape, warn=warn)
    return out


def _finish(t: Tensor, requires_grad: bool, fresh: bool) -> Tensor:
    if fresh:  # t's strides are torch's already (empty, empty_like)
        return new_leaf(t._data, t._dtype, t._device, requires_grad, exact=True)
    if requires_grad:
        t.requires_grad_()
    return t


def _int_arg(x) -> int | None:
    """An ``int`` argument (None when it is not one); overflow like torch's unpacking."""
    if isinstance(x, Tensor) and x.ndim == 0 and x._dtype._kind in "ib":
        x = x.item()
    if isinstance(x, np.integer):
        x = int(x)
    if not isinstance(x, int):
        return None
    if not _INT64_MIN <= x <= _INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    return x


def _is_size(x) -> bool:
    return isinstance(x, (tuple, list, Size))


# ----- public sampling functions -----------------------------------------------------------
def rand(
    *size,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs,
) -> Tensor:
    """Uniform samples on [0, 1) (default float dtype); ``size`` as varargs or one sequence."""
    options = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device)
    return _sample("rand", size, kwargs, options, requires_grad)


def randn(
    *size,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kwargs,
) -> Tensor:
    """Standard normal samples (default float dtype); ``size`` as varargs or one sequence."""
    options = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device)
    return _sample("randn", size, kwargs, options, requires_grad)


def _sample(name: str, args: tuple, extra: dict, options: dict, requires_grad: bool) -> Tensor:
    """``rand`` / ``randn``: allocate (or resize ``out``), then ``uniform_`` / ``normal_``."""
    size = extra.pop("size", None)
    if extra:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(extra))}'")
    given = _given(**options)
    gen = _generator(options["generator"], name, args, given)
    shape = _size(args, size, name)
    out = options["out"]
    dt, dev = _options(
        name, args, given, options["dtype"], out, options["layout"], options["device"],
        _dtypes.get_default_dtype(),
    )  # fmt: skip
    t = _result(shape, dt, dev, out)
    sampler = _uniform_into if name == "rand" else _normal_into
    sampler(t._data, dt, 0.0, 1.0, gen)
    return _finish(t, requires_grad, out is None)


def _randint_bounds(args: tuple, low, high, size):
    """Split ``randint``'s positional arguments into (low, high, size)."""
    pos = list(args)
    if size is None and pos and _is_size(pos[-1]):
        size = pos.pop()
    if low is not None:
        pos.insert(0, low)
    if high is not None:
        pos.append(high)
    if size is None and len(pos) == 2 and all(_int_arg(p) is not None for p in pos):
        raise TypeError(
            "randint(): argument 'size' (position 2) must be tuple of ints, not "
            f"{type(pos[1]).__name__}"
        )
    if size is None or len(pos) not in (1, 2):
        return None
    bounds = [_int_arg(p) for p in pos]
    if len(pos) == 1 and bounds[0] is None:
        raise TypeError(
            f"randint(): argument 'high' (position 1) must be int, not {type(pos[0]).__name__}"
        )
    if any(b is None for b in bounds):
        return None
    return (0, *bounds, size) if len(bounds) == 1 else (*bounds, size)


def randint(
    *args,
    size=None,
    low: int | None = None,
    high: int | None = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Integers uniform on [low, high) (default int64): ``randint(high, size)`` or
    ``randint(low, high, size)``."""
    given = _given(generator=generator, out=out, dtype=dtype, layout=layout, device=device)
    parsed = _randint_bounds(args, low, high, size)
    if parsed is None or not all(isinstance(s, numbers.Integral) for s in parsed[2]):
        _bad_args("randint", args, given)
    lo, hi, shape = parsed
    gen = _generator(generator, "randint", args, given)
    shape = parse_size((shape,), "randint")
    dt, dev = _options("randint", args, given, dtype, out, layout, device, _dtypes.int64)
    t = _result(shape, dt, dev, out)
    _random_into(t._data, dt, lo, hi, gen)
    return _finish(t, requires_grad, out is None)


def randperm(
    n: int | None = None,
    *extra,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0 .. n-1 (default int64), torch's swap shuffle."""
    given = _given(generator=generator, out=out, dtype=dtype, layout=layout, device=device)
    if n is None or extra:
        _bad_args("randperm", () if n is None else (n, *extra), given)
    gen = _generator(generator, "randperm", (n,), given)
    count = _int_arg(n)
    if count is None:
        raise TypeError(
            f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    dt, dev = _options("randperm", (n,), given, dtype, out, layout, device, _dtypes.int64)
    t = _result(parse_size((count,), "randperm"), dt, dev, out)
    _check_randperm(count, dt)
    _write(t._data, _permutation(gen, count).astype(dt._np))
    return _finish(t, requires_grad, out is None)


def _check_randperm(n: int, dt: dtype) -> None:
    """``check_supported_max_int_with_precision`` and the dtype dispatch."""
    if not dt.is_floating_point and dt._kind == "i":
        checked_scalar(n - 1 if n > 0 else n, dt)
    limits = {"float16": (2049, "2049"), "float32": (2**24 + 1, "2^24+1")}
    limits["float64"] = (2**53 + 1, "2^53+1")
    if dt._name in limits and n > limits[dt._name][0]:
        name = {"float16": "Half", "float32": "Float", "float64": "Double"}[dt._name]
        raise RuntimeError(f"n cannot be greater than {limits[dt._name][1]} for {name} type.")
    if dt not in _INTS + _FLOATS:
        raise NotImplementedError(f"\"randperm\" not implemented for '{dt._scalar_name}'")


def _permutation(gen: Generator, n: int) -> np.ndarray:
    """``randperm_cpu``: swap i with i + random() % (n - i); inside-out for huge n."""
    if n >= 0xFFFFFFFF // 20:
        picks = (gen._engine.random64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        perm = list(range(n))
        for i, z in enumerate(picks):
            perm[i], perm[z] = perm[z], i
        return np.asarray(perm, np.int64)
    spans = np.arange(n, 1, -1, dtype=np.uint32)
    return _swap_shuffle(np.remainder(gen._engine.random(max(n - 1, 0)), spans), n)


def _swap_shuffle(picks: np.ndarray, n: int) -> np.ndarray:
    """``for i: swap(perm[i], perm[j[i]])`` with ``j[i] = i + picks[i]``, without the loop.

    A swap never touches a position below ``i`` again, so ``perm[i]`` ends as the value at
    ``j[i]`` at step ``i``: ``j[i]`` itself when no earlier step swapped into it, else the
    value the last such step ``k`` moved there, i.e. the value at ``k`` before step ``k``.
    That value follows the chain of earlier swaps into ``k`` back to a position no step
    had written before it was used, found by pointer jumping. The steps sorted by target,
    then by step, give both: each step's predecessor into its target, and each target's
    last step from below (a step into itself comes last in its target's group)."""
    steps = np.arange(n, dtype=np.int64)
    j = steps.copy()
    j[: n - 1] += picks
    key = j << 32
    key |= steps
    key.sort()  # by target, then by step (n < 2**32 here)
    target, step = key >> 32, key & 0xFFFFFFFF
    same = target[1:] == target[:-1]
    # before[k]: the value at position k just before step k
    moved = step != target
    last = moved.copy()  # the last step in each target's group that swaps from below
    last[:-1] &= ~(same & moved[1:])
    before = steps.copy()
    ends = np.flatnonzero(last)
    before[target[ends]] = step[ends]
    while n and not np.array_equal(hop := before[before], before):
        before = hop
    # perm[step]: its target for the group's first step, else what the one before left there
    values = target.copy()
    values[1:] = np.where(same, before[step[:-1]], target[1:])
    perm = np.empty(n, np.int64)
    perm[step] = values
    return perm


def normal(
    mean,
    std=1.0,
    size=None,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensor mean and/or std (broadcast), or
    ``normal(mean, std, size)`` with numbers."""
    args = (mean, std) if size is None else (mean, std, size)
    options = _given(dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)
    given = _given(generator=generator, out=out) | options
    gen = _generator(generator, "normal", args, given)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if (
            size is not None
            or options
            or not all(isinstance(v, (Tensor, numbers.Real)) for v in (mean, std))
        ):
            _bad_args("normal", args, given)
        return _normal_tensors(mean, std, gen, out)
    if size is None or not all(isinstance(v, numbers.Real) for v in (mean, std)):
        _bad_args("normal", args, given)
    if not _is_size(size):
        _bad_args("normal", args, given)
    shape = parse_size((size,), "normal")
    dt, dev = _options(
        "normal", args, given, dtype, out, layout, device, _dtypes.get_default_dtype()
    )
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    t = _result(shape, dt, dev, out)
    _normal_into(t._data, dt, mean, std, gen)
    return _finish(t, requires_grad, out is None)


def _check_std_tensor(std: Tensor) -> None:
    if std._dtype.is_complex:
        raise RuntimeError("normal expects standard deviation to be non-complex")
    if std.numel() and not bool(np.all(std._data >= 0)):
        raise RuntimeError("normal expects all elements of std >= 0.0")


def _normal_tensors(mean, std, gen: Generator, out: Tensor | None) -> Tensor:
    """The tensor overloads: sample N(0, 1) (or N(0, std) for a number std) into the
    broadcast shape, then ``mul_(std)`` and ``add_(mean)`` as ATen does."""
    if isinstance(std, Tensor):
        _check_std_tensor(std)
    elif not float(std) >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(float(std))}")
    ref = mean if isinstance(mean, Tensor) else std
    if out is not None and is_recording() and any(
        isinstance(v, Tensor) and v.requires_grad for v in (mean, std, out)
    ):
        raise RuntimeError(
            "normal(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    shape = tuple(ref.shape)
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        shape = broadcast_shapes(tuple(mean.shape), tuple(std.shape))
    elif isinstance(mean, Tensor) and out is not None:
        # ATen broadcasts mean with out's current shape (std_tensor = empty_like(output))
        shape = broadcast_shapes(shape, tuple(out.shape))
    t = _result(shape, ref._dtype, ref._device, out, warn=True)
    scale = 1.0 if isinstance(std, Tensor) else float(std)
    _normal_into(t._data, t._dtype, 0.0, scale, gen)
    with no_grad():
        if isinstance(std, Tensor):
            t.mul_(std)
        if isinstance(mean, Tensor):
            t.add_(mean)
        else:
            t.add_(new_leaf(checked_scalar(float(mean), t._dtype), t._dtype, t._device))
    if out is not None:
        return t
    return _no_gradient(t, [v for v in (mean, std) if isinstance(v, Tensor)])


def _no_gradient(t: Tensor, inputs: list[Tensor]) -> Tensor:
    """``t`` recorded as a function of ``inputs`` whose gradient is zero, as torch's normal
    (its samples are not reparametrised: mean and std get zeros)."""
    shapes = [(tuple(x.shape), x._dtype, x._device) for x in inputs]
    back = Formula(lambda n, g: tuple(new_leaf(_zeros(s, d), d, dev) for s, d, dev in shapes))
    return apply_op("normal", lambda *_: t._data, *inputs, backward=back)


def _zeros(shape: tuple[int, ...], dt: dtype) -> np.ndarray:
    return np.zeros(shape, dt._np)


def _like_tensor(name, input, args, given, dtype_, layout_, device_, memory_format_):
    if not isinstance(input, Tensor) and not given and memory_format_ is None and len(args) == 1:
        # one argument fits only the overload without a generator: torch names the argument
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    if not isinstance(input, Tensor) or not (dtype_ is None or isinstance(dtype_, dtype)):
        _bad_args(name, args, given)
    fmt = _preserve if memory_format_ is None else memory_format_
    if not isinstance(fmt, memory_format):
        _bad_args(name, args, given)
    return empty_like(input, dtype=dtype_, layout=layout_, device=device_, memory_format=fmt)


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """``rand`` with the shape (and by default dtype and strides) of ``input``."""
    given = _given(generator=generator, dtype=dtype, layout=layout, device=device)
    gen = _generator(generator, "rand_like", (input,), given)
    t = _like_tensor("rand_like", input, (input,), given, dtype, layout, device, memory_format)
    _uniform_into(t._data, t._dtype, 0.0, 1.0, gen)
    return _finish(t, requires_grad, True)


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """``randn`` with the shape (and by default dtype and strides) of ``input``."""
    given = _given(generator=generator, dtype=dtype, layout=layout, device=device)
    gen = _generator(generator, "randn_like", (input,), given)
    t = _like_tensor("randn_like", input, (input,), given, dtype, layout, device, memory_format)
    _normal_into(t._data, t._dtype, 0.0, 1.0, gen)
    return _finish(t, requires_grad, True)


def randint_like(
    input: Tensor,  # noqa: A002
    *args,
    low: int | None = None,
    high: int | None = None,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout | None = None,
    device: device | str | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """``randint`` with the shape (and by default dtype and strides) of ``input``:
    ``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    given = _given(generator=generator, dtype=dtype, layout=layout, device=device)
    pos = ([low] if low is not None else []) + list(args) + ([high] if high is not None else [])
    if len(pos) == 1 and isinstance(pos[0], Tensor):
        if not (pos[0].numel() == 1 and pos[0].ndim == 0):
            raise RuntimeError("high must be a scalar tensor and on CPU")
        pos = [int(pos[0].item())]
    bounds = [_int_arg(p) for p in pos]
    if len(bounds) not in (1, 2) or any(b is None for b in bounds):
        _bad_args("randint_like", (input, *args), given)
    lo, hi = (0, bounds[0]) if len(bounds) == 1 else bounds
    gen = _generator(generator, "randint_like", (input, *args), given)
    t = _like_tensor(
        "randint_like", input, (input, *args), given, dtype, layout, device, memory_format
    )
    _random_into(t._data, t._dtype, lo, hi, gen)
    return _finish(t, requires_grad, True)


# ----- Tensor methods ----------------------------------------------------------------------
def uniform_(
    self: Tensor,
    from_: float = 0.0,
    to: float = 1.0,
    *,
    generator: Generator | None = None,
    **kwargs,
) -> Tensor:
    """Fill ``self`` with samples uniform on [from, to) (``from`` may be a keyword)."""
    from_ = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not (generator is None or isinstance(generator, Generator)):
        raise TypeError(
            "uniform_(): argument 'generator' must be torch.Generator, not "
            f"{type(generator).__name__}"
        )
    low = _float_arg(from_, "from", 1, "uniform_")
    high = _float_arg(to, "to", 2, "uniform_")
    gen = _generator(generator, "uniform_", (), {})

    def fill(data: np.ndarray) -> None:
        _uniform_into(data, self._dtype, low, high, gen)

    return apply_inplace("uniform_", fill, self)


def normal_(
    self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill ``self`` with normal samples N(mean, std**2)."""
    if not (generator is None or isinstance(generator, Generator)):
        raise TypeError(
            "normal_(): argument 'generator' must be torch.Generator, not "
            f"{type(generator).__name__}"
        )
    mu = _float_arg(mean, "mean", 1, "normal_")
    sigma = _float_arg(std, "std", 2, "normal_")
    gen = _generator(generator, "normal_", (), {})

    def fill(data: np.ndarray) -> None:
        _normal_into(data, self._dtype, mu, sigma, gen)

    return apply_inplace("normal_", fill, self)


def random_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """Fill ``self`` with integers: ``random_()`` (the dtype's range), ``random_(to)``,
    ``random_(from, to)`` (``to=None``: up to the dtype's maximum)."""
    given = dict(kwargs) | _given(generator=generator)
    pos = list(args)
    for key in ("from", "to"):
        if key in kwargs:
            pos.append(kwargs.pop(key))
    if kwargs or len(pos) > 2 or not (generator is None or isinstance(generator, Generator)):
        _bad_args("random_", args, given, method=True)
    if len(pos) == 2 and pos[1] is None:
        low, high = _int_arg(pos[0]), None
        valid = low is not None
    else:
        bounds = [_int_arg(p) for p in pos]
        valid = all(b is not None for b in bounds)
        low, high = (None, None) if not bounds else (0, bounds[0]) if len(bounds) == 1 else bounds
    if not valid:
        _bad_args("random_", args, given, method=True)
    gen = _generator(generator, "random_", args, given)

    def fill(data: np.ndarray) -> None:
        _random_into(data, self._dtype, low, high, gen)

    return apply_inplace("random_", fill, self)
