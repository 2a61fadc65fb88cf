"""The float32 activation kernels (reference/nn/functional/_activation32.py) against torch's
float32 kernels: the same NaN, the same signed zeros and infinities, piecewise-linear ones bit
for bit, the others within a few ulp (numpy's exp, expm1, log and tanh against Sleef's);
``pick`` is ``np.where``; float32 inputs take these kernels, other dtypes the float64 path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference
from reference.nn.functional import _activation32 as k32

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(32)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 3.0, -3.0, 6.0, -6.0, 20.0, 88.0]
SPECIAL += [89.0, -88.0, -104.0, 1e-8, -1e-8, 0.5, -0.5, 1e30, -1e30, 2.0**-24, -(2.0**-24)]
X = np.concatenate(
    [
        np.array(SPECIAL, np.float32),
        (RNG.standard_normal(20000) * 10).astype(np.float32),
        (RNG.standard_normal(5000) * 0.01).astype(np.float32),
        RNG.uniform(-110, 110, 5000).astype(np.float32),
    ]
)

#: (functional, arguments, most ulp from torch's result where above torch's absolute tolerance)
CASES: list[tuple[str, tuple, dict, int]] = [
    ("leaky_relu", (), {}, 0),
    ("leaky_relu", (0.2,), {}, 0),
    ("leaky_relu", (1.5,), {}, 0),
    ("leaky_relu", (0.0,), {}, 0),
    ("hardtanh", (-0.3, 2.5), {}, 0),
    ("relu6", (), {}, 0),
    ("threshold", (0.5, -2.0), {}, 0),
    ("hardshrink", (1.2391,), {}, 0),
    ("hardsigmoid", (), {}, 0),
    ("hardswish", (), {}, 0),
    ("elu", (2.0,), {}, 2),
    ("selu", (), {}, 2),
    ("celu", (0.5,), {}, 2),
    ("silu", (), {}, 4),
    ("softplus", (), {}, 6),
    ("softplus", (2.0, 5.0), {}, 6),
    ("logsigmoid", (), {}, 6),
    # 1 + tanh(x) cancels for negative x: an ulp of tanh near -1 is all of it (tolerance only)
    ("gelu", (), {"approximate": "tanh", "_ulp_from": 0.0}, 6),
]


def _ordered(bits: np.ndarray) -> np.ndarray:
    """float32 bit patterns as integers in the order of the values (ulp distances)."""
    wide = bits.astype(np.int64)
    return np.where(wide < 0, -(wide & 0x7FFFFFFF), wide)


def _run(lib: Any, name: str, args: tuple, kwargs: dict) -> np.ndarray:
    out = getattr(lib.nn.functional, name)(lib.from_numpy(X.copy()), *args, **kwargs)
    return out.numpy()


@pytest.mark.parametrize(("name", "args", "kwargs", "ulp"), CASES, ids=lambda c: str(c))
def test_float32_kernel_is_torchs(name: str, args: tuple, kwargs: dict, ulp: int) -> None:
    kwargs = dict(kwargs)
    ulp_from = kwargs.pop("_ulp_from", -np.inf)
    want, got = _run(torch, name, args, kwargs), _run(reference, name, args, kwargs)
    nan = np.isnan(want)
    assert np.array_equal(nan, np.isnan(got)), X[nan != np.isnan(got)]
    w, g = want[~nan], got[~nan]
    # ulp where they mean something: not in subnormals (torch's exp flushes them), nor where
    # a sum cancels to below torch's absolute tolerance (1 + tanh(x) near -1: an ulp of tanh
    # is all of it); those are held to the tolerance below
    normal = np.abs(w) >= (1e-5 if ulp else np.finfo(np.float32).tiny)
    normal &= X[~nan] >= ulp_from
    inf = np.isinf(w)
    assert np.array_equal(inf, np.isinf(g)) and np.array_equal(w[inf], g[inf])
    zero = (w == 0) & (g == 0)
    assert np.array_equal(np.signbit(w[zero]), np.signbit(g[zero])), X[~nan][zero]
    distance = np.abs(_ordered(w[normal].view(np.int32)) - _ordered(g[normal].view(np.int32)))
    assert distance.max(initial=0) <= ulp, X[~nan][normal][distance.argmax()]
    if ulp:  # the tiny ones within torch's absolute tolerance
        np.testing.assert_allclose(g, w, rtol=1.3e-6, atol=1e-5)


def test_float32_inputs_take_the_kernels() -> None:
    x = reference.from_numpy(X.copy())
    got = reference.nn.functional.leaky_relu(x, 0.3).numpy()
    assert np.array_equal(got.view(np.int32), k32.leaky_relu(X, 0.3).view(np.int32))
    wide = reference.nn.functional.leaky_relu(reference.from_numpy(X.astype(np.float64)), 0.3)
    assert wide.dtype is reference.float64  # float64 keeps its own path
    assert reference.nn.functional.elu(reference.tensor(-0.0)).item() == 0.0


@pytest.mark.parametrize("shape", [(1000,), (7, 3), (0,), (2, 0, 3)])
def test_pick_is_where(shape: tuple) -> None:
    a = RNG.standard_normal(shape).astype(np.float32)
    b = RNG.standard_normal(shape).astype(np.float32)
    mask = RNG.random(shape) < 0.5
    assert np.array_equal(k32.pick(mask, a, b), np.where(mask, a, b))
    assert np.array_equal(k32.pick(mask, a, np.float32(-0.0)), np.where(mask, a, np.float32(-0.0)))


def test_unsupported_arguments_fall_back() -> None:
    assert k32.leaky_relu(X, -0.5) is None and k32.leaky_relu(X, 0.0) is None
    assert k32.elu(X, -1.0, 1.0, 1.0) is None
    assert k32.softplus(X, 1.0, 100.0) is None
