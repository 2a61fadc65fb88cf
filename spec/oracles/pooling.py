"""Numpy oracles of torch.nn: pooling."""

from __future__ import annotations

__all__: list[str] = []
