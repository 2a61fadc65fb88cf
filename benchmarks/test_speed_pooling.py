"""Pooling and upsampling of the reference beside PyTorch's, in the same run (ratios, never
asserts): max pooling forward and backward, and Upsample bilinear, on a 8x32x32x32 batch.

Run with ``pytest benchmarks/test_speed_pooling.py --benchmark-group-by=group``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure

pytest.importorskip("torch")
BATCH = np.random.default_rng(0).standard_normal((8, 32, 32, 32)).astype(np.float32)


def _leaf(m: Any) -> Any:
    return m.from_numpy(BATCH.copy()).requires_grad_()


GROUPS: Groups = {
    "pooling": {
        "max_pool2d_2x2": (
            lambda m: (m.from_numpy(BATCH),),
            lambda m, x: m.nn.functional.max_pool2d(x, 2),
        ),
        "max_pool2d_3x3_s2_p1": (
            lambda m: (m.from_numpy(BATCH),),
            lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1),
        ),
        "max_pool2d_backward": (
            lambda m: (_leaf(m),),
            lambda m, x: m.autograd.grad(m.nn.functional.max_pool2d(x, 2).sum(), x),
        ),
        "avg_pool2d_3x3_s2_p1": (
            lambda m: (m.from_numpy(BATCH),),
            lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1),
        ),
        "upsample_bilinear_x2": (
            lambda m: (m.nn.Upsample(scale_factor=2, mode="bilinear"), m.from_numpy(BATCH)),
            lambda m, up, x: up(x),
        ),
        "upsample_bilinear_backward": (
            lambda m: (m.nn.Upsample(scale_factor=2, mode="bilinear"), _leaf(m)),
            lambda m, up, x: m.autograd.grad(up(x).sum(), x),
        ),
    },
}


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed_pooling(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
