"""``torch.nn``: the pooling modules."""

from __future__ import annotations

__all__: list[str] = []
