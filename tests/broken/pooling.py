"""Broken adapters for pooling and vision layers (32): realistic bugs in window geometry,
divisors, unpooling, interpolation and shuffles.

Each replaces one reference module with a subclass (or a wrapper) carrying the bug, under the
same name.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from tests.broken.base import Patched


class MaxPoolIgnoresDilation(Patched):
    """MaxPool2d slides contiguous windows whatever the dilation."""

    patches = {"torch.nn.MaxPool2d": "MaxPool2d"}

    @cached_property
    def MaxPool2d(self) -> type:  # noqa: N802 - the class's own name
        F = self.ref.nn.functional

        class MaxPool2d(self.ref.nn.MaxPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.max_pool2d(
                    input, self.kernel_size, self.stride, self.padding, 1,
                    ceil_mode=self.ceil_mode, return_indices=self.return_indices,
                )  # fmt: skip

        return MaxPool2d


class CeilModeWindowInRightPadding(Patched):
    """MaxPool1d with ceil_mode keeps a last window that starts in the right padding (the
    output size is the plain ceiling)."""

    patches = {"torch.nn.MaxPool1d": "MaxPool1d"}

    @cached_property
    def MaxPool1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional
        ref = self.ref

        class MaxPool1d(self.ref.nn.MaxPool1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
                size = input.shape[-1]
                plain = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
                if not self.ceil_mode or (plain - 1) * s < size + p:
                    return F.max_pool1d(input, k, s, p, d, ceil_mode=self.ceil_mode)
                # one more window made only of right padding: -inf
                out = F.max_pool1d(input, k, s, p, d, ceil_mode=True)
                extra = ref.full((*out.shape[:-1], 1), float("-inf"), dtype=out.dtype)
                return ref.cat([out, extra], -1)

        return MaxPool1d


class AvgPoolCountIncludePadInverted(Patched):
    """AvgPool2d divides by the real elements when told to count the padding, and the
    other way round."""

    patches = {"torch.nn.AvgPool2d": "AvgPool2d"}

    @cached_property
    def AvgPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AvgPool2d(self.ref.nn.AvgPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.avg_pool2d(
                    input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                    not self.count_include_pad, self.divisor_override,
                )  # fmt: skip

        return AvgPool2d


class AdaptiveWindowsFloorEnd(Patched):
    """AdaptiveAvgPool1d ends each window at floor((i + 1) * L / out): windows that should
    overlap lose their last element."""

    patches = {"torch.nn.AdaptiveAvgPool1d": "AdaptiveAvgPool1d"}

    @cached_property
    def AdaptiveAvgPool1d(self) -> type:  # noqa: N802
        ref = self.ref

        class AdaptiveAvgPool1d(self.ref.nn.AdaptiveAvgPool1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                size, out = input.shape[-1], int(self.output_size)
                parts = []
                for i in range(out):
                    start, end = (i * size) // out, ((i + 1) * size) // out
                    end = max(end, start + 1)
                    parts.append(input[..., start:end].mean(-1, keepdim=True))
                return ref.cat(parts, -1)

        return AdaptiveAvgPool1d


class MaxUnpoolTransposedIndices(Patched):
    """MaxUnpool2d reads the flat index as column-major (h + w * H instead of h * W + w)."""

    patches = {"torch.nn.MaxUnpool2d": "MaxUnpool2d"}

    @cached_property
    def MaxUnpool2d(self) -> type:  # noqa: N802
        ref = self.ref

        class MaxUnpool2d(self.ref.nn.MaxUnpool2d):
            def forward(self, input: Any, indices: Any, output_size: Any = None) -> Any:  # noqa: A002
                size = output_size
                if size is None:
                    size = [
                        (input.shape[-2 + d] - 1) * self.stride[d] + self.kernel_size[d]
                        - 2 * self.padding[d]
                        for d in range(2)
                    ]  # fmt: skip
                h, w = list(size)[-2:]
                flat = np.asarray(indices.numpy())
                moved = (flat % h) * w + flat // h
                moved = np.where(moved < h * w, moved, flat)
                return super().forward(input, ref.from_numpy(moved), output_size)

        return MaxUnpool2d


class UpsampleAlignCornersInverted(Patched):
    """Upsample passes align_corners negated to the interpolating modes."""

    patches = {"torch.nn.Upsample": "Upsample"}

    @cached_property
    def Upsample(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Upsample(self.ref.nn.Upsample):
            def forward(self, input: Any) -> Any:  # noqa: A002
                align = self.align_corners
                if self.mode not in ("nearest", "nearest-exact", "area"):
                    align = not align
                return F.interpolate(
                    input, self.size, self.scale_factor, self.mode, align,
                    recompute_scale_factor=self.recompute_scale_factor,
                )  # fmt: skip

        return Upsample


class BicubicHalfA(Patched):
    """Upsample's bicubic mode uses the cubic kernel with A = -0.5 instead of torch's -0.75."""

    patches = {"torch.nn.Upsample": "Upsample"}

    @cached_property
    def Upsample(self) -> type:  # noqa: N802
        vision = self.ref.nn.functional._vision

        class Upsample(self.ref.nn.Upsample):
            def forward(self, input: Any) -> Any:  # noqa: A002
                original = vision.cubic_weights.__defaults__
                vision.cubic_weights.__defaults__ = (-0.5,)
                try:
                    return super().forward(input)
                finally:
                    vision.cubic_weights.__defaults__ = original

        return Upsample


class PixelShuffleChannelOrder(Patched):
    """PixelShuffle splits the channels as (r, r, C) instead of (C, r, r)."""

    patches = {"torch.nn.PixelShuffle": "PixelShuffle"}

    @cached_property
    def PixelShuffle(self) -> type:  # noqa: N802
        class PixelShuffle(self.ref.nn.PixelShuffle):
            def forward(self, input: Any) -> Any:  # noqa: A002
                r = self.upscale_factor
                *lead, c, h, w = input.shape
                n = len(lead)
                split = input.reshape(*lead, r, r, c // (r * r), h, w)
                order = [*range(n), n + 2, n + 3, n, n + 4, n + 1]
                return split.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)

        return PixelShuffle


class MaxPool3dPadsWithZeros(Patched):
    """MaxPool3d pads with zeros instead of -inf: a zero of the padding wins over a window of
    negative values."""

    patches = {"torch.nn.MaxPool3d": "MaxPool3d"}

    @cached_property
    def MaxPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MaxPool3d(self.ref.nn.MaxPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                padded = F.pad(input, [self.padding] * 6)
                return F.max_pool3d(
                    padded, self.kernel_size, self.stride, 0, self.dilation,
                    ceil_mode=self.ceil_mode, return_indices=self.return_indices,
                )  # fmt: skip

        return MaxPool3d


class MaxPool3dIgnoresCeilMode(Patched):
    """MaxPool3d always floors the output size, whatever ceil_mode says."""

    patches = {"torch.nn.MaxPool3d": "MaxPool3d"}

    @cached_property
    def MaxPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MaxPool3d(self.ref.nn.MaxPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.max_pool3d(
                    input, self.kernel_size, self.stride, self.padding, self.dilation,
                    return_indices=self.return_indices,
                )  # fmt: skip

        return MaxPool3d


class MaxUnpoolDefaultStrideOne(Patched):
    """MaxUnpool1d's stride defaults to 1 instead of kernel_size (the default output size is
    then too small)."""

    patches = {"torch.nn.MaxUnpool1d": "MaxUnpool1d"}

    @cached_property
    def MaxUnpool1d(self) -> type:  # noqa: N802
        class MaxUnpool1d(self.ref.nn.MaxUnpool1d):
            def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
                super().__init__(kernel_size, 1 if stride is None else stride, padding)

        return MaxUnpool1d


class MaxUnpoolIgnoresOutputSize(Patched):
    """MaxUnpool3d's forward accepts ``output_size`` but always unpools to the default size."""

    patches = {"torch.nn.MaxUnpool3d": "MaxUnpool3d"}

    @cached_property
    def MaxUnpool3d(self) -> type:  # noqa: N802
        class MaxUnpool3d(self.ref.nn.MaxUnpool3d):
            def forward(self, input: Any, indices: Any, output_size: Any = None) -> Any:  # noqa: A002
                return super().forward(input, indices)

        return MaxUnpool3d


class AvgPool1dAlwaysExcludesPadding(Patched):
    """AvgPool1d divides by the real elements of each window even with count_include_pad."""

    patches = {"torch.nn.AvgPool1d": "AvgPool1d"}

    @cached_property
    def AvgPool1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AvgPool1d(self.ref.nn.AvgPool1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.avg_pool1d(
                    input, self.kernel_size, self.stride, self.padding, self.ceil_mode, False
                )

        return AvgPool1d


class AvgPool3dIgnoresDivisorOverride(Patched):
    """AvgPool3d stores ``divisor_override`` but divides by the window as usual."""

    patches = {"torch.nn.AvgPool3d": "AvgPool3d"}

    @cached_property
    def AvgPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AvgPool3d(self.ref.nn.AvgPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.avg_pool3d(
                    input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                    self.count_include_pad,
                )  # fmt: skip

        return AvgPool3d


class FractionalSamplesSwapped(Patched):
    """FractionalMaxPool2d draws the rows' offsets from the first sample of each pair and the
    columns' from the second (torch: the first is for the columns)."""

    patches = {"torch.nn.FractionalMaxPool2d": "FractionalMaxPool2d"}

    @cached_property
    def FractionalMaxPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class FractionalMaxPool2d(self.ref.nn.FractionalMaxPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                samples = self._random_samples
                if samples is not None:
                    samples = samples[..., [1, 0]]
                return F.fractional_max_pool2d(
                    input, self.kernel_size, self.output_size, self.output_ratio,
                    self.return_indices, _random_samples=samples,
                )  # fmt: skip

        return FractionalMaxPool2d


class LPPoolMeanNotSum(Patched):
    """LPPool1d takes the p-th root of the window's mean of x ** p (the multiplication by
    the window size forgotten)."""

    patches = {"torch.nn.LPPool1d": "LPPool1d"}

    @cached_property
    def LPPool1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LPPool1d(self.ref.nn.LPPool1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                p = float(self.norm_type)
                stride = self.kernel_size if self.stride is None else self.stride
                mean = F.avg_pool1d(input.pow(p), self.kernel_size, stride, 0, self.ceil_mode)
                return mean.pow(1.0 / p)

        return LPPool1d


class LPPoolDefaultStrideOne(Patched):
    """LPPool1d slides by one when stride is None (torch: by the kernel size)."""

    patches = {"torch.nn.LPPool1d": "LPPool1d"}

    @cached_property
    def LPPool1d(self) -> type:  # noqa: N802
        class LPPool1d(self.ref.nn.LPPool1d):
            def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                         ceil_mode: bool = False) -> None:  # fmt: skip
                super().__init__(norm_type, kernel_size, 1 if stride is None else stride,
                                 ceil_mode)  # fmt: skip

        return LPPool1d


class LPPool2dScalesByOneSide(Patched):
    """LPPool2d scales the average of x ** p by the kernel's width only, not its area."""

    patches = {"torch.nn.LPPool2d": "LPPool2d"}

    @cached_property
    def LPPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LPPool2d(self.ref.nn.LPPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                p = float(self.norm_type)
                k = F._pooling.ntuple(self.kernel_size, 2)
                stride = k if self.stride is None else self.stride
                mean = F.avg_pool2d(input.pow(p), k, stride, 0, self.ceil_mode)
                return mean.mul(k[1]).pow(1.0 / p)

        return LPPool2d


class _AdaptiveWindows:
    """Mixin: forward with the reference's adaptive window rule replaced by ``_windows``."""

    def forward(self, input: Any) -> Any:  # noqa: A002
        return _with_windows(
            type(self)._windows, lambda: super(_AdaptiveWindows, self).forward(input)
        )


def _with_windows(windows: Any, call: Any) -> Any:
    """``call()`` with the reference's adaptive window rule replaced by ``windows``."""
    pooling = _pooling_module()
    kept, pooling.adaptive_windows = pooling.adaptive_windows, windows
    try:
        return call()
    finally:
        pooling.adaptive_windows = kept


def _floor_end_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive windows from floor(i * L / out) to floor((i + 1) * L / out), at least one wide."""
    i = np.arange(out)
    start, end = (i * size) // out, ((i + 1) * size) // out
    return start, np.maximum(end, start + 1)


def _pooling_module() -> Any:
    from reference.nn.functional import _pooling

    return _pooling


class AdaptiveMaxWindowsCeilStart(Patched):
    """AdaptiveMaxPool1d starts each window at ceil(i * L / out) instead of the floor."""

    patches = {"torch.nn.AdaptiveMaxPool1d": "AdaptiveMaxPool1d"}

    @cached_property
    def AdaptiveMaxPool1d(self) -> type:  # noqa: N802
        def windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
            i = np.arange(out)
            return -((-i * size) // out), -((-(i + 1) * size) // out)

        class AdaptiveMaxPool1d(_AdaptiveWindows, self.ref.nn.AdaptiveMaxPool1d):
            _windows = staticmethod(windows)

        return AdaptiveMaxPool1d


class AdaptiveMaxNoneIsOne(Patched):
    """AdaptiveMaxPool2d reads a None output size as 1 instead of keeping the input's size."""

    patches = {"torch.nn.AdaptiveMaxPool2d": "AdaptiveMaxPool2d"}

    @cached_property
    def AdaptiveMaxPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AdaptiveMaxPool2d(self.ref.nn.AdaptiveMaxPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                size = self.output_size
                if isinstance(size, tuple):
                    size = tuple(1 if s is None else s for s in size)
                return F.adaptive_max_pool2d(input, size, self.return_indices)

        return AdaptiveMaxPool2d


class AdaptiveMaxSizesReversed(Patched):
    """AdaptiveMaxPool3d applies output_size to the dims in reverse (its first size to W)."""

    patches = {"torch.nn.AdaptiveMaxPool3d": "AdaptiveMaxPool3d"}

    @cached_property
    def AdaptiveMaxPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AdaptiveMaxPool3d(self.ref.nn.AdaptiveMaxPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                size = self.output_size
                if isinstance(size, tuple):
                    size = size[::-1]
                return F.adaptive_max_pool3d(input, size, self.return_indices)

        return AdaptiveMaxPool3d


class AdaptiveAvgFixedDivisor(Patched):
    """AdaptiveAvgPool2d divides every window's sum by the largest window's size (the
    shorter windows padded with zeros)."""

    patches = {"torch.nn.AdaptiveAvgPool2d": "AdaptiveAvgPool2d"}

    @cached_property
    def AdaptiveAvgPool2d(self) -> type:  # noqa: N802
        ref = self.ref

        class AdaptiveAvgPool2d(self.ref.nn.AdaptiveAvgPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                ratio = np.ones((), np.float64)
                for size, o in zip(input.shape[-2:], out.shape[-2:], strict=True):
                    start, end = _pooling_module().adaptive_windows(size, o)
                    width = end - start
                    ratio = ratio[..., None] * (width / width.max())
                return out * ref.from_numpy(ratio.astype(np.float64)).to(out.dtype)

        return AdaptiveAvgPool2d


class AdaptiveAvgEqualWidths(Patched):
    """AdaptiveAvgPool3d gives every window the width ceil(L / out) from floor(i * L / out),
    cut at the input's end, instead of ending at ceil((i + 1) * L / out)."""

    patches = {"torch.nn.AdaptiveAvgPool3d": "AdaptiveAvgPool3d"}

    @cached_property
    def AdaptiveAvgPool3d(self) -> type:  # noqa: N802
        def windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
            start = (np.arange(out) * size) // out
            return start, np.minimum(start - (-size // out), size)

        class AdaptiveAvgPool3d(_AdaptiveWindows, self.ref.nn.AdaptiveAvgPool3d):
            _windows = staticmethod(windows)

        return AdaptiveAvgPool3d


class AvgPool3dBackwardCountsPadding(Patched):
    """AvgPool3d's backward spreads each window's gradient as if count_include_pad were True
    (and without divisor_override): the forward is right, the gradient is not."""

    patches = {"torch.nn.AvgPool3d": "AvgPool3d"}

    @cached_property
    def AvgPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AvgPool3d(self.ref.nn.AvgPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                spread = F.avg_pool3d(input, self.kernel_size, self.stride, self.padding,
                                      self.ceil_mode, True)  # fmt: skip
                return spread + (out - spread).detach()

        return AvgPool3d


class AvgPool1dDefaultExcludesPadding(Patched):
    """AvgPool1d's count_include_pad defaults to False."""

    patches = {"torch.nn.AvgPool1d": "AvgPool1d"}

    @cached_property
    def AvgPool1d(self) -> type:  # noqa: N802
        class AvgPool1d(self.ref.nn.AvgPool1d):
            def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                         ceil_mode: bool = False,
                         count_include_pad: bool = False) -> None:  # fmt: skip
                super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)

        return AvgPool1d


class LPPool2dIgnoresCeilMode(Patched):
    """LPPool2d always floors its output size, whatever ceil_mode says."""

    patches = {"torch.nn.LPPool2d": "LPPool2d"}

    @cached_property
    def LPPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LPPool2d(self.ref.nn.LPPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride)

        return LPPool2d


class MaxUnpoolDefaultSizeIgnoresPadding(Patched):
    """MaxUnpool1d's default output size is (L - 1) * stride + kernel_size: it forgets to
    take off twice the padding."""

    patches = {"torch.nn.MaxUnpool1d": "MaxUnpool1d"}

    @cached_property
    def MaxUnpool1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MaxUnpool1d(self.ref.nn.MaxUnpool1d):
            def forward(self, input: Any, indices: Any, output_size: Any = None) -> Any:  # noqa: A002
                padding = self.padding if output_size is not None else 0
                return F.max_unpool1d(
                    input, indices, self.kernel_size, self.stride, padding, output_size
                )

        return MaxUnpool1d


class AdaptiveMaxIndexRowStrideHeight(Patched):
    """AdaptiveMaxPool2d flattens its indices as h * H + w instead of h * W + w."""

    patches = {"torch.nn.AdaptiveMaxPool2d": "AdaptiveMaxPool2d"}

    @cached_property
    def AdaptiveMaxPool2d(self) -> type:  # noqa: N802
        class AdaptiveMaxPool2d(self.ref.nn.AdaptiveMaxPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                if not self.return_indices:
                    return out
                h, w = input.shape[-2:]
                return out[0], out[1] // w * h + out[1] % w

        return AdaptiveMaxPool2d


class FractionalRatioRoundsUp(Patched):
    """FractionalMaxPool2d's output_ratio gives ceil(size * ratio) instead of the floor."""

    patches = {"torch.nn.FractionalMaxPool2d": "FractionalMaxPool2d"}

    @cached_property
    def FractionalMaxPool2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class FractionalMaxPool2d(self.ref.nn.FractionalMaxPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                size = self.output_size
                if size is None:
                    size = tuple(-int(-n * r // 1) for n, r in
                                 zip(input.shape[-2:], self.output_ratio, strict=True))  # fmt: skip
                return F.fractional_max_pool2d(
                    input, self.kernel_size, size, None, self.return_indices,
                    _random_samples=self._random_samples,
                )  # fmt: skip

        return FractionalMaxPool2d


class AdaptiveAvgBackwardFloorWindows(Patched):
    """AdaptiveAvgPool2d's backward spreads each gradient over windows ending at
    floor((i + 1) * L / out), which disagree with the forward's (right) ceil-ended ones."""

    patches = {"torch.nn.AdaptiveAvgPool2d": "AdaptiveAvgPool2d"}

    @cached_property
    def AdaptiveAvgPool2d(self) -> type:  # noqa: N802
        class AdaptiveAvgPool2d(self.ref.nn.AdaptiveAvgPool2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                spread = _with_windows(
                    _floor_end_windows, lambda: super(AdaptiveAvgPool2d, self).forward(input)
                )
                return spread + (out - spread).detach()

        return AdaptiveAvgPool2d


class AdaptiveMaxIndicesInWindow(Patched):
    """AdaptiveMaxPool1d returns each maximum's position within its window, not in the
    input."""

    patches = {"torch.nn.AdaptiveMaxPool1d": "AdaptiveMaxPool1d"}

    @cached_property
    def AdaptiveMaxPool1d(self) -> type:  # noqa: N802
        ref = self.ref

        class AdaptiveMaxPool1d(self.ref.nn.AdaptiveMaxPool1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                if not self.return_indices:
                    return out
                start, _ = _pooling_module().adaptive_windows(input.shape[-1], out[1].shape[-1])
                return out[0], out[1] - ref.from_numpy(start)

        return AdaptiveMaxPool1d


class AdaptiveMaxIntSizeLastDimOnly(Patched):
    """AdaptiveMaxPool3d applies an int output_size to the last dim only, keeping the
    others (as (None, None, n))."""

    patches = {"torch.nn.AdaptiveMaxPool3d": "AdaptiveMaxPool3d"}

    @cached_property
    def AdaptiveMaxPool3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class AdaptiveMaxPool3d(self.ref.nn.AdaptiveMaxPool3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                size = self.output_size
                if isinstance(size, int):
                    size = (None, None, size)
                return F.adaptive_max_pool3d(input, size, self.return_indices)

        return AdaptiveMaxPool3d


CAUGHT = {
    "MaxPoolIgnoresDilation": (["torch.nn.MaxPool2d"], "torch.nn.MaxPool2d"),
    "CeilModeWindowInRightPadding": (["torch.nn.MaxPool1d"], "torch.nn.MaxPool1d"),
    "AvgPoolCountIncludePadInverted": (["torch.nn.AvgPool2d"], "torch.nn.AvgPool2d"),
    "AdaptiveWindowsFloorEnd": (["torch.nn.AdaptiveAvgPool1d"], "torch.nn.AdaptiveAvgPool1d"),
    "MaxUnpoolTransposedIndices": (["torch.nn.MaxUnpool2d"], "torch.nn.MaxUnpool2d"),
    "UpsampleAlignCornersInverted": (["torch.nn.Upsample"], "torch.nn.Upsample"),
    "BicubicHalfA": (["torch.nn.Upsample"], "torch.nn.Upsample"),
    "PixelShuffleChannelOrder": (["torch.nn.PixelShuffle"], "torch.nn.PixelShuffle"),
    "MaxPool3dPadsWithZeros": (["torch.nn.MaxPool3d"], "torch.nn.MaxPool3d"),
    "MaxPool3dIgnoresCeilMode": (["torch.nn.MaxPool3d"], "torch.nn.MaxPool3d"),
    "MaxUnpoolDefaultStrideOne": (["torch.nn.MaxUnpool1d"], "torch.nn.MaxUnpool1d"),
    "MaxUnpoolIgnoresOutputSize": (["torch.nn.MaxUnpool3d"], "torch.nn.MaxUnpool3d"),
    "AvgPool1dAlwaysExcludesPadding": (["torch.nn.AvgPool1d"], "torch.nn.AvgPool1d"),
    "AvgPool3dIgnoresDivisorOverride": (["torch.nn.AvgPool3d"], "torch.nn.AvgPool3d"),
    "FractionalSamplesSwapped": (["torch.nn.FractionalMaxPool2d"], "torch.nn.FractionalMaxPool2d"),
    "LPPoolMeanNotSum": (["torch.nn.LPPool1d"], "torch.nn.LPPool1d"),
    "LPPoolDefaultStrideOne": (["torch.nn.LPPool1d"], "torch.nn.LPPool1d"),
    "LPPool2dScalesByOneSide": (["torch.nn.LPPool2d"], "torch.nn.LPPool2d"),
    "AdaptiveMaxWindowsCeilStart": (["torch.nn.AdaptiveMaxPool1d"], "torch.nn.AdaptiveMaxPool1d"),
    "AdaptiveMaxNoneIsOne": (["torch.nn.AdaptiveMaxPool2d"], "torch.nn.AdaptiveMaxPool2d"),
    "AdaptiveMaxSizesReversed": (["torch.nn.AdaptiveMaxPool3d"], "torch.nn.AdaptiveMaxPool3d"),
    "AdaptiveAvgFixedDivisor": (["torch.nn.AdaptiveAvgPool2d"], "torch.nn.AdaptiveAvgPool2d"),
    "AdaptiveAvgEqualWidths": (["torch.nn.AdaptiveAvgPool3d"], "torch.nn.AdaptiveAvgPool3d"),
    "AvgPool3dBackwardCountsPadding": (["torch.nn.AvgPool3d"], "torch.nn.AvgPool3d"),
    "AvgPool1dDefaultExcludesPadding": (["torch.nn.AvgPool1d"], "torch.nn.AvgPool1d"),
    "LPPool2dIgnoresCeilMode": (["torch.nn.LPPool2d"], "torch.nn.LPPool2d"),
    "MaxUnpoolDefaultSizeIgnoresPadding": (["torch.nn.MaxUnpool1d"], "torch.nn.MaxUnpool1d"),
    "AdaptiveMaxIndexRowStrideHeight": (
        ["torch.nn.AdaptiveMaxPool2d"],
        "torch.nn.AdaptiveMaxPool2d",
    ),
    "FractionalRatioRoundsUp": (["torch.nn.FractionalMaxPool2d"], "torch.nn.FractionalMaxPool2d"),
    "AdaptiveAvgBackwardFloorWindows": (
        ["torch.nn.AdaptiveAvgPool2d"],
        "torch.nn.AdaptiveAvgPool2d",
    ),
    "AdaptiveMaxIndicesInWindow": (["torch.nn.AdaptiveMaxPool1d"], "torch.nn.AdaptiveMaxPool1d"),
    "AdaptiveMaxIntSizeLastDimOnly": (["torch.nn.AdaptiveMaxPool3d"], "torch.nn.AdaptiveMaxPool3d"),
}
