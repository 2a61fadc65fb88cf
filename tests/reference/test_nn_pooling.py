"""``reference.nn`` pooling and vision layers against torch 2.13, on inputs like PyTorch's own
module tests (common_nn.py): forward values (within a few ulp), indices, reprs, errors,
gradients of first and second order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, same, to_np

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)

# name -> (build(nn), input shape); inputs like common_nn.py's module tests
MODULES: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "maxpool1d": (lambda nn: nn.MaxPool1d(4), (2, 10, 4)),
    "maxpool1d_stride": (lambda nn: nn.MaxPool1d(4, 4), (2, 10, 4)),
    "maxpool1d_unbatched": (lambda nn: nn.MaxPool1d(4), (10, 4)),
    "maxpool1d_ceil_pad": (lambda nn: nn.MaxPool1d(3, 2, 1, ceil_mode=True), (2, 3, 8)),
    "maxpool2d_3x3": (lambda nn: nn.MaxPool2d((3, 3), (2, 2), (1, 1)), (3, 7, 7)),
    "maxpool2d_dilated": (lambda nn: nn.MaxPool2d(3, 2, 1, dilation=2), (1, 3, 9, 8)),
    "maxpool2d_ceil": (lambda nn: nn.MaxPool2d(2, 2, 1, ceil_mode=True), (1, 3, 5, 6)),
    "maxpool3d": (lambda nn: nn.MaxPool3d((2, 2, 2)), (2, 3, 5, 5, 5)),
    "maxpool3d_stride_pad": (
        lambda nn: nn.MaxPool3d((2, 2, 2), (2, 2, 2), (1, 1, 1)),
        (2, 3, 5, 5, 5),
    ),
    "maxpool3d_unbatched": (lambda nn: nn.MaxPool3d(2, 1, 1, dilation=2), (3, 5, 5, 5)),
    "avgpool1d": (lambda nn: nn.AvgPool1d(2), (2, 3, 6)),
    "avgpool1d_pad": (lambda nn: nn.AvgPool1d(2, 1, 1), (2, 3, 6)),
    "avgpool1d_no_count": (lambda nn: nn.AvgPool1d(3, 2, 1, True, False), (3, 7)),
    "avgpool2d": (lambda nn: nn.AvgPool2d((2, 2)), (2, 3, 6, 6)),
    "avgpool2d_pad": (lambda nn: nn.AvgPool2d((2, 2), (2, 2), (1, 1)), (2, 3, 6, 6)),
    "avgpool2d_divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=1), (2, 3, 6, 6)),
    "avgpool2d_ceil_no_count": (
        lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
        (3, 6, 6),
    ),
    "avgpool3d": (lambda nn: nn.AvgPool3d((2, 2, 2)), (2, 3, 4, 4, 4)),
    "avgpool3d_pad_divisor": (
        lambda nn: nn.AvgPool3d(2, 2, 1, divisor_override=3),
        (2, 3, 5, 5, 5),
    ),
    "lppool1d": (lambda nn: nn.LPPool1d(1.5, 2), (1, 3, 7)),
    "lppool2d": (lambda nn: nn.LPPool2d(2, 2, 2), (1, 3, 7, 7)),
    "lppool2d_3": (lambda nn: nn.LPPool2d(3, (2, 3), ceil_mode=True), (3, 7, 8)),
    "adaptive_maxpool1d": (lambda nn: nn.AdaptiveMaxPool1d(3), (1, 3, 5)),
    "adaptive_maxpool2d": (lambda nn: nn.AdaptiveMaxPool2d((3, 4)), (1, 3, 5, 6)),
    "adaptive_maxpool2d_none": (lambda nn: nn.AdaptiveMaxPool2d((3, None)), (3, 5, 6)),
    "adaptive_maxpool3d": (lambda nn: nn.AdaptiveMaxPool3d((2, 3, 4)), (2, 3, 5, 6, 7)),
    "adaptive_avgpool1d": (lambda nn: nn.AdaptiveAvgPool1d(3), (1, 3, 5)),
    "adaptive_avgpool2d": (lambda nn: nn.AdaptiveAvgPool2d((3, 4)), (1, 3, 5, 7)),
    "adaptive_avgpool2d_single": (lambda nn: nn.AdaptiveAvgPool2d(1), (1, 3, 5, 7)),
    "adaptive_avgpool3d": (lambda nn: nn.AdaptiveAvgPool3d((None, 3, 2)), (2, 3, 5, 6, 7)),
    "pixel_shuffle": (lambda nn: nn.PixelShuffle(3), (1, 9, 4, 4)),
    "pixel_shuffle_nd": (lambda nn: nn.PixelShuffle(2), (2, 2, 8, 3, 2)),
    "pixel_unshuffle": (lambda nn: nn.PixelUnshuffle(3), (1, 1, 12, 12)),
    "channel_shuffle": (lambda nn: nn.ChannelShuffle(2), (2, 4, 3, 3)),
    "upsample_nearest1d": (lambda nn: nn.Upsample(size=12, mode="nearest"), (1, 2, 4)),
    "upsample_nearest2d_scale": (lambda nn: nn.Upsample(scale_factor=2.3), (1, 2, 4, 5)),
    "upsample_nearest_exact": (
        lambda nn: nn.Upsample(size=(7, 3), mode="nearest-exact"),
        (1, 2, 4, 5),
    ),
    "upsample_linear": (lambda nn: nn.Upsample(scale_factor=4, mode="linear"), (1, 2, 4)),
    "upsample_linear_corners": (
        lambda nn: nn.Upsample(size=9, mode="linear", align_corners=True),
        (1, 2, 4),
    ),
    "upsample_bilinear": (lambda nn: nn.Upsample(scale_factor=1.7, mode="bilinear"), (1, 2, 4, 4)),
    "upsample_bilinear_corners": (
        lambda nn: nn.Upsample(size=(4, 6), mode="bilinear", align_corners=True),
        (1, 2, 3, 5),
    ),
    "upsample_bicubic": (
        lambda nn: nn.Upsample(scale_factor=(2.0, 1.5), mode="bicubic"),
        (1, 2, 4, 4),
    ),
    "upsample_bicubic_corners": (
        lambda nn: nn.Upsample(size=(5, 3), mode="bicubic", align_corners=True),
        (1, 2, 4, 6),
    ),
    "upsample_trilinear": (
        lambda nn: nn.Upsample(scale_factor=1.5, mode="trilinear", recompute_scale_factor=True),
        (1, 2, 2, 3, 4),
    ),
    "upsample_area": (lambda nn: nn.Upsample(size=(3, 2), mode="area"), (1, 2, 7, 5)),
    "upsampling_bilinear2d": (lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 3)),
}


def _pair(shape: tuple[int, ...], dtype: Any = np.float64, requires_grad: bool = False):
    values = RNG.standard_normal(shape).astype(dtype)
    return (
        reference.tensor(values, requires_grad=requires_grad),
        torch.tensor(values, requires_grad=requires_grad),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(MODULES))
def test_forward_and_repr(name: str, dtype: Any) -> None:
    build, shape = MODULES[name]
    r_mod, t_mod = build(reference.nn), build(torch.nn)
    assert repr(r_mod) == repr(t_mod)
    r_x, t_x = _pair(shape, dtype)
    if name.startswith("lppool"):
        r_x, t_x = r_x.abs(), t_x.abs()
    assert_close(r_mod(r_x), t_mod(t_x), scale=float(np.abs(to_np(t_x)).max()))


@pytest.mark.parametrize("name", list(MODULES))
def test_gradients(name: str) -> None:
    build, shape = MODULES[name]
    r_x, t_x = _pair(shape, requires_grad=True)
    r_out, t_out = build(reference.nn)(r_x.abs() + 0.1), build(torch.nn)(t_x.abs() + 0.1)
    weights = RNG.standard_normal(tuple(t_out.shape))
    (r_g,) = reference.autograd.grad(r_out, r_x, reference.tensor(weights), create_graph=True)
    (t_g,) = torch.autograd.grad(t_out, t_x, torch.tensor(weights), create_graph=True)
    assert_close(r_g, t_g, scale=float(np.abs(weights).max()) * 4)
    # second derivatives sum products of terms several times larger than the result, and
    # torch's kernels round them in their own order: the scale is that of the summands
    assert_close(_second(reference, r_x, r_g), _second(torch, t_x, t_g), scale=16.0)


def _second(lib: Any, x: Any, g: Any) -> Any:
    """The gradient of ``sum(g * g)`` with respect to ``x`` (zeros where g is constant)."""
    if not g.requires_grad:
        return lib.zeros_like(x)
    (gg,) = lib.autograd.grad((g * g).sum(), x, allow_unused=True)
    return lib.zeros_like(x) if gg is None else lib.zeros_like(x) + gg


RETURN_INDICES = {
    "max1d": lambda m, x: m.nn.functional.max_pool1d(x, 3, 2, 1, 2, True, True),
    "max2d": lambda m, x: m.nn.functional.max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), True, True),
    "max3d": lambda m, x: m.nn.functional.max_pool3d(x, 2, 1, 1, 1, False, True),
    "adaptive2d": lambda m, x: m.nn.functional.adaptive_max_pool2d(x, (3, 2), True),
    "fractional": lambda m, x: m.nn.functional.fractional_max_pool2d(
        x,
        2,
        output_size=(3, 3),
        return_indices=True,
        _random_samples=m.tensor([[[0.25, 0.75]] * 4] * 2, dtype=x.dtype),
    ),  # fmt: skip
}


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("name", list(RETURN_INDICES))
def test_indices_and_unpool(name: str, ties: bool) -> None:
    values = RNG.integers(-1, 2, (2, 4, 5, 6, 5)) if ties else RNG.standard_normal((2, 4, 5, 6, 5))
    values = values.astype(np.float64)
    if ties:
        values.reshape(-1)[::17] = np.nan
    x = values if name == "max3d" else values[..., 0]
    x = x[:, :, 0] if name == "max1d" else x

    def run(m: Any) -> Any:
        out, idx = RETURN_INDICES[name](m, m.tensor(x))
        return [v if v == v else "nan" for v in out.flatten().tolist()], idx

    same(lambda m: run(m), seed=None)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_unpool_inverts_pool(n: int) -> None:
    shape = (2, 3, 4, 6, 8)[: 2 + n]

    def run(m: Any) -> Any:
        x = m.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape) % 7)
        pool = getattr(m.nn, f"MaxPool{n}d")(2, 2, 1, return_indices=True)
        unpool = getattr(m.nn, f"MaxUnpool{n}d")(2, 2, 1)
        out, idx = pool(x)
        return unpool(out, idx), unpool(out, idx, output_size=x.shape)

    same(run, seed=None)


ERRORS = [
    lambda m: m.nn.MaxPool2d(2, padding=2)(m.ones(1, 2, 5, 5)),
    lambda m: m.nn.MaxPool2d(7)(m.ones(1, 2, 5, 5)),
    lambda m: m.nn.MaxPool1d(2, padding=2)(m.ones(1, 5)),
    lambda m: m.nn.MaxPool1d(7)(m.ones(1, 5)),
    lambda m: m.nn.AvgPool1d(7)(m.ones(1, 5)),
    lambda m: m.nn.AvgPool2d(2, divisor_override=0)(m.ones(1, 4, 4)),
    lambda m: m.nn.AvgPool3d(7)(m.ones(1, 5, 5, 5)),
    lambda m: m.nn.AdaptiveAvgPool2d(2)(m.ones(5)),
    lambda m: m.nn.AdaptiveMaxPool2d(2)(m.ones(1, 2, 0)),
    lambda m: m.nn.MaxUnpool2d(2)(m.ones(1, 4, 3, 3), m.full((1, 4, 3, 3), 100)),
    lambda m: m.nn.MaxUnpool2d(2)(m.ones(1, 4, 3, 3), m.zeros(1, 4, 3, 3, dtype=m.int64), (9, 9)),
    lambda m: m.nn.FractionalMaxPool2d(2, output_size=3)(m.ones(1, 4, 3, 3)),
    lambda m: m.nn.FractionalMaxPool2d(2, output_ratio=1.5),
    lambda m: m.nn.PixelShuffle(2)(m.ones(1, 5, 3, 3)),
    lambda m: m.nn.PixelUnshuffle(2)(m.ones(1, 5, 3, 4)),
    lambda m: m.nn.ChannelShuffle(2)(m.ones(1, 5, 3)),
    lambda m: m.nn.Upsample(size=4, scale_factor=2)(m.ones(1, 1, 2)),
    lambda m: m.nn.Upsample(scale_factor=2, align_corners=True)(m.ones(1, 1, 2)),
    lambda m: m.nn.Upsample(scale_factor=2, mode="bilinear")(m.ones(1, 1, 2)),
    lambda m: m.nn.Upsample(scale_factor=0.1)(m.ones(1, 1, 3, 3)),
    lambda m: m.nn.functional.upsample(m.ones(1, 1, 3), scale_factor=2),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_and_warnings(index: int) -> None:
    same(ERRORS[index], seed=None)


def test_fractional_draws_like_torch() -> None:
    def run(m: Any) -> Any:
        x = m.tensor(np.sin(np.arange(2 * 3 * 7 * 6.0)).reshape(2, 3, 7, 6))
        return m.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 0.7), return_indices=True)(x)

    same(run, seed=4)
