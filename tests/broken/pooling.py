"""Broken adapters for pooling and vision layers (8): realistic bugs in window geometry,
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


CAUGHT = {
    "MaxPoolIgnoresDilation": (["torch.nn.MaxPool2d"], "torch.nn.MaxPool2d"),
    "CeilModeWindowInRightPadding": (["torch.nn.MaxPool1d"], "torch.nn.MaxPool1d"),
    "AvgPoolCountIncludePadInverted": (["torch.nn.AvgPool2d"], "torch.nn.AvgPool2d"),
    "AdaptiveWindowsFloorEnd": (["torch.nn.AdaptiveAvgPool1d"], "torch.nn.AdaptiveAvgPool1d"),
    "MaxUnpoolTransposedIndices": (["torch.nn.MaxUnpool2d"], "torch.nn.MaxUnpool2d"),
    "UpsampleAlignCornersInverted": (["torch.nn.Upsample"], "torch.nn.Upsample"),
    "BicubicHalfA": (["torch.nn.Upsample"], "torch.nn.Upsample"),
    "PixelShuffleChannelOrder": (["torch.nn.PixelShuffle"], "torch.nn.PixelShuffle"),
}
