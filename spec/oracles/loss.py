"""Numpy oracles of torch.nn: loss."""

from __future__ import annotations

__all__: list[str] = []
