"""Broken adapters for the padding layers and F.pad (14): realistic bugs in which side or
dimension an amount pads, how the border is filled, the fill value and the gradient.

Each replaces one reference module (or function) with a version carrying the bug, under the
same name.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


def _forward_pairs(amounts: tuple[int, ...]) -> list[int]:
    """The (left, right) pairs of ``amounts`` in the opposite order of dims."""
    pairs = [list(amounts[i : i + 2]) for i in range(0, len(amounts), 2)]
    return [v for pair in reversed(pairs) for v in pair]


class ReflectionPadPairsForward(Patched):
    """ReflectionPad2d applies (left, right) to the height and (top, bottom) to the width."""

    patches = {"torch.nn.ReflectionPad2d": "ReflectionPad2d"}

    @cached_property
    def ReflectionPad2d(self) -> type:  # noqa: N802 - the class's own name
        F = self.ref.nn.functional

        class ReflectionPad2d(self.ref.nn.ReflectionPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, _forward_pairs(self.padding), "reflect")

        return ReflectionPad2d


class ReflectionPad3dReplicatesDepth(Patched):
    """ReflectionPad3d reflects the height and width but repeats the edge along the depth."""

    patches = {"torch.nn.ReflectionPad3d": "ReflectionPad3d"}

    @cached_property
    def ReflectionPad3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ReflectionPad3d(self.ref.nn.ReflectionPad3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                p = list(self.padding)
                planes = F.pad(input, [*p[:4], 0, 0], "reflect")
                return F.pad(planes, [0, 0, 0, 0, *p[4:]], "replicate")

        return ReflectionPad3d


class ReplicationPadRightCopiesFirst(Patched):
    """ReplicationPad1d fills the right border with the first element, not the last."""

    patches = {"torch.nn.ReplicationPad1d": "ReplicationPad1d"}

    @cached_property
    def ReplicationPad1d(self) -> type:  # noqa: N802
        class ReplicationPad1d(self.ref.nn.ReplicationPad1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                left, right = self.padding
                n = input.shape[-1]
                return input[..., [0] * left + list(range(n)) + [0] * right]

        return ReplicationPad1d


class ReplicationPadIntOnlyLastDim(Patched):
    """ReplicationPad2d given an int pads the width only: (p, p, 0, 0) instead of p on all
    four sides."""

    patches = {"torch.nn.ReplicationPad2d": "ReplicationPad2d"}

    @cached_property
    def ReplicationPad2d(self) -> type:  # noqa: N802
        class ReplicationPad2d(self.ref.nn.ReplicationPad2d):
            def __init__(self, padding: Any) -> None:
                super().__init__((padding, padding, 0, 0) if isinstance(padding, int) else padding)

        return ReplicationPad2d


class ReplicationPad3dPairsForward(Patched):
    """ReplicationPad3d reads its 6-tuple from the depth forwards: (front, back) pads the
    width and (left, right) the depth."""

    patches = {"torch.nn.ReplicationPad3d": "ReplicationPad3d"}

    @cached_property
    def ReplicationPad3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ReplicationPad3d(self.ref.nn.ReplicationPad3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, _forward_pairs(self.padding), "replicate")

        return ReplicationPad3d


class ConstantPadIgnoresValue(Patched):
    """ConstantPad1d stores ``value`` but pads with zeros."""

    patches = {"torch.nn.ConstantPad1d": "ConstantPad1d"}

    @cached_property
    def ConstantPad1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConstantPad1d(self.ref.nn.ConstantPad1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, self.padding)

        return ConstantPad1d


class ConstantPadIntValue(Patched):
    """ConstantPad2d fills with ``int(value)``: 1.5 pads 1.0."""

    patches = {"torch.nn.ConstantPad2d": "ConstantPad2d"}

    @cached_property
    def ConstantPad2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConstantPad2d(self.ref.nn.ConstantPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, self.padding, "constant", int(self.value))

        return ConstantPad2d


class ConstantPad3dDropsDepth(Patched):
    """ConstantPad3d pads the height and width but ignores the (front, back) pair."""

    patches = {"torch.nn.ConstantPad3d": "ConstantPad3d"}

    @cached_property
    def ConstantPad3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConstantPad3d(self.ref.nn.ConstantPad3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, self.padding[:4], "constant", self.value)

        return ConstantPad3d


class ZeroPadSidesInterleaved(Patched):
    """ZeroPad2d reads its 4-tuple as (left, top, right, bottom) instead of (left, right,
    top, bottom)."""

    patches = {"torch.nn.ZeroPad2d": "ZeroPad2d"}

    @cached_property
    def ZeroPad2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ZeroPad2d(self.ref.nn.ZeroPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                left, top, right, bottom = self.padding
                return F.pad(input, [left, right, top, bottom])

        return ZeroPad2d


class PadIgnoresValue(Patched):
    """F.pad's constant mode pads with zeros whatever ``value`` says."""

    patches = {"torch.nn.functional.pad": "pad"}

    def pad(self, input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:  # noqa: A002
        return self.ref.nn.functional.pad(input, pad, mode)


class PadPairsForward(Patched):
    """F.pad reads ``pad`` from the first padded dimension forwards (its first pair pads the
    outermost padded dim, not the last dim)."""

    patches = {"torch.nn.functional.pad": "pad"}

    def pad(self, input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:  # noqa: A002
        return self.ref.nn.functional.pad(input, _forward_pairs(tuple(pad)), mode, value)


class ReplicationPadBorderGradientLost(Patched):
    """ReplicationPad2d's backward crops the gradient to the input's place, as constant
    padding's does: the border copies send nothing back to the edge elements."""

    patches = {"torch.nn.ReplicationPad2d": "ReplicationPad2d"}

    @cached_property
    def ReplicationPad2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ReplicationPad2d(self.ref.nn.ReplicationPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                x = input.detach()
                border = out.detach() - F.pad(x, self.padding)
                return F.pad(input, self.padding) + border

        return ReplicationPad2d


class ZeroPadBackwardCropsAtOrigin(Patched):
    """ZeroPad2d's backward takes the input's gradient from the top-left corner of the
    output's gradient, not from where the input sits (the forward is right)."""

    patches = {"torch.nn.ZeroPad2d": "ZeroPad2d"}

    @cached_property
    def ZeroPad2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ZeroPad2d(self.ref.nn.ZeroPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                left, right, top, bottom = self.padding
                at_origin = F.pad(input, [0, left + right, 0, top + bottom])
                return at_origin + (out - at_origin).detach()

        return ZeroPad2d


class ConstantPadNegativeAsZero(Patched):
    """ConstantPad2d reads a negative amount as no padding instead of cropping that side."""

    patches = {"torch.nn.ConstantPad2d": "ConstantPad2d"}

    @cached_property
    def ConstantPad2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ConstantPad2d(self.ref.nn.ConstantPad2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.pad(input, [max(a, 0) for a in self.padding], "constant", self.value)

        return ConstantPad2d


CAUGHT = {
    "ReflectionPadPairsForward": (["torch.nn.ReflectionPad2d"], "torch.nn.ReflectionPad2d"),
    "ReflectionPad3dReplicatesDepth": (["torch.nn.ReflectionPad3d"], "torch.nn.ReflectionPad3d"),
    "ReplicationPadRightCopiesFirst": (["torch.nn.ReplicationPad1d"], "torch.nn.ReplicationPad1d"),
    "ReplicationPadIntOnlyLastDim": (["torch.nn.ReplicationPad2d"], "torch.nn.ReplicationPad2d"),
    "ReplicationPad3dPairsForward": (["torch.nn.ReplicationPad3d"], "torch.nn.ReplicationPad3d"),
    "ConstantPadIgnoresValue": (["torch.nn.ConstantPad1d"], "torch.nn.ConstantPad1d"),
    "ConstantPadIntValue": (["torch.nn.ConstantPad2d"], "torch.nn.ConstantPad2d"),
    "ConstantPad3dDropsDepth": (["torch.nn.ConstantPad3d"], "torch.nn.ConstantPad3d"),
    "ZeroPadSidesInterleaved": (["torch.nn.ZeroPad2d"], "torch.nn.ZeroPad2d"),
    "PadIgnoresValue": (["torch.nn.functional.pad"], "torch.nn.functional.pad"),
    "PadPairsForward": (["torch.nn.functional.pad"], "torch.nn.functional.pad"),
    "ReplicationPadBorderGradientLost": (
        ["torch.nn.ReplicationPad2d"],
        "torch.nn.ReplicationPad2d",
    ),
    "ZeroPadBackwardCropsAtOrigin": (["torch.nn.ZeroPad2d"], "torch.nn.ZeroPad2d"),
    "ConstantPadNegativeAsZero": (["torch.nn.ConstantPad2d"], "torch.nn.ConstantPad2d"),
}
