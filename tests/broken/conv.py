"""Broken adapters for convolution, folding and padding (7): realistic bugs, each a subclass of
the reference module carrying it, under the same name."""

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


CAUGHT = {
    "ConvFlipsKernel": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "ConvIgnoresDilation": (["torch.nn.Conv2d"], "torch.nn.Conv2d"),
    "ConvGroupsMixChannels": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "ReflectPadRepeatsEdge": (["torch.nn.ReflectionPad1d"], "torch.nn.ReflectionPad1d"),
    "CircularPadWrongSide": (["torch.nn.Conv1d"], "torch.nn.Conv1d"),
    "TransposedIgnoresOutputPadding": (["torch.nn.ConvTranspose1d"], "torch.nn.ConvTranspose1d"),
    "FoldAveragesOverlaps": (["torch.nn.Fold"], "torch.nn.Fold"),
}
