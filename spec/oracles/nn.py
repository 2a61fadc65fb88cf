"""Numpy oracles of torch.nn layers (and their torch.nn.functional forms)."""

from __future__ import annotations

import numpy as np

__all__ = ["bilinear", "linear"]


def _wide(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else np.asarray(x, dtype=np.float64)


def linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``input @ weight.T + bias`` over the last dim of ``input``; ``weight`` may be 1-d."""
    x, w, b = _wide(input), _wide(weight), _wide(bias)
    y = x @ w.T if w.ndim == 2 else x @ w
    if b is not None:
        y = y + b
    return y.astype(np.result_type(input, weight))


def bilinear(
    input1: np.ndarray, input2: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
) -> np.ndarray:
    """``y[..., k] = sum_ij input1[..., i] * weight[k, i, j] * input2[..., j] + bias[k]``."""
    x1, x2, w, b = _wide(input1), _wide(input2), _wide(weight), _wide(bias)
    y = np.einsum("...i,kij,...j->...k", x1, w, x2)
    if b is not None:
        y = y + b
    return y.astype(np.result_type(input1, input2, weight))
