"""``torch.nn``: CTCLoss."""

from __future__ import annotations

from collections.abc import Sequence

from .._tensor import Tensor
from . import functional as F  # noqa: N812
from ._reduction import Loss

__all__ = ["CTCLoss"]


class CTCLoss(Loss):
    """Connectionist Temporal Classification loss over all alignments of each target."""

    __constants__ = ["blank", "reduction"]

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self,
        log_probs: Tensor,
        targets: Tensor,
        input_lengths: Tensor | Sequence[int],
        target_lengths: Tensor | Sequence[int],
    ) -> Tensor:
        return F.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )
