"""``torch.nn``: L1Loss, MSELoss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, PoissonNLLLoss,
KLDivLoss, BCELoss, BCEWithLogitsLoss."""

from __future__ import annotations

__all__: list[str] = []
