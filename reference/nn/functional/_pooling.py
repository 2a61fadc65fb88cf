"""``torch.nn.functional``: max, average, power-average, fractional and adaptive pooling,
max_unpool."""

from __future__ import annotations

__all__: list[str] = []
