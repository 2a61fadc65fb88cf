"""Broken adapters for the losses (16): realistic bugs in reductions, weights, smoothing,
numerics and subgradients. Each replaces one reference loss class with a subclass carrying the
bug."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from reference.nn._reduction import reduce
from tests.broken.autograd import _rewired
from tests.broken.base import Patched


class CrossEntropyMeanCountsIgnored(Patched):
    """CrossEntropyLoss's mean divides by every target, ignored ones included."""

    patches = {"torch.nn.CrossEntropyLoss": "CrossEntropyLoss"}

    @cached_property
    def CrossEntropyLoss(self) -> type:  # noqa: N802 - the class's own name
        F = self.ref.nn.functional

        class CrossEntropyLoss(self.ref.nn.CrossEntropyLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction != "mean" or input.shape == target.shape:
                    return super().forward(input, target)
                losses = F.cross_entropy(
                    input,
                    target,
                    weight=self.weight,
                    ignore_index=self.ignore_index,
                    reduction="none",
                    label_smoothing=self.label_smoothing,
                )
                return losses.mean()

        return CrossEntropyLoss


class WeightedNLLMeanOverN(Patched):
    """NLLLoss with class weights divides the weighted sum by N, not by the summed weights."""

    patches = {"torch.nn.NLLLoss": "NLLLoss"}

    @cached_property
    def NLLLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class NLLLoss(self.ref.nn.NLLLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction != "mean" or self.weight is None:
                    return super().forward(input, target)
                return F.nll_loss(
                    input, target, self.weight, ignore_index=self.ignore_index, reduction="none"
                ).mean()

        return NLLLoss


class LabelSmoothingOverOtherClasses(Patched):
    """label_smoothing spread over the C - 1 wrong classes (the true class gets 1 - s)."""

    patches = {"torch.nn.CrossEntropyLoss": "CrossEntropyLoss"}

    @cached_property
    def CrossEntropyLoss(self) -> type:  # noqa: N802
        ref = self.ref

        class CrossEntropyLoss(ref.nn.CrossEntropyLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                classes = input.shape[0 if input.dim() == 1 else 1]
                s = self.label_smoothing
                if s == 0 or classes < 2:
                    return super().forward(input, target)
                # s / C per class with weight (1 - s) on the truth is torch's; this bug
                # renormalises so the wrong classes share exactly s
                self.label_smoothing = s * classes / (classes - 1)
                try:
                    return super().forward(input, target)
                finally:
                    self.label_smoothing = s

        return CrossEntropyLoss


class NaiveBCEWithLogits(Patched):
    """BCEWithLogitsLoss as BCE of sigmoid(x) with plain logs: overflows for large logits."""

    patches = {"torch.nn.BCEWithLogitsLoss": "BCEWithLogitsLoss"}

    @cached_property
    def BCEWithLogitsLoss(self) -> type:  # noqa: N802
        ref = self.ref

        class BCEWithLogitsLoss(ref.nn.BCEWithLogitsLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                p = 1 / ((-input).exp() + 1)
                pos = self.pos_weight if self.pos_weight is not None else 1
                losses = -(target * p.log() * pos + (1 - target) * (1 - p).log())
                if self.weight is not None:
                    losses = losses * self.weight
                if self.reduction == "none":
                    return losses
                return losses.mean() if self.reduction == "mean" else losses.sum()

        return BCEWithLogitsLoss


class SmoothL1BetaMisapplied(Patched):
    """SmoothL1Loss forgets to divide the quadratic piece by beta (Huber's form)."""

    patches = {"torch.nn.SmoothL1Loss": "SmoothL1Loss"}

    @cached_property
    def SmoothL1Loss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class SmoothL1Loss(self.ref.nn.SmoothL1Loss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.beta == 0:
                    return super().forward(input, target)
                return F.huber_loss(input, target, reduction=self.reduction, delta=self.beta)

        return SmoothL1Loss


class KLDivBatchmeanOverNumel(Patched):
    """KLDivLoss 'batchmean' divides by the number of elements instead of the batch size."""

    patches = {"torch.nn.KLDivLoss": "KLDivLoss"}

    @cached_property
    def KLDivLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class KLDivLoss(self.ref.nn.KLDivLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction != "batchmean":
                    return super().forward(input, target)
                total = F.kl_div(input, target, reduction="sum", log_target=self.log_target)
                return total / max(input.numel(), 1)

        return KLDivLoss


class L1MeanReturnsTheSum(Patched):
    """L1Loss hands 'mean' over as 'sum': the mean is never divided by the element count."""

    patches = {"torch.nn.L1Loss": "L1Loss"}

    @cached_property
    def L1Loss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class L1Loss(self.ref.nn.L1Loss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                reduction = "sum" if self.reduction == "mean" else self.reduction
                return F.l1_loss(input, target, reduction=reduction)

        return L1Loss


class L1AsRootOfSquare(Patched):
    """L1Loss as sqrt((x - y)^2): the right values, but a NaN gradient where x == y (torch's
    subgradient there is 0)."""

    patches = {"torch.nn.L1Loss": "L1Loss"}

    @cached_property
    def L1Loss(self) -> type:  # noqa: N802
        class L1Loss(self.ref.nn.L1Loss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                d = input - target
                return reduce((d * d).sqrt(), self.reduction)

        return L1Loss


class MSEMeanOverTheBatch(Patched):
    """MSELoss's mean divides the sum by the batch size (dim 0) instead of every element."""

    patches = {"torch.nn.MSELoss": "MSELoss"}

    @cached_property
    def MSELoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MSELoss(self.ref.nn.MSELoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction != "mean" or input.ndim == 0:
                    return super().forward(input, target)
                return F.mse_loss(input, target, reduction="sum") / max(input.shape[0], 1)

        return MSELoss


class MSEGradientMissesTheTwo(Patched):
    """MSELoss's backward is the difference itself: the factor 2 of d(x - y)^2 is lost."""

    patches = {"torch.nn.MSELoss": "MSELoss"}

    @cached_property
    def MSELoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MSELoss(self.ref.nn.MSELoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                squared = F.mse_loss(input, target, reduction="none")  # the node d * d
                half = lambda n, g: (g * n.saved_input(0) * 0.5,) * 2  # noqa: E731
                return reduce(_rewired(squared, half), self.reduction)

        return MSELoss


class PoissonStirlingFromOne(Patched):
    """PoissonNLLLoss(full=True) adds Stirling's term where target >= 1 (torch: > 1; at 1 the
    term is log(2 pi) / 2 - 1, not 0)."""

    patches = {"torch.nn.PoissonNLLLoss": "PoissonNLLLoss"}

    @cached_property
    def PoissonNLLLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class PoissonNLLLoss(self.ref.nn.PoissonNLLLoss):
            def forward(self, log_input: Any, target: Any) -> Any:
                if not self.full:
                    return super().forward(log_input, target)
                loss = F.poisson_nll_loss(
                    log_input, target, self.log_input, True, eps=self.eps, reduction="none"
                )
                at_one = (target == 1) * (0.5 * math.log(2 * math.pi) - 1)
                return reduce(loss + at_one, self.reduction)

        return PoissonNLLLoss


class PoissonEpsIgnored(Patched):
    """PoissonNLLLoss(log_input=False) takes log(input) without adding eps."""

    patches = {"torch.nn.PoissonNLLLoss": "PoissonNLLLoss"}

    @cached_property
    def PoissonNLLLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class PoissonNLLLoss(self.ref.nn.PoissonNLLLoss):
            def forward(self, log_input: Any, target: Any) -> Any:
                eps = self.eps if self.log_input else 0.0
                return F.poisson_nll_loss(
                    log_input, target, self.log_input, self.full, eps=eps, reduction=self.reduction
                )

        return PoissonNLLLoss


class BCEWithoutLogClamp(Patched):
    """BCELoss takes plain logs: a confident wrong prediction gives inf, not 100."""

    patches = {"torch.nn.BCELoss": "BCELoss"}

    @cached_property
    def BCELoss(self) -> type:  # noqa: N802
        class BCELoss(self.ref.nn.BCELoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                loss = -(target * input.log() + (1 - target) * (1 - input).log())
                if self.weight is not None:
                    loss = loss * self.weight
                return reduce(loss, self.reduction)

        return BCELoss


class BCEWeightIgnored(Patched):
    """BCELoss stores its weight buffer but never multiplies the losses by it."""

    patches = {"torch.nn.BCELoss": "BCELoss"}

    @cached_property
    def BCELoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class BCELoss(self.ref.nn.BCELoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                return F.binary_cross_entropy(input, target, reduction=self.reduction)

        return BCELoss


CAUGHT = {
    "CrossEntropyMeanCountsIgnored": (["torch.nn.CrossEntropyLoss"], "torch.nn.CrossEntropyLoss"),
    "WeightedNLLMeanOverN": (["torch.nn.NLLLoss"], "torch.nn.NLLLoss"),
    "LabelSmoothingOverOtherClasses": (["torch.nn.CrossEntropyLoss"], "torch.nn.CrossEntropyLoss"),
    "NaiveBCEWithLogits": (["torch.nn.BCEWithLogitsLoss"], "torch.nn.BCEWithLogitsLoss"),
    "SmoothL1BetaMisapplied": (["torch.nn.SmoothL1Loss"], "torch.nn.SmoothL1Loss"),
    "KLDivBatchmeanOverNumel": (["torch.nn.KLDivLoss"], "torch.nn.KLDivLoss"),
    "L1MeanReturnsTheSum": (["torch.nn.L1Loss"], "torch.nn.L1Loss"),
    "L1AsRootOfSquare": (["torch.nn.L1Loss"], "torch.nn.L1Loss"),
    "MSEMeanOverTheBatch": (["torch.nn.MSELoss"], "torch.nn.MSELoss"),
    "MSEGradientMissesTheTwo": (["torch.nn.MSELoss"], "torch.nn.MSELoss"),
    "PoissonStirlingFromOne": (["torch.nn.PoissonNLLLoss"], "torch.nn.PoissonNLLLoss"),
    "PoissonEpsIgnored": (["torch.nn.PoissonNLLLoss"], "torch.nn.PoissonNLLLoss"),
    "BCEWithoutLogClamp": (["torch.nn.BCELoss"], "torch.nn.BCELoss"),
    "BCEWeightIgnored": (["torch.nn.BCELoss"], "torch.nn.BCELoss"),
}
