"""Numpy oracles of torch.nn: normalization."""

from __future__ import annotations

__all__: list[str] = []
