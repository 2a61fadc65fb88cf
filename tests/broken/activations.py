"""Broken adapters for the activation modules (28) and their functional forms (5): realistic
bugs in every elementwise activation of sections 3.5 and 4 (a misprinted constant, a wrong
branch at a kink, an argument ignored, a naive formula that overflows, a wrong gradient or
default, a wrong dtype, an in-place form that copies).

Each replaces one reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from tests.broken.autograd import _rewired
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


class ELUWithoutAlpha(Patched):
    """ELU's negative branch is exp(x) - 1: alpha is stored and printed but never applied."""

    patches = {"torch.nn.ELU": "ELU"}

    @cached_property
    def ELU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ELU(self.ref.nn.ELU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.elu(input, 1.0, self.inplace)

        return ELU


class ELUComposedFromReLUs(Patched):
    """ELU as relu(x) + alpha * (exp(-relu(-x)) - 1): right values, but both relus have
    gradient 0 at 0, so ELU's gradient there is 0 instead of alpha."""

    patches = {"torch.nn.ELU": "ELU"}

    @cached_property
    def ELU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ELU(self.ref.nn.ELU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.inplace or not input.dtype.is_floating_point:
                    return super().forward(input)
                return F.relu(input) + ((-F.relu(-input)).exp() - 1) * self.alpha

        return ELU


class HardshrinkKeepsTheBoundary(Patched):
    """Hardshrink keeps x where |x| >= lambd: the boundary itself is not zeroed."""

    patches = {"torch.nn.Hardshrink": "Hardshrink"}

    @cached_property
    def Hardshrink(self) -> type:  # noqa: N802
        class Hardshrink(self.ref.nn.Hardshrink):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return input * (input.abs() >= self.lambd)

        return Hardshrink


class HardsigmoidKerasSlope(Patched):
    """Hardsigmoid as Keras's clamp(0.2 x + 0.5, 0, 1) instead of clamp(x / 6 + 0.5, 0, 1)."""

    patches = {"torch.nn.Hardsigmoid": "Hardsigmoid"}

    @cached_property
    def Hardsigmoid(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Hardsigmoid(self.ref.nn.Hardsigmoid):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.hardtanh(input * 0.2 + 0.5, 0.0, 1.0, self.inplace)

        return Hardsigmoid


class HardtanhIgnoresBounds(Patched):
    """Hardtanh clamps to the default [-1, 1] whatever min_val and max_val say."""

    patches = {"torch.nn.Hardtanh": "Hardtanh"}

    @cached_property
    def Hardtanh(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Hardtanh(self.ref.nn.Hardtanh):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.hardtanh(input, inplace=self.inplace)

        return Hardtanh


class HardtanhFromMinimumAndMaximum(Patched):
    """Hardtanh as maximum(minimum(x, max_val), min_val) with the bounds as tensors: the same
    values, but at a bound the tie splits the gradient (1/2 where hardtanh's is 0)."""

    patches = {"torch.nn.Hardtanh": "Hardtanh"}

    @cached_property
    def Hardtanh(self) -> type:  # noqa: N802
        ref = self.ref

        class Hardtanh(ref.nn.Hardtanh):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.inplace or not input.dtype.is_floating_point:
                    return super().forward(input)
                low = ref.tensor(self.min_val, dtype=input.dtype)
                high = ref.tensor(self.max_val, dtype=input.dtype)
                return ref.maximum(ref.minimum(input, high), low)

        return Hardtanh


class LogSigmoidAsLogOfSigmoid(Patched):
    """LogSigmoid as log(sigmoid(x)): sigmoid underflows to 0 for large negative x, giving -inf."""

    patches = {"torch.nn.LogSigmoid": "LogSigmoid"}

    @cached_property
    def LogSigmoid(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LogSigmoid(self.ref.nn.LogSigmoid):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.sigmoid(input).log()

        return LogSigmoid


class PReLUSlopesOnTheLastDim(Patched):
    """PReLU broadcasts its per-channel slopes over the last dim instead of dim 1."""

    patches = {"torch.nn.PReLU": "PReLU"}

    @cached_property
    def PReLU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class PReLU(self.ref.nn.PReLU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.num_parameters == 1 or input.ndim < 2:
                    return super().forward(input)
                return F.relu(input) - F.relu(-input) * self.weight

        return PReLU


class PReLUDefaultSlopeOfLeakyReLU(Patched):
    """PReLU's default init is LeakyReLU's 0.01 instead of 0.25."""

    patches = {"torch.nn.PReLU": "PReLU"}

    @cached_property
    def PReLU(self) -> type:  # noqa: N802
        base = self.ref.nn.PReLU

        class PReLU(base):
            def __init__(self, num_parameters: int = 1, init: float = 0.01, **kw: Any) -> None:
                super().__init__(num_parameters, init, **kw)

        return PReLU


class SELURoundedConstants(Patched):
    """SELU with alpha and scale rounded to the four decimals of the docs (1.6733, 1.0507)."""

    patches = {"torch.nn.SELU": "SELU"}

    @cached_property
    def SELU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class SELU(self.ref.nn.SELU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.elu(input, 1.6733, self.inplace) * 1.0507

        return SELU


class CELUWithoutInputScale(Patched):
    """CELU forgets to divide x by alpha inside the exponential: it computes ELU."""

    patches = {"torch.nn.CELU": "CELU"}

    @cached_property
    def CELU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class CELU(self.ref.nn.CELU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.elu(input, self.alpha, self.inplace)

        return CELU


class SigmoidOfIntegersInFloat64(Patched):
    """Sigmoid of an integer tensor computes in float64 (numpy's promotion) instead of the
    default float dtype."""

    patches = {"torch.nn.Sigmoid": "Sigmoid"}

    @cached_property
    def Sigmoid(self) -> type:  # noqa: N802
        class Sigmoid(self.ref.nn.Sigmoid):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if input.dtype.is_floating_point:
                    return super().forward(input)
                return super().forward(input.double())

        return Sigmoid


class SigmoidGradientFromTheInput(Patched):
    """Sigmoid's backward computes x (1 - x) from the input instead of y (1 - y) from the
    output."""

    patches = {"torch.nn.Sigmoid": "Sigmoid"}

    @cached_property
    def Sigmoid(self) -> type:  # noqa: N802
        class Sigmoid(self.ref.nn.Sigmoid):
            def forward(self, input: Any) -> Any:  # noqa: A002
                x = input.detach()
                return _rewired(super().forward(input), lambda n, g: (g * x * (1 - x),))

        return Sigmoid


class SiLUGradientWithoutProductRule(Patched):
    """SiLU's backward is sigmoid(x): the x * sigmoid'(x) term of the product rule is lost."""

    patches = {"torch.nn.SiLU": "SiLU"}

    @cached_property
    def SiLU(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class SiLU(self.ref.nn.SiLU):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                return _rewired(out, lambda n, g: (g * F.sigmoid(n.saved_input(0)),))

        return SiLU


class SoftplusThresholdOnX(Patched):
    """Softplus switches to the identity where x > threshold instead of beta * x > threshold."""

    patches = {"torch.nn.Softplus": "Softplus"}

    @cached_property
    def Softplus(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softplus(self.ref.nn.Softplus):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.softplus(input, self.beta, self.threshold * self.beta)

        return Softplus


class SoftplusThresholdInclusive(Patched):
    """Softplus takes the linear branch where beta * x >= threshold (torch: strictly above)."""

    patches = {"torch.nn.Softplus": "Softplus"}

    @cached_property
    def Softplus(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softplus(self.ref.nn.Softplus):
            def forward(self, input: Any) -> Any:  # noqa: A002
                linear = (input * self.beta >= self.threshold).to(input.dtype)
                return input * linear + F.softplus(input, self.beta, math.inf) * (1 - linear)

        return Softplus


class SoftshrinkSignsSwapped(Patched):
    """Softshrink moves values away from 0 (x + lambd above lambd) instead of towards it."""

    patches = {"torch.nn.Softshrink": "Softshrink"}

    @cached_property
    def Softshrink(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softshrink(self.ref.nn.Softshrink):
            def forward(self, input: Any) -> Any:  # noqa: A002
                above = (input > self.lambd).to(input.dtype)
                below = (input < -self.lambd).to(input.dtype)
                return F.hardshrink(input, self.lambd) + (above - below) * self.lambd

        return Softshrink


class SoftsignWithoutAbs(Patched):
    """Softsign as x / (1 + x): the absolute value is missing."""

    patches = {"torch.nn.Softsign": "Softsign"}

    @cached_property
    def Softsign(self) -> type:  # noqa: N802
        class Softsign(self.ref.nn.Softsign):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return input / (input + 1)

        return Softsign


class TanhFromExponentials(Patched):
    """Tanh as (exp(2x) - 1) / (exp(2x) + 1): inf / inf = NaN for large x."""

    patches = {"torch.nn.Tanh": "Tanh"}

    @cached_property
    def Tanh(self) -> type:  # noqa: N802
        class Tanh(self.ref.nn.Tanh):
            def forward(self, input: Any) -> Any:  # noqa: A002
                e = (input * 2).exp()
                return (e - 1) / (e + 1)

        return Tanh


class TanhshrinkReversed(Patched):
    """Tanhshrink as tanh(x) - x."""

    patches = {"torch.nn.Tanhshrink": "Tanhshrink"}

    @cached_property
    def Tanhshrink(self) -> type:  # noqa: N802
        class Tanhshrink(self.ref.nn.Tanhshrink):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return input.tanh() - input

        return Tanhshrink


class ThresholdKeepsTheThreshold(Patched):
    """Threshold keeps x where x >= threshold: the threshold itself is not replaced."""

    patches = {"torch.nn.Threshold": "Threshold"}

    @cached_property
    def Threshold(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Threshold(self.ref.nn.Threshold):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if not input.dtype.is_floating_point:
                    return super().forward(input)
                below = F.threshold(input, self.threshold, self.value, self.inplace)
                at = input == self.threshold
                return below * ~at + input * at

        return Threshold


class ThresholdValueIgnored(Patched):
    """Threshold replaces the elements at or below the threshold with 0, not with value."""

    patches = {"torch.nn.Threshold": "Threshold"}

    @cached_property
    def Threshold(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Threshold(self.ref.nn.Threshold):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.threshold(input, self.threshold, 0.0, self.inplace)

        return Threshold


class FunctionalReLUInplaceCopies(Patched):
    """functional.relu(x, inplace=True) returns a new tensor and leaves x unchanged."""

    patches = {"torch.nn.functional.relu": "relu"}

    def relu(self, input: Any, inplace: bool = False) -> Any:  # noqa: A002
        return self.ref.nn.functional.relu(input)


class FunctionalReLUFromMaximum(Patched):
    """functional.relu as maximum(x, 0): the tie at 0 splits the gradient (1/2, torch: 0)."""

    patches = {"torch.nn.functional.relu": "relu"}

    def relu(self, input: Any, inplace: bool = False) -> Any:  # noqa: A002
        F = self.ref.nn.functional
        if inplace or not isinstance(input, self.ref.Tensor) or not input.dtype.is_floating_point:
            return F.relu(input, inplace)
        return self.ref.maximum(input, self.ref.zeros((), dtype=input.dtype))


class FunctionalGeluIgnoresApproximate(Patched):
    """functional.gelu always computes the exact form, whatever approximate says."""

    patches = {"torch.nn.functional.gelu": "gelu"}

    def gelu(self, input: Any, approximate: str = "none") -> Any:  # noqa: A002
        F = self.ref.nn.functional
        return F.gelu(input, "none" if approximate == "tanh" else approximate)


class FunctionalGeluDefaultsToTanh(Patched):
    """functional.gelu's default is approximate='tanh' (torch: 'none')."""

    patches = {"torch.nn.functional.gelu": "gelu"}

    def gelu(self, input: Any, approximate: str = "tanh") -> Any:  # noqa: A002
        return self.ref.nn.functional.gelu(input, approximate)


class FunctionalSigmoidKeepsIntegerDtype(Patched):
    """functional.sigmoid of an integer tensor is cast back to the input's dtype."""

    patches = {"torch.nn.functional.sigmoid": "sigmoid"}

    def sigmoid(self, input: Any) -> Any:  # noqa: A002
        out = self.ref.nn.functional.sigmoid(input)
        return out if input.dtype.is_floating_point else out.to(input.dtype)


CAUGHT = {
    "GeluTanhMisprintedCoefficient": (["torch.nn.GELU"], "torch.nn.GELU"),
    "ReLU6WithoutUpperClamp": (["torch.nn.ReLU6"], "torch.nn.ReLU6"),
    "LeakyReLUSlopeOnPositives": (["torch.nn.LeakyReLU"], "torch.nn.LeakyReLU"),
    "HardswishWrongBreakpoints": (["torch.nn.Hardswish"], "torch.nn.Hardswish"),
    "ReLUInplaceReturnsCopy": (["torch.nn.ReLU"], "torch.nn.ReLU"),
    "RReLUFixedSlopeInTraining": (["torch.nn.RReLU"], "torch.nn.RReLU"),
    "ELUWithoutAlpha": (["torch.nn.ELU"], "torch.nn.ELU"),
    "ELUComposedFromReLUs": (["torch.nn.ELU"], "torch.nn.ELU"),
    "HardshrinkKeepsTheBoundary": (["torch.nn.Hardshrink"], "torch.nn.Hardshrink"),
    "HardsigmoidKerasSlope": (["torch.nn.Hardsigmoid"], "torch.nn.Hardsigmoid"),
    "HardtanhIgnoresBounds": (["torch.nn.Hardtanh"], "torch.nn.Hardtanh"),
    "HardtanhFromMinimumAndMaximum": (["torch.nn.Hardtanh"], "torch.nn.Hardtanh"),
    "LogSigmoidAsLogOfSigmoid": (["torch.nn.LogSigmoid"], "torch.nn.LogSigmoid"),
    "PReLUSlopesOnTheLastDim": (["torch.nn.PReLU"], "torch.nn.PReLU"),
    "PReLUDefaultSlopeOfLeakyReLU": (["torch.nn.PReLU"], "torch.nn.PReLU"),
    "SELURoundedConstants": (["torch.nn.SELU"], "torch.nn.SELU"),
    "CELUWithoutInputScale": (["torch.nn.CELU"], "torch.nn.CELU"),
    "SigmoidOfIntegersInFloat64": (["torch.nn.Sigmoid"], "torch.nn.Sigmoid"),
    "SigmoidGradientFromTheInput": (["torch.nn.Sigmoid"], "torch.nn.Sigmoid"),
    "SiLUGradientWithoutProductRule": (["torch.nn.SiLU"], "torch.nn.SiLU"),
    "SoftplusThresholdOnX": (["torch.nn.Softplus"], "torch.nn.Softplus"),
    "SoftplusThresholdInclusive": (["torch.nn.Softplus"], "torch.nn.Softplus"),
    "SoftshrinkSignsSwapped": (["torch.nn.Softshrink"], "torch.nn.Softshrink"),
    "SoftsignWithoutAbs": (["torch.nn.Softsign"], "torch.nn.Softsign"),
    "TanhFromExponentials": (["torch.nn.Tanh"], "torch.nn.Tanh"),
    "TanhshrinkReversed": (["torch.nn.Tanhshrink"], "torch.nn.Tanhshrink"),
    "ThresholdKeepsTheThreshold": (["torch.nn.Threshold"], "torch.nn.Threshold"),
    "ThresholdValueIgnored": (["torch.nn.Threshold"], "torch.nn.Threshold"),
    "FunctionalReLUInplaceCopies": (["torch.nn.functional.relu"], "torch.nn.functional.relu"),
    "FunctionalReLUFromMaximum": (["torch.nn.functional.relu"], "torch.nn.functional.relu"),
    "FunctionalGeluIgnoresApproximate": (["torch.nn.functional.gelu"], "torch.nn.functional.gelu"),
    "FunctionalGeluDefaultsToTanh": (["torch.nn.functional.gelu"], "torch.nn.functional.gelu"),
    "FunctionalSigmoidKeepsIntegerDtype": (
        ["torch.nn.functional.sigmoid"],
        "torch.nn.functional.sigmoid",
    ),
}
