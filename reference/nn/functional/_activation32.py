"""float32 kernels of the elementwise activations: the formula torch's CPU kernel evaluates for
float32 (its op-math type is float), in numpy float32 passes, its constants rounded to float.

The float64 path of ``_activation`` rounds once and is what every other dtype uses; these
differ from it by a few ulp, as torch's own kernels do from the exact values, and run 3-20x
faster (docs/speed.md): no float64 detour, and no ``np.where``, which costs about 4 ns an
element on a mask without runs. Selections are made by arithmetic that is exact for every
input (``maximum``, a product by a 0/1 mask where the other factor is finite) or bit by bit
(``pick``). Each kernel takes and returns a float32 numpy array, and returns None for the
arguments it does not cover (the float64 path then runs).
"""

from __future__ import annotations

import numpy as np

F32 = np.float32
_ONE, _ZERO = F32(1), F32(0)


def pick(mask: np.ndarray, a, b) -> np.ndarray:
    """``np.where(mask, a, b)`` for float32 arrays or scalars, by bits."""
    shape = mask.shape
    a_bits = np.broadcast_to(np.asarray(a, F32), shape).view(np.int32)
    b_bits = np.broadcast_to(np.asarray(b, F32), shape).view(np.int32)
    keep = np.negative(mask.view(np.int8), dtype=np.int32)  # -1 (all bits) where mask holds
    out = np.bitwise_xor(a_bits, b_bits)
    out &= keep
    out ^= b_bits
    return out.view(F32)


def leaky_relu(v: np.ndarray, slope: float) -> np.ndarray | None:
    """``x > 0 ? x : x * slope``: the larger of ``x`` and ``x * slope`` for a slope in (0, 1],
    the smaller above 1 (equal only at zero, where both are the same zero). A slope of 0 or
    below is left to the float64 path (``inf * 0``, and zeros of both signs)."""
    s = F32(slope)
    if not s > 0:
        return None
    scaled = v * s
    return np.maximum(v, scaled, out=scaled) if s <= 1 else np.minimum(v, scaled, out=scaled)


def clamp(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """hardtanh and relu6: ``min(max(x, lo), hi)`` (NaN stays NaN)."""
    return np.clip(v, F32(lo), F32(hi))


def threshold(v: np.ndarray, th: float, value: float) -> np.ndarray:
    """``x <= th ? value : x`` (NaN is kept)."""
    return pick(v <= F32(th), F32(value), v)


def hardshrink(v: np.ndarray, lambd: float) -> np.ndarray:
    """``-lambd <= x <= lambd ? 0 : x``: ``x`` times 0 or 1, then ``+ 0`` for a +0.0."""
    lam = F32(lambd)
    inside = v >= -lam
    inside &= v <= lam
    out = v * ~inside
    out += _ZERO
    return out


def elu(v: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray | None:
    """``x > 0 ? x * scale : expm1(x * input_scale) * (alpha * scale)``: each side computed
    where it is zero on the other (``max(x, 0)``, ``min(x, 0)``) and the two added; the sign
    is then ``x``'s, which it is for positive coefficients (the others: the float64 path),
    so that zeros keep theirs."""
    if not (alpha * scale > 0 and scale > 0 and input_scale > 0):
        return None
    negative = np.minimum(v, _ZERO)
    if input_scale != 1:
        negative *= F32(input_scale)
    np.expm1(negative, out=negative)
    negative *= F32(alpha) * F32(scale)
    positive = np.maximum(v, _ZERO)
    if scale != 1:
        positive *= F32(scale)
    positive += negative
    return np.copysign(positive, v, out=positive)


def silu(v: np.ndarray) -> np.ndarray:
    """``x / (1 + exp(-x))``."""
    e = np.negative(v)
    np.exp(e, out=e)
    e += _ONE
    return np.divide(v, e, out=e)


def gelu_tanh(v: np.ndarray) -> np.ndarray:
    """``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))``."""
    inner = v * v
    inner *= v
    inner *= F32(0.044715)
    inner += v
    inner *= F32(np.sqrt(2.0 / np.pi))
    np.tanh(inner, out=inner)
    inner += _ONE
    inner *= v
    inner *= F32(0.5)
    return inner


def _log1p(e: np.ndarray) -> np.ndarray:
    """``log1p(e)`` for ``e >= 0`` to within about an ulp, by way of numpy's float32 ``log``
    (its ``log1p`` is a scalar loop, 15x slower): ``log(u) * e / (u - 1)`` with ``u = 1 + e``
    rounded (Kahan), and ``e`` itself where ``u`` rounds to 1."""
    u = e + _ONE
    below = u - _ONE
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(e, below)
    np.log(u, out=u)
    u *= ratio
    np.copyto(u, e, where=below == 0)  # rare: e below 2**-24
    return u


def softplus(v: np.ndarray, beta: float, threshold: float) -> np.ndarray | None:
    """``x * beta > threshold ? x : log1p(exp(x * beta)) / beta``."""
    if not threshold < 80:  # exp overflows only where the linear side is taken
        return None
    b = F32(beta)
    scaled = v * b if beta != 1 else v
    curve = np.exp(scaled)
    curve = _log1p(curve)
    if beta != 1:
        curve /= b
    return pick(scaled > F32(threshold), v, curve)


def logsigmoid(v: np.ndarray) -> np.ndarray:
    """``min(x, 0) - log1p(exp(-|x|))``."""
    e = np.abs(v)
    np.negative(e, out=e)
    np.exp(e, out=e)
    tail = _log1p(e)
    return np.subtract(np.minimum(v, _ZERO), tail, out=tail)


def hardsigmoid(v: np.ndarray) -> np.ndarray:
    """``min(max(x + 3, 0), 6) / 6``."""
    out = v + F32(3)
    np.clip(out, _ZERO, F32(6), out=out)
    out /= F32(6)
    return out


def hardswish(v: np.ndarray) -> np.ndarray:
    """``x * min(max(x + 3, 0), 6) / 6``."""
    out = v + F32(3)
    np.clip(out, _ZERO, F32(6), out=out)
    out *= v
    out /= F32(6)
    return out
