"""Numpy oracles of torch.nn: vision."""

from __future__ import annotations

__all__: list[str] = []
