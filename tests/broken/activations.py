"""Broken adapters for the activation modules (6): realistic bugs in GELU, ReLU6, LeakyReLU,
Hardswish, inplace ReLU and RReLU.

Each replaces one reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from tests.broken.base import Patched


class GeluTanhMisprintedCoefficient(Patched):
    """GELU's tanh approximation with the misprinted cubic coefficient 0.044615."""

    patches = {"torch.nn.GELU": "GELU"}

    @cached_property
    def GELU(self) -> type:  # noqa: N802 - the class's own name
        class GELU(self.ref.nn.GELU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.approximate != "tanh":
                    return super().forward(input)
                inner = (input + input * input * input * 0.044615) * math.sqrt(2 / math.pi)
                return input * 0.5 * (inner.tanh() + 1)

        return GELU


class ReLU6WithoutUpperClamp(Patched):
    """ReLU6 clamps below at 0 only: a plain ReLU."""

    patches = {"torch.nn.ReLU6": "ReLU6"}

    @cached_property
    def ReLU6(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ReLU6(self.ref.nn.ReLU6):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.relu(input, self.inplace)

        return ReLU6


class LeakyReLUSlopeOnPositives(Patched):
    """LeakyReLU scales the positive side by the slope and passes the negative side."""

    patches = {"torch.nn.LeakyReLU": "LeakyReLU"}

    @cached_property
    def LeakyReLU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LeakyReLU(self.ref.nn.LeakyReLU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return -F.leaky_relu(-input, self.negative_slope)

        return LeakyReLU


class HardswishWrongBreakpoints(Patched):
    """Hardswish ramps over [-2.5, 2.5] instead of [-3, 3]."""

    patches = {"torch.nn.Hardswish": "Hardswish"}

    @cached_property
    def Hardswish(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Hardswish(self.ref.nn.Hardswish):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return input * F.hardtanh(input + 2.5, 0.0, 5.0) / 5

        return Hardswish


class ReLUInplaceReturnsCopy(Patched):
    """ReLU(inplace=True) writes the input but returns a new tensor."""

    patches = {"torch.nn.ReLU": "ReLU"}

    @cached_property
    def ReLU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ReLU(self.ref.nn.ReLU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = F.relu(input, inplace=self.inplace)
                return out.clone() if self.inplace else out

        return ReLU


class RReLUFixedSlopeInTraining(Patched):
    """RReLU uses the mean slope (lower + upper) / 2 in training too: nothing random."""

    patches = {"torch.nn.RReLU": "RReLU"}

    @cached_property
    def RReLU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class RReLU(self.ref.nn.RReLU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.rrelu(input, self.lower, self.upper, False, self.inplace)

        return RReLU


CAUGHT = {
    "GeluTanhMisprintedCoefficient": (["torch.nn.GELU"], "torch.nn.GELU"),
    "ReLU6WithoutUpperClamp": (["torch.nn.ReLU6"], "torch.nn.ReLU6"),
    "LeakyReLUSlopeOnPositives": (["torch.nn.LeakyReLU"], "torch.nn.LeakyReLU"),
    "HardswishWrongBreakpoints": (["torch.nn.Hardswish"], "torch.nn.Hardswish"),
    "ReLUInplaceReturnsCopy": (["torch.nn.ReLU"], "torch.nn.ReLU"),
    "RReLUFixedSlopeInTraining": (["torch.nn.RReLU"], "torch.nn.RReLU"),
}
