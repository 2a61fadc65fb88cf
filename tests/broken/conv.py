"""Broken adapters for convolution, folding and padding (20): realistic bugs, each a subclass of
the reference module (or a replaced function) carrying it, under the same name."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from tests.broken.base import Patched


class ConvFlipsKernel(Patched):
    """Conv1d computes a true convolution (kernel flipped) instead of a cross-correlation."""

    patches = {"torch.nn.Conv1d": "Conv1d"}

    @cached_property
    def Conv1d(self) -> type:  # noqa: N802 - the class's own name
        class Conv1d(self.ref.nn.Conv1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                k = self.weight.shape[-1]
                flipped = self.weight[..., list(range(k - 1, -1, -1))]
                return self._conv_forward(input, flipped, self.bias)

        return Conv1d


class ConvIgnoresDilation(Patched):
    """Conv2d stores ``dilation`` but convolves with a dense kernel."""

    patches = {"torch.nn.Conv2d": "Conv2d"}

    @cached_property
    def Conv2d(self) -> type:  # noqa: N802
        class Conv2d(self.ref.nn.Conv2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                kept, self.dilation = self.dilation, (1, 1)
                try:
                    return self._conv_forward(input, self.weight, self.bias)
                finally:
                    self.dilation = kept

        return Conv2d


class ConvGroupsMixChannels(Patched):
    """Conv1d with groups > 1 lets every group see every input channel (the group's filters
    repeated over the other groups' channels)."""

    patches = {"torch.nn.Conv1d": "Conv1d"}

    @cached_property
    def Conv1d(self) -> type:  # noqa: N802
        F, cat = self.ref.nn.functional, self.ref.cat

        class Conv1d(self.ref.nn.Conv1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.groups == 1 or self.padding_mode != "zeros":
                    return super().forward(input)
                dense = cat([self.weight] * self.groups, dim=1)
                return F.conv1d(input, dense, self.bias, self.stride, self.padding, self.dilation)

        return Conv1d


class ReflectPadRepeatsEdge(Patched):
    """ReflectionPad1d mirrors about the boundary (``symmetric``: the edge element repeated)
    instead of about the edge element."""

    patches = {"torch.nn.ReflectionPad1d": "ReflectionPad1d"}

    @cached_property
    def ReflectionPad1d(self) -> type:  # noqa: N802
        class ReflectionPad1d(self.ref.nn.ReflectionPad1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                left, right = self.padding
                n = input.shape[-1]
                i = np.arange(-left, n + right)
                i = np.where(i < 0, -i - 1, i)
                i = np.where(i >= n, 2 * n - 1 - i, i)
                return input[..., [int(v) for v in i]]

        return ReflectionPad1d


class CircularPadWrongSide(Patched):
    """Conv1d's circular padding fills the left border with the first elements and the right
    border with the last ones (each side wrapped from itself, not from the opposite end)."""

    patches = {"torch.nn.Conv1d": "Conv1d"}

    @cached_property
    def Conv1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Conv1d(self.ref.nn.Conv1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.padding_mode != "circular":
                    return super().forward(input)
                left, right = self._reversed_padding_repeated_twice
                n = input.shape[-1]
                order = list(range(left)) + list(range(n)) + list(range(n - right, n))
                padded = input[..., order]
                return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                                self.groups)  # fmt: skip

        return Conv1d


class TransposedIgnoresOutputPadding(Patched):
    """ConvTranspose1d drops ``output_padding`` (the output is short by it)."""

    patches = {"torch.nn.ConvTranspose1d": "ConvTranspose1d"}

    @cached_property
    def ConvTranspose1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConvTranspose1d(self.ref.nn.ConvTranspose1d):
            def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
                return F.conv_transpose1d(
                    input, self.weight, self.bias, self.stride, self.padding, 0, self.groups,
                    self.dilation,
                )  # fmt: skip

        return ConvTranspose1d


class FoldAveragesOverlaps(Patched):
    """Fold averages the values that land on one position instead of summing them."""

    patches = {"torch.nn.Fold": "Fold"}

    @cached_property
    def Fold(self) -> type:  # noqa: N802
        class Fold(self.ref.nn.Fold):
            def forward(self, input: Any) -> Any:  # noqa: A002
                summed = super().forward(input)
                count = super().forward(input.detach() * 0 + 1)
                return summed / (count + (count == 0))

        return Fold


class Conv3dDepthStrideOne(Patched):
    """Conv3d strides only the height and width; the depth always steps by one."""

    patches = {"torch.nn.Conv3d": "Conv3d"}

    @cached_property
    def Conv3d(self) -> type:  # noqa: N802
        class Conv3d(self.ref.nn.Conv3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                kept, self.stride = self.stride, (1, *self.stride[1:])
                try:
                    return self._conv_forward(input, self.weight, self.bias)
                finally:
                    self.stride = kept

        return Conv3d


class Conv3dSamePadsLeftFirst(Patched):
    """Conv3d with padding='same' puts the odd extra zero of an even kernel on the left (torch
    puts it on the right)."""

    patches = {"torch.nn.Conv3d": "Conv3d"}

    @cached_property
    def Conv3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Conv3d(self.ref.nn.Conv3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.padding != "same" or self.padding_mode != "zeros":
                    return super().forward(input)
                amounts: list[int] = []
                for k, d in zip(reversed(self.kernel_size), reversed(self.dilation), strict=True):
                    total = d * (k - 1)
                    amounts += [total - total // 2, total // 2]
                padded = F.pad(input, amounts)
                return F.conv3d(padded, self.weight, self.bias, 1, 0, self.dilation, self.groups)

        return Conv3d


class Conv3dBiasGetsNoGradient(Patched):
    """Conv3d's backward returns no gradient for the bias (the forward adds it right)."""

    patches = {"torch.nn.Conv3d": "Conv3d"}

    @cached_property
    def Conv3d(self) -> type:  # noqa: N802
        class Conv3d(self.ref.nn.Conv3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                bias = None if self.bias is None else self.bias.detach()
                return self._conv_forward(input, self.weight, bias)

        return Conv3d


class TransposedIgnoresDilation(Patched):
    """ConvTranspose2d spreads its kernel densely whatever the dilation."""

    patches = {"torch.nn.ConvTranspose2d": "ConvTranspose2d"}

    @cached_property
    def ConvTranspose2d(self) -> type:  # noqa: N802
        class ConvTranspose2d(self.ref.nn.ConvTranspose2d):
            def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
                kept, self.dilation = self.dilation, (1, 1)
                try:
                    return super().forward(input, output_size)
                finally:
                    self.dilation = kept

        return ConvTranspose2d


class TransposedOutputPaddingZeros(Patched):
    """ConvTranspose2d appends ``output_padding`` as zeros (plus bias) after the computed
    output, instead of keeping the values the crop by ``padding`` would have removed."""

    patches = {"torch.nn.ConvTranspose2d": "ConvTranspose2d"}

    @cached_property
    def ConvTranspose2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConvTranspose2d(self.ref.nn.ConvTranspose2d):
            def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
                extra = self._output_padding(input, output_size)
                out = F.conv_transpose2d(
                    input, self.weight, None, self.stride, self.padding, 0, self.groups,
                    self.dilation,
                )  # fmt: skip
                out = F.pad(out, [0, extra[1], 0, extra[0]])
                if self.bias is None:
                    return out
                return out + self.bias.reshape(-1, 1, 1)

        return ConvTranspose2d


class TransposedIgnoresOutputSize(Patched):
    """ConvTranspose3d's forward accepts ``output_size`` but ignores it (the smallest output)."""

    patches = {"torch.nn.ConvTranspose3d": "ConvTranspose3d"}

    @cached_property
    def ConvTranspose3d(self) -> type:  # noqa: N802
        class ConvTranspose3d(self.ref.nn.ConvTranspose3d):
            def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
                return super().forward(input)

        return ConvTranspose3d


class TransposedCropsLeftOnly(Patched):
    """ConvTranspose3d crops all 2 * padding from the start of each dim instead of padding
    from each side."""

    patches = {"torch.nn.ConvTranspose3d": "ConvTranspose3d"}

    @cached_property
    def ConvTranspose3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConvTranspose3d(self.ref.nn.ConvTranspose3d):
            def forward(self, input: Any, output_size: Any = None) -> Any:  # noqa: A002
                extra = self._output_padding(input, output_size)
                full = F.conv_transpose3d(
                    input, self.weight, self.bias, self.stride, 0, extra, self.groups,
                    self.dilation,
                )  # fmt: skip
                p = self.padding
                return full[..., 2 * p[0] :, 2 * p[1] :, 2 * p[2] :]

        return ConvTranspose3d


class UnfoldBlocksColumnMajor(Patched):
    """Unfold lists the blocks column by column (the block at (i, j) is number j * rows + i)
    instead of row by row."""

    patches = {"torch.nn.Unfold": "Unfold"}

    @cached_property
    def Unfold(self) -> type:  # noqa: N802
        class Unfold(self.ref.nn.Unfold):
            def forward(self, input: Any) -> Any:  # noqa: A002
                cols = super().forward(input)
                rows = _block_rows(input, self)
                lead = tuple(cols.shape[:-1])
                return cols.reshape(*lead, rows, -1).transpose(-1, -2).reshape(cols.shape)

        return Unfold


class UnfoldKernelOuter(Patched):
    """Unfold orders the rows (kernel offset, channel) instead of (channel, kernel offset)."""

    patches = {"torch.nn.Unfold": "Unfold"}

    @cached_property
    def Unfold(self) -> type:  # noqa: N802
        class Unfold(self.ref.nn.Unfold):
            def forward(self, input: Any) -> Any:  # noqa: A002
                cols = super().forward(input)
                c = input.shape[-3]
                *lead, rows, blocks = cols.shape
                split = cols.reshape(*lead, c, rows // c, blocks).transpose(-3, -2)
                return split.reshape(cols.shape)

        return Unfold


class FunctionalUnfoldIgnoresPadding(Patched):
    """F.unfold slides over the unpadded input whatever ``padding`` says."""

    patches = {"torch.nn.functional.unfold": "unfold"}

    def unfold(self, input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
               stride: Any = 1) -> Any:  # fmt: skip
        return self.ref.nn.functional.unfold(input, kernel_size, dilation, 0, stride)


class FunctionalFoldIgnoresDilation(Patched):
    """F.fold places each column's values with a dense kernel whatever ``dilation`` says."""

    patches = {"torch.nn.functional.fold": "fold"}

    def fold(self, input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
             padding: Any = 0, stride: Any = 1) -> Any:  # fmt: skip
        return self.ref.nn.functional.fold(input, output_size, kernel_size, 1, padding, stride)


class FunctionalUnfoldIgnoresDilation(Patched):
    """F.unfold reads contiguous blocks whatever ``dilation`` says."""

    patches = {"torch.nn.functional.unfold": "unfold"}

    def unfold(self, input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
               stride: Any = 1) -> Any:  # fmt: skip
        return self.ref.nn.functional.unfold(input, kernel_size, 1, padding, stride)


class FunctionalFoldCropsLeftOnly(Patched):
    """F.fold sums into the padded image and crops all 2 * padding from its start, instead
    of padding from each side."""

    patches = {"torch.nn.functional.fold": "fold"}

    def fold(self, input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
             padding: Any = 0, stride: Any = 1) -> Any:  # fmt: skip
        h, w = (output_size, output_size) if isinstance(output_size, int) else output_size
        p = padding if isinstance(padding, int) else padding[0]
        size = (h + 2 * p, w + 2 * p)
        full = self.ref.nn.functional.fold(input, size, kernel_size, dilation, 0, stride)
        return full[..., 2 * p :, 2 * p :]


def _block_rows(input: Any, unfold: Any) -> int:  # noqa: A002
    """How many block positions an Unfold module slides down the height of ``input``."""
    pair = [v if isinstance(v, tuple) else (v, v) for v in
            (unfold.kernel_size, unfold.dilation, unfold.padding, unfold.stride)]  # fmt: skip
    (k, _), (d, _), (p, _), (s, _) = pair
    return (input.shape[-2] + 2 * p - d * (k - 1) - 1) // s + 1


CAUGHT = {
    "ConvFlipsKernel": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "ConvIgnoresDilation": (["torch.nn.Conv2d"], "torch.nn.Conv2d"),
    "ConvGroupsMixChannels": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "ReflectPadRepeatsEdge": (["torch.nn.ReflectionPad1d"], "torch.nn.ReflectionPad1d"),
    "CircularPadWrongSide": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "TransposedIgnoresOutputPadding": (["torch.nn.ConvTranspose1d"], "torch.nn.ConvTranspose1d"),
    "FoldAveragesOverlaps": (["torch.nn.Fold"], "torch.nn.Fold"),
    "Conv3dDepthStrideOne": (["torch.nn.Conv3d"], "torch.nn.Conv3d"),
    "Conv3dSamePadsLeftFirst": (["torch.nn.Conv3d"], "torch.nn.Conv3d"),
    "TransposedIgnoresDilation": (["torch.nn.ConvTranspose2d"], "torch.nn.ConvTranspose2d"),
    "TransposedOutputPaddingZeros": (["torch.nn.ConvTranspose2d"], "torch.nn.ConvTranspose2d"),
    "TransposedIgnoresOutputSize": (["torch.nn.ConvTranspose3d"], "torch.nn.ConvTranspose3d"),
    "TransposedCropsLeftOnly": (["torch.nn.ConvTranspose3d"], "torch.nn.ConvTranspose3d"),
    "UnfoldBlocksColumnMajor": (["torch.nn.Unfold"], "torch.nn.Unfold"),
    "UnfoldKernelOuter": (["torch.nn.Unfold"], "torch.nn.Unfold"),
    "FunctionalUnfoldIgnoresPadding": (
        ["torch.nn.functional.unfold"],
        "torch.nn.functional.unfold",
    ),
    "FunctionalFoldIgnoresDilation": (["torch.nn.functional.fold"], "torch.nn.functional.fold"),
    "FunctionalUnfoldIgnoresDilation": (
        ["torch.nn.functional.unfold"],
        "torch.nn.functional.unfold",
    ),
    "FunctionalFoldCropsLeftOnly": (["torch.nn.functional.fold"], "torch.nn.functional.fold"),
    "Conv3dBiasGetsNoGradient": (["torch.nn.Conv3d"], "torch.nn.Conv3d"),
}
