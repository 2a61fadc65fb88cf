"""Numpy oracles of torch.nn: multi-head attention."""

from __future__ import annotations

__all__: list[str] = []
