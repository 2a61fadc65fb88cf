"""Convolution speed beside PyTorch in the same run: conv2d forward, and forward plus backward
(input, weight and bias gradients), on an 8x32x32x32 batch with 64 3x3 filters (ratios, never
asserts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure

pytest.importorskip("torch")
RNG = np.random.default_rng(0)
IMAGES = RNG.standard_normal((8, 32, 32, 32)).astype(np.float32)
FILTERS = (RNG.standard_normal((64, 32, 3, 3)) * 0.05).astype(np.float32)
BIAS = RNG.standard_normal(64).astype(np.float32)


def _leaves(m: Any) -> tuple:
    return tuple(m.from_numpy(a.copy()).requires_grad_() for a in (IMAGES, FILTERS, BIAS))


def _backward(m: Any, x: Any, w: Any, b: Any) -> Any:
    out = m.nn.functional.conv2d(x, w, b, padding=1)
    return m.autograd.grad(out.sum(), (x, w, b))


GROUPS: Groups = {
    "conv": {
        "conv2d_forward": (
            lambda m: tuple(m.from_numpy(a) for a in (IMAGES, FILTERS, BIAS)),
            lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1),
        ),
        "conv2d_forward_backward": (_leaves, _backward),
    },
}


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed_conv(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
