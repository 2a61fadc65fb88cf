"""Broken adapters for the margin, embedding and CTC losses (7): realistic bugs in options that
are easy to drop. Each replaces one reference loss class with a subclass carrying the bug."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


class CTCBlankAlwaysZero(Patched):
    """CTCLoss stores ``blank`` but always runs the recursion with class 0 as the blank."""

    patches = {"torch.nn.CTCLoss": "CTCLoss"}

    @cached_property
    def CTCLoss(self) -> type:  # noqa: N802 - the class's own name
        F = self.ref.nn.functional

        class CTCLoss(self.ref.nn.CTCLoss):
            def forward(self, log_probs: Any, targets: Any, il: Any, tl: Any) -> Any:
                return F.ctc_loss(log_probs, targets, il, tl, 0, self.reduction, self.zero_infinity)

        return CTCLoss


class CTCZeroInfinityIgnored(Patched):
    """CTCLoss(zero_infinity=True) still returns inf for targets the input cannot align."""

    patches = {"torch.nn.CTCLoss": "CTCLoss"}

    @cached_property
    def CTCLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class CTCLoss(self.ref.nn.CTCLoss):
            def forward(self, log_probs: Any, targets: Any, il: Any, tl: Any) -> Any:
                return F.ctc_loss(log_probs, targets, il, tl, self.blank, self.reduction, False)

        return CTCLoss


class CTCMeanOverBatchOnly(Patched):
    """CTCLoss's mean averages the losses without dividing each by its target length."""

    patches = {"torch.nn.CTCLoss": "CTCLoss"}

    @cached_property
    def CTCLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class CTCLoss(self.ref.nn.CTCLoss):
            def forward(self, log_probs: Any, targets: Any, il: Any, tl: Any) -> Any:
                if self.reduction != "mean":
                    return super().forward(log_probs, targets, il, tl)
                return F.ctc_loss(
                    log_probs, targets, il, tl, self.blank, "none", self.zero_infinity
                ).mean()

        return CTCLoss


class MultiMarginSquareDropped(Patched):
    """MultiMarginLoss(p=2) sums the plain hinge, as for p=1."""

    patches = {"torch.nn.MultiMarginLoss": "MultiMarginLoss"}

    @cached_property
    def MultiMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MultiMarginLoss(self.ref.nn.MultiMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                return F.multi_margin_loss(
                    input, target, 1, self.margin, self.weight, reduction=self.reduction
                )

        return MultiMarginLoss


class MarginRankingMarginSubtracted(Patched):
    """MarginRankingLoss computes max(0, -y (x1 - x2) - margin): the margin's sign flipped."""

    patches = {"torch.nn.MarginRankingLoss": "MarginRankingLoss"}

    @cached_property
    def MarginRankingLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MarginRankingLoss(self.ref.nn.MarginRankingLoss):
            def forward(self, input1: Any, input2: Any, target: Any) -> Any:
                return F.margin_ranking_loss(
                    input1, input2, target, margin=-self.margin, reduction=self.reduction
                )

        return MarginRankingLoss


class TripletSwapIgnored(Patched):
    """TripletMarginLoss(swap=True) never considers the positive-negative distance."""

    patches = {"torch.nn.TripletMarginLoss": "TripletMarginLoss"}

    @cached_property
    def TripletMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class TripletMarginLoss(self.ref.nn.TripletMarginLoss):
            def forward(self, anchor: Any, positive: Any, negative: Any) -> Any:
                return F.triplet_margin_loss(
                    anchor,
                    positive,
                    negative,
                    margin=self.margin,
                    p=self.p,
                    eps=self.eps,
                    swap=False,
                    reduction=self.reduction,
                )

        return TripletMarginLoss


class CosineDissimilarMarginDropped(Patched):
    """CosineEmbeddingLoss's y = -1 branch is max(0, cos): the margin is never subtracted."""

    patches = {"torch.nn.CosineEmbeddingLoss": "CosineEmbeddingLoss"}

    @cached_property
    def CosineEmbeddingLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class CosineEmbeddingLoss(self.ref.nn.CosineEmbeddingLoss):
            def forward(self, input1: Any, input2: Any, target: Any) -> Any:
                return F.cosine_embedding_loss(
                    input1, input2, target, margin=0.0, reduction=self.reduction
                )

        return CosineEmbeddingLoss


CAUGHT = {
    "CTCBlankAlwaysZero": (["torch.nn.CTCLoss"], "torch.nn.CTCLoss"),
    "CTCZeroInfinityIgnored": (["torch.nn.CTCLoss"], "torch.nn.CTCLoss"),
    "CTCMeanOverBatchOnly": (["torch.nn.CTCLoss"], "torch.nn.CTCLoss"),
    "MultiMarginSquareDropped": (["torch.nn.MultiMarginLoss"], "torch.nn.MultiMarginLoss"),
    "MarginRankingMarginSubtracted": (["torch.nn.MarginRankingLoss"], "torch.nn.MarginRankingLoss"),
    "TripletSwapIgnored": (["torch.nn.TripletMarginLoss"], "torch.nn.TripletMarginLoss"),
    "CosineDissimilarMarginDropped": (
        ["torch.nn.CosineEmbeddingLoss"],
        "torch.nn.CosineEmbeddingLoss",
    ),
}
