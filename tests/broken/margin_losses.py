"""Broken adapters for the margin, embedding and CTC losses (14): realistic bugs in options
that are easy to drop, in padding conventions, normalisations, numerics and subgradients.
Each replaces one reference loss class with a subclass carrying the bug."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from reference.nn._reduction import reduce
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


class HingeMarginNotPassed(Patched):
    """HingeEmbeddingLoss forgets to hand its margin to the functional form (always 1.0)."""

    patches = {"torch.nn.HingeEmbeddingLoss": "HingeEmbeddingLoss"}

    @cached_property
    def HingeEmbeddingLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class HingeEmbeddingLoss(self.ref.nn.HingeEmbeddingLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                return F.hinge_embedding_loss(input, target, reduction=self.reduction)

        return HingeEmbeddingLoss


class HingeFromReLU(Patched):
    """HingeEmbeddingLoss's hinge as relu(margin - x): the right values, but at x == margin the
    gradient is 0 (torch's kernel passes -1 there)."""

    patches = {"torch.nn.HingeEmbeddingLoss": "HingeEmbeddingLoss"}

    @cached_property
    def HingeEmbeddingLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class HingeEmbeddingLoss(self.ref.nn.HingeEmbeddingLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                hinge = (target != 1) * F.relu(self.margin - input)
                return reduce(hinge + input * (target != -1), self.reduction)

        return HingeEmbeddingLoss


class MultiLabelMarginSkipsPadding(Patched):
    """MultiLabelMarginLoss skips the -1 entries of a target row instead of stopping at the
    first one: the labels after it count too."""

    patches = {"torch.nn.MultiLabelMarginLoss": "MultiLabelMarginLoss"}

    @cached_property
    def MultiLabelMarginLoss(self) -> type:  # noqa: N802
        ref = self.ref
        F = ref.nn.functional

        class MultiLabelMarginLoss(ref.nn.MultiLabelMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                y = target.numpy()
                packed = np.take_along_axis(y, np.argsort(y == -1, -1, kind="stable"), -1)
                packed = ref.tensor(packed, dtype=target.dtype)
                return F.multilabel_margin_loss(input, packed, reduction=self.reduction)

        return MultiLabelMarginLoss


class MultiLabelMarginNotOverClasses(Patched):
    """MultiLabelMarginLoss sums each sample's hinges without dividing by the class count."""

    patches = {"torch.nn.MultiLabelMarginLoss": "MultiLabelMarginLoss"}

    @cached_property
    def MultiLabelMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MultiLabelMarginLoss(self.ref.nn.MultiLabelMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                loss = F.multilabel_margin_loss(input, target, reduction=self.reduction)
                return loss * input.shape[-1] if input.ndim else loss

        return MultiLabelMarginLoss


class SoftMarginMeanOverTheBatch(Patched):
    """SoftMarginLoss's mean divides the sum by the batch size (dim 0), not every element."""

    patches = {"torch.nn.SoftMarginLoss": "SoftMarginLoss"}

    @cached_property
    def SoftMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class SoftMarginLoss(self.ref.nn.SoftMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction != "mean" or input.ndim == 0:
                    return super().forward(input, target)
                return F.soft_margin_loss(input, target, reduction="sum") / max(input.shape[0], 1)

        return SoftMarginLoss


class MultiLabelSoftMarginWeightIgnored(Patched):
    """MultiLabelSoftMarginLoss registers its weight but never applies it."""

    patches = {"torch.nn.MultiLabelSoftMarginLoss": "MultiLabelSoftMarginLoss"}

    @cached_property
    def MultiLabelSoftMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MultiLabelSoftMarginLoss(self.ref.nn.MultiLabelSoftMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                return F.multilabel_soft_margin_loss(input, target, reduction=self.reduction)

        return MultiLabelSoftMarginLoss


class MultiLabelSoftMarginNaiveLogSigmoid(Patched):
    """MultiLabelSoftMarginLoss takes log(sigmoid(x)): sigmoid rounds to 0 or 1 for large |x|,
    and a confident wrong logit gives inf instead of |x|."""

    patches = {"torch.nn.MultiLabelSoftMarginLoss": "MultiLabelSoftMarginLoss"}

    @cached_property
    def MultiLabelSoftMarginLoss(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class MultiLabelSoftMarginLoss(self.ref.nn.MultiLabelSoftMarginLoss):
            def forward(self, input: Any, target: Any) -> Any:  # noqa: A002
                if self.reduction not in ("none", "mean", "sum"):
                    return super().forward(input, target)  # torch's own error message
                p = F.sigmoid(input)
                loss = -(target * p.log() + (1 - target) * (1 - p).log())
                if self.weight is not None:
                    loss = loss * self.weight
                loss = loss.sum(-1) / input.size(-1)
                return reduce(loss, self.reduction)

        return MultiLabelSoftMarginLoss


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
    "HingeMarginNotPassed": (["torch.nn.HingeEmbeddingLoss"], "torch.nn.HingeEmbeddingLoss"),
    "HingeFromReLU": (["torch.nn.HingeEmbeddingLoss"], "torch.nn.HingeEmbeddingLoss"),
    "MultiLabelMarginSkipsPadding": (
        ["torch.nn.MultiLabelMarginLoss"],
        "torch.nn.MultiLabelMarginLoss",
    ),
    "MultiLabelMarginNotOverClasses": (
        ["torch.nn.MultiLabelMarginLoss"],
        "torch.nn.MultiLabelMarginLoss",
    ),
    "SoftMarginMeanOverTheBatch": (["torch.nn.SoftMarginLoss"], "torch.nn.SoftMarginLoss"),
    "MultiLabelSoftMarginWeightIgnored": (
        ["torch.nn.MultiLabelSoftMarginLoss"],
        "torch.nn.MultiLabelSoftMarginLoss",
    ),
    "MultiLabelSoftMarginNaiveLogSigmoid": (
        ["torch.nn.MultiLabelSoftMarginLoss"],
        "torch.nn.MultiLabelSoftMarginLoss",
    ),
}
