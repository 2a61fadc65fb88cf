"""Numpy oracles of torch.nn: activation."""

from __future__ import annotations

__all__: list[str] = []
