"""``torch.nn``: the margin and embedding loss modules."""

from __future__ import annotations

__all__: list[str] = []
