"""The vision oracles of spec/oracles/vision.py agree with torch."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import vision

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {"pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "interpolate"}
RNG = np.random.default_rng(5)


def test_shuffles() -> None:
    x = RNG.normal(size=(2, 18, 3, 4))
    t = torch.from_numpy(x)
    np.testing.assert_array_equal(vision.pixel_shuffle(x, 3), F.pixel_shuffle(t, 3))
    np.testing.assert_array_equal(vision.pixel_shuffle(x[0], 3), F.pixel_shuffle(t[0], 3))
    y = RNG.normal(size=(2, 2, 4, 6))
    want = F.pixel_unshuffle(torch.from_numpy(y), 2)
    np.testing.assert_array_equal(vision.pixel_unshuffle(y, 2), want)
    for groups in (1, 2, 3, 6, 9):
        np.testing.assert_array_equal(
            vision.channel_shuffle(x, groups), F.channel_shuffle(t, groups)
        )


SHAPES = {"linear": (2, 3, 5), "bilinear": (1, 2, 4, 5), "bicubic": (1, 2, 4, 5),
          "trilinear": (1, 2, 3, 4, 3), "nearest": (1, 2, 4, 5), "nearest-exact": (1, 2, 5, 3),
          "area": (1, 2, 7, 5)}  # fmt: skip
RESIZE = [
    dict(scale_factor=2),
    dict(scale_factor=1.7),
    dict(scale_factor=0.6),
    dict(scale_factor=2.3, recompute_scale_factor=True),
    dict(scale_factor=3.0),
    dict(size=7),
    dict(size=1),
    dict(size=3),
]


CASES = [
    (mode, corners)
    for mode in SHAPES
    for corners in ([None] if mode in ("nearest", "nearest-exact", "area") else [False, True])
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("resize", RESIZE, ids=str)
@pytest.mark.parametrize(("mode", "align_corners"), CASES)
def test_interpolate(mode: str, align_corners, resize: dict, dtype) -> None:
    x = RNG.normal(size=SHAPES[mode]).astype(dtype)
    want = F.interpolate(torch.from_numpy(x), mode=mode, align_corners=align_corners, **resize)
    got = vision.interpolate(x, mode=mode, align_corners=align_corners, **resize)
    assert got.shape == tuple(want.shape) and got.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 3e-6
    np.testing.assert_allclose(got, want.numpy(), rtol=tol, atol=tol)
