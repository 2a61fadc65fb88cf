"""Broken adapters for the losses (6): realistic bugs in reductions, weights, smoothing and
numerics. Each replaces one reference loss class with a subclass carrying the bug."""

from __future__ import annotations

from functools import cached_property
from typing import Any

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


CAUGHT = {
    "CrossEntropyMeanCountsIgnored": (["torch.nn.CrossEntropyLoss"], "torch.nn.CrossEntropyLoss"),
    "WeightedNLLMeanOverN": (["torch.nn.NLLLoss"], "torch.nn.NLLLoss"),
    "LabelSmoothingOverOtherClasses": (["torch.nn.CrossEntropyLoss"], "torch.nn.CrossEntropyLoss"),
    "NaiveBCEWithLogits": (["torch.nn.BCEWithLogitsLoss"], "torch.nn.BCEWithLogitsLoss"),
    "SmoothL1BetaMisapplied": (["torch.nn.SmoothL1Loss"], "torch.nn.SmoothL1Loss"),
    "KLDivBatchmeanOverNumel": (["torch.nn.KLDivLoss"], "torch.nn.KLDivLoss"),
}
