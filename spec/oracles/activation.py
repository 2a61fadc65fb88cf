"""Numpy oracles of torch.nn: the elementwise activations.

Each computes in float64 (without overflow: ``logaddexp`` for softplus and log-sigmoid, ``expm1``
for the exponential units, ``erfc`` for GELU's normal CDF) and returns the input's dtype."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "relu",
    "relu6",
    "hardtanh",
    "leaky_relu",
    "prelu",
    "rrelu_eval",
    "threshold",
    "hardshrink",
    "softshrink",
    "hardsigmoid",
    "hardswish",
    "elu",
    "selu",
    "celu",
    "gelu",
    "sigmoid",
    "silu",
    "softplus",
    "logsigmoid",
    "softsign",
    "tanhshrink",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
#: The tanh approximation's cubic coefficient (printed 0.044615 in some notes: a misprint).
GELU_TANH_CUBIC = 0.044715

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _wide(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _back(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(np.asarray(like).dtype)


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` (NaN stays NaN; integers keep their dtype)."""
    x = np.asarray(x)
    return np.where(x > 0, x, np.where(np.isnan(x), x, 0)).astype(x.dtype)


def hardtanh(x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """``clamp(x, min_val, max_val)``."""
    return _back(np.clip(_wide(x), min_val, max_val), x)


def relu6(x: np.ndarray) -> np.ndarray:
    """``clamp(x, 0, 6)``."""
    return hardtanh(x, 0.0, 6.0)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """``x`` above 0, ``negative_slope * x`` otherwise."""
    v = _wide(x)
    return _back(np.where(v > 0, v, v * negative_slope), x)


def rrelu_eval(x: np.ndarray, lower: float = 1 / 8, upper: float = 1 / 3) -> np.ndarray:
    """RReLU outside training: the fixed slope ``(lower + upper) / 2``."""
    return leaky_relu(x, (lower + upper) / 2)


def prelu(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``x`` above 0, ``weight[c] * x`` otherwise; ``c`` indexes dim 1 (one shared slope when
    ``weight`` has one element)."""
    v, w = _wide(x), _wide(weight).reshape(-1)
    w = w.reshape((1, w.size) + (1,) * (v.ndim - 2)) if w.size > 1 else w.reshape(())
    return _back(np.where(v > 0, v, v * w), x)


def threshold(x: np.ndarray, threshold: float, value: float) -> np.ndarray:
    """``x`` where ``x > threshold``, else ``value``."""
    v = _wide(x)
    return _back(np.where(v > threshold, v, value), x)


def hardshrink(x: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """``x`` where ``|x| > lambd``, else 0."""
    v = _wide(x)
    return _back(np.where((v > lambd) | (v < -lambd) | np.isnan(v), v, 0.0), x)


def softshrink(x: np.ndarray, lambd: float = 0.5) -> np.ndarray:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    v = _wide(x)
    out = np.where(v > lambd, v - lambd, np.where(v < -lambd, v + lambd, 0.0))
    return _back(np.where(np.isnan(v), v, out), x)


def hardsigmoid(x: np.ndarray) -> np.ndarray:
    """``clamp(x / 6 + 1/2, 0, 1)``."""
    return _back(np.clip(_wide(x) / 6 + 0.5, 0.0, 1.0), x)


def hardswish(x: np.ndarray) -> np.ndarray:
    """``x * clamp(x + 3, 0, 6) / 6``."""
    v = _wide(x)
    return _back(v * np.clip(v + 3, 0.0, 6.0) / 6, x)


def elu(
    x: np.ndarray, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0
) -> np.ndarray:
    """``scale * x`` above 0, ``scale * alpha * expm1(input_scale * x)`` otherwise."""
    v = _wide(x)
    negative = scale * alpha * np.expm1(np.minimum(v, 0) * input_scale)
    return _back(np.where(v > 0, scale * v, negative), x)


def selu(x: np.ndarray) -> np.ndarray:
    """``elu`` with SELU's fixed ``alpha`` and ``scale``."""
    return elu(x, SELU_ALPHA, SELU_SCALE)


def celu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``max(0, x) + min(0, alpha * expm1(x / alpha))``."""
    return elu(x, alpha, 1.0, 1.0 / alpha)


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """``x * Phi(x)`` (``Phi(x) = erfc(-x / sqrt(2)) / 2``, accurate in both tails), or with
    ``approximate='tanh'``: ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``."""
    v = _wide(x)
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (v + GELU_TANH_CUBIC * v**3)
        with np.errstate(over="ignore", invalid="ignore"):
            return _back(0.5 * v * (1 + np.tanh(inner)), x)
    cdf = 0.5 * np.asarray(_erfc(-v / math.sqrt(2)), dtype=np.float64)
    return _back(v * cdf, x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` from ``exp(-|x|)``, so nothing overflows."""
    v = _wide(x)
    e = np.exp(-np.abs(v))
    return _back(np.where(v >= 0, 1 / (1 + e), e / (1 + e)), x)


def silu(x: np.ndarray) -> np.ndarray:
    """``x * sigmoid(x)``."""
    v = _wide(x)
    return _back(v * sigmoid(v), x)


def softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """``log(1 + exp(beta x)) / beta``; ``x`` where ``beta x > threshold``."""
    v = _wide(x)
    return _back(np.where(v * beta > threshold, v, np.logaddexp(0.0, v * beta) / beta), x)


def logsigmoid(x: np.ndarray) -> np.ndarray:
    """``log(sigmoid(x)) = -log(1 + exp(-x))``."""
    return _back(-np.logaddexp(0.0, -_wide(x)), x)


def softsign(x: np.ndarray) -> np.ndarray:
    """``x / (1 + |x|)``."""
    v = _wide(x)
    return _back(v / (1 + np.abs(v)), x)


def tanhshrink(x: np.ndarray) -> np.ndarray:
    """``x - tanh(x)``."""
    v = _wide(x)
    return _back(v - np.tanh(v), x)
