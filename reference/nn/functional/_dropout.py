"""Dropout: each element zeroed with probability ``p`` in training, the kept ones scaled by
``1 / (1 - p)``; the identity otherwise."""

from __future__ import annotations

from ..._random import rand_like
from ..._tensor import Tensor

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero elements with probability ``p`` when ``training`` (torch's argument checks)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    kept = input * 0.0 if p == 1.0 else input * (rand_like(input) >= p) / (1.0 - p)
    return input.copy_(kept) if inplace else kept
