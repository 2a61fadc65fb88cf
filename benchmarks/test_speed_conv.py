"""Convolution speed beside PyTorch in the same run: conv2d forward, and forward plus backward
(input, weight and bias gradients), on an 8x32x32x32 batch with 64 3x3 filters (ratios, never
asserts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import reference
from benchmarks.conftest import record

torch = pytest.importorskip("torch")
LIBRARIES = {"torch": torch, "reference": reference}
RNG = np.random.default_rng(0)
IMAGES = RNG.standard_normal((8, 32, 32, 32)).astype(np.float32)
FILTERS = (RNG.standard_normal((64, 32, 3, 3)) * 0.05).astype(np.float32)
BIAS = RNG.standard_normal(64).astype(np.float32)


def _leaves(m: Any) -> tuple:
    return tuple(m.from_numpy(a.copy()).requires_grad_() for a in (IMAGES, FILTERS, BIAS))


def _backward(m: Any, x: Any, w: Any, b: Any) -> Any:
    out = m.nn.functional.conv2d(x, w, b, padding=1)
    return m.autograd.grad(out.sum(), (x, w, b))


OPS: dict[str, tuple[Callable[[Any], tuple], Callable[..., Any]]] = {
    "conv2d_forward": (
        lambda m: tuple(m.from_numpy(a) for a in (IMAGES, FILTERS, BIAS)),
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1),
    ),
    "conv2d_forward_backward": (_leaves, _backward),
}


@pytest.mark.parametrize("library", list(LIBRARIES))
@pytest.mark.parametrize("op", list(OPS))
def test_speed_conv(benchmark: Any, op: str, library: str) -> None:
    lib = LIBRARIES[library]
    setup, run = OPS[op]
    args = setup(lib)
    benchmark.group = op
    benchmark(run, lib, *args)
    record(op, library, benchmark.stats.stats.median)
