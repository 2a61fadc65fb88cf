"""Numpy oracles of torch.nn: margin_loss."""

from __future__ import annotations

__all__: list[str] = []
