"""Numpy oracles of torch.nn: softmax."""

from __future__ import annotations

__all__: list[str] = []
