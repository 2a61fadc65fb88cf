"""``torch.nn``: Softmax, Softmin, Softmax2d, LogSoftmax."""

from __future__ import annotations

__all__: list[str] = []
