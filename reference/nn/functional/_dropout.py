"""Dropout: each element zeroed with probability ``p`` in training, the kept ones scaled by
``1 / (1 - p)``; the identity otherwise.

The mask is torch's ``bernoulli_(1 - p)`` on the CPU generator: element ``i`` is kept when the
``i``-th float64 uniform (53 random bits) is below ``1 - p``, so after the same
``manual_seed`` the masks are torch's (where its CPU build draws them so; some builds route
``bernoulli_`` through MKL).
"""

from __future__ import annotations

from ..._dtypes import float64
from ..._random import rand
from ..._tensor import Tensor

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero elements with probability ``p`` when ``training`` (torch's argument checks)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:  # no draw
        kept = input * 0.0
    else:
        noise = (rand(input.shape, dtype=float64, device=input.device) < 1.0 - p).to(input.dtype)
        kept = input * (noise / (1.0 - p))
    return input.copy_(kept) if inplace else kept
