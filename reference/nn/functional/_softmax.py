"""``torch.nn.functional``: softmax, log_softmax, softmin and glu."""

from __future__ import annotations

__all__: list[str] = []
