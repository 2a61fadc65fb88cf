"""``torch.nn``: the elementwise activation modules (ReLU, GELU, PReLU, RReLU, ...)."""

from __future__ import annotations

__all__: list[str] = []
