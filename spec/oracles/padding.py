"""Numpy oracles of torch.nn: padding (``F.pad`` in every mode, the padding modules)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["pad_nd"]

_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _amounts(pad: int | Sequence[int], ndim: int) -> list[int]:
    return [int(pad)] * (2 * ndim) if np.isscalar(pad) else [int(p) for p in pad]


def pad_nd(
    input: np.ndarray,  # noqa: A002
    pad: int | Sequence[int],
    mode: str = "constant",
    value: float | None = None,
    spatial: int | None = None,
) -> np.ndarray:
    """``F.pad``: ``pad`` is ``(left, right)`` per dimension from the last one backwards (an
    int pads every side of the last ``spatial`` dims). Negative amounts crop first; the
    remaining part is then padded (circular padding wraps within what is kept)."""
    amounts = _amounts(pad, spatial or 0)
    pairs = [(0, 0)] * input.ndim
    for i in range(len(amounts) // 2):
        pairs[input.ndim - 1 - i] = (amounts[2 * i], amounts[2 * i + 1])
    kept = tuple(
        slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(input.shape, pairs, strict=True)
    )
    cropped = input[kept]
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "constant":
        return np.pad(cropped, grow, mode="constant", constant_values=value or 0)
    return np.pad(cropped, grow, mode=_NUMPY_MODE[mode])
