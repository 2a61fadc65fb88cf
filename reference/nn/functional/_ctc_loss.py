"""``torch.nn.functional``: ctc_loss."""

from __future__ import annotations

__all__: list[str] = []
