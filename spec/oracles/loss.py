"""Numpy oracles of torch.nn's regression and classification losses (and their functional
forms): l1, mse, smooth_l1, nll, cross_entropy, poisson_nll, kl_div, binary cross entropy.

Each computes in float64 with the numerically careful formulas (log-sum-exp for log-softmax,
``log1p(exp(-|x|))`` for the logistic loss) and returns the dtype torch gives.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "kl_div",
    "l1_loss",
    "loss_magnitude",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
]


def _wide(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else np.asarray(x, dtype=np.float64)


def _reduced(loss: np.ndarray, reduction: str, dtype: np.dtype) -> np.ndarray:
    """``loss``, its mean or its sum (``'batchmean'``: the sum over the batch size)."""
    if reduction == "mean":
        loss = loss.mean() if loss.size else np.float64(np.nan)
    elif reduction == "sum":
        loss = loss.sum()
    elif reduction == "batchmean":
        loss = loss.sum() / (loss.shape[0] if loss.ndim else 1)
    return np.asarray(loss).astype(dtype)


def _dtype(*arrays: np.ndarray) -> np.dtype:
    return np.result_type(*arrays)


def l1_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """``|input - target|`` (broadcast), reduced."""
    return _reduced(np.abs(_wide(input) - _wide(target)), reduction, _dtype(input, target))


def mse_loss(input: np.ndarray, target: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """``(input - target)^2`` (broadcast), reduced."""
    return _reduced((_wide(input) - _wide(target)) ** 2, reduction, _dtype(input, target))


def smooth_l1_loss(
    input: np.ndarray, target: np.ndarray, reduction: str = "mean", beta: float = 1.0
) -> np.ndarray:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``beta=0``: ``|d|``)."""
    z = np.abs(_wide(input) - _wide(target))
    loss = z if beta == 0 else np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    return _reduced(loss, reduction, _dtype(input, target))


def _class_last(x: np.ndarray) -> np.ndarray:
    """``(N, C, d1, ...)`` as ``(N, d1, ..., C)``; ``(C,)`` as ``(1, C)``."""
    return x[None] if x.ndim == 1 else np.moveaxis(x, 1, -1)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis, the maximum subtracted first."""
    top = np.max(x, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = x - top
    with np.errstate(divide="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _picked(logp: np.ndarray, target: np.ndarray, weight, ignore_index: int):
    """``(-w[t] * logp[..., t], w[t])`` per position (zeros where ignored)."""
    t = np.asarray(target, dtype=np.int64).reshape(logp.shape[:-1])
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    w = np.ones(logp.shape[-1]) if weight is None else _wide(weight)
    wt = np.where(keep, w[safe], 0.0)
    value = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    return np.where(keep, -wt * value, 0.0), wt, keep


def nll_loss(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    """``-weight[t] * input[n, t, ...]``; the mean divides by the summed weights of the
    positions not ignored."""
    loss, wt, _ = _picked(_class_last(_wide(input)), target, weight, ignore_index)
    if np.ndim(input) == 1:
        loss = loss.reshape(())
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(loss.sum() / wt.sum()).astype(input.dtype)
    return _reduced(loss, reduction, input.dtype)


def cross_entropy(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """``nll_loss(log_softmax(input))`` for class indices, ``-sum(p log_softmax(input))`` for
    class probabilities ``p`` (``target`` of the input's shape); ``label_smoothing`` mixes the
    target with the uniform distribution over the C classes."""
    logp = _log_softmax(_class_last(_wide(input)))
    classes = logp.shape[-1]
    w = np.ones(classes) if weight is None else _wide(weight)
    if np.shape(target) == np.shape(input):
        p = _class_last(_wide(target)) * (1 - label_smoothing) + label_smoothing / classes
        loss = -(logp * p * w).sum(-1)
        loss = loss.reshape(()) if np.ndim(input) == 1 else loss
        if reduction == "mean":
            loss = loss.sum() / (np.size(input) // classes) if np.size(input) else np.nan
            return np.asarray(loss).astype(input.dtype)
        return _reduced(loss, reduction, input.dtype)
    nll, wt, keep = _picked(logp, target, weight, ignore_index)
    smooth = np.where(keep, -(logp * w).sum(-1), 0.0)
    if np.ndim(input) == 1:
        nll, smooth = nll.reshape(()), smooth.reshape(())
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            nll = nll.sum() / wt.sum()
            smooth = smooth.sum() / (keep.sum() if weight is None else wt.sum())
    elif reduction == "sum":
        nll, smooth = nll.sum(), smooth.sum()
    loss = (1 - label_smoothing) * nll + label_smoothing / classes * smooth
    return np.asarray(loss).astype(input.dtype)


def poisson_nll_loss(
    input: np.ndarray,
    target: np.ndarray,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> np.ndarray:
    """``exp(x) - t x`` (``log_input``) or ``x - t log(x + eps)``, plus Stirling's
    ``t log t - t + log(2 pi t) / 2`` where ``t > 1`` when ``full``."""
    x, t = _wide(input), _wide(target)
    loss = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t)
        loss = loss + np.where(t > 1, stirling, 0.0)
    return _reduced(loss, reduction, _dtype(input, target))


def kl_div(
    input: np.ndarray, target: np.ndarray, reduction: str = "mean", log_target: bool = False
) -> np.ndarray:
    """``t (log t - x)`` (0 where ``t == 0``), or ``exp(t) (t - x)`` with ``log_target``."""
    x, t = _wide(input), _wide(target)
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            xlogx = np.where(t == 0, 0.0, t * np.log(t))
        loss = xlogx - t * x
    if reduction == "batchmean" and np.ndim(input) == 0:
        reduction = "sum"
    if reduction == "batchmean":
        loss = np.broadcast_to(loss, np.broadcast_shapes(np.shape(input), np.shape(target)))
        return np.asarray(loss.sum() / np.shape(input)[0]).astype(_dtype(input, target))
    return _reduced(loss, reduction, _dtype(input, target))


def binary_cross_entropy(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """``-(t log x + (1 - t) log(1 - x))`` with each log clamped at -100, times ``weight``."""
    x, t = _wide(input), _wide(target)
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if weight is not None:
        loss = loss * _wide(weight)
    return _reduced(loss, reduction, input.dtype)


def binary_cross_entropy_with_logits(
    input: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray | None = None,
    pos_weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``, times ``weight``, with
    ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))``."""
    x, t = _wide(input), _wide(target)
    softplus = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    scale = 1.0 if pos_weight is None else 1 + (_wide(pos_weight) - 1) * t
    loss = (1 - t) * x + scale * softplus
    if weight is not None:
        loss = loss * _wide(weight)
    return _reduced(loss, reduction, input.dtype)


def loss_magnitude(pointwise: np.ndarray, reduction: str) -> np.ndarray:
    """The reduction of ``|pointwise|`` (0 for an empty mean): the accumulated magnitude
    behind a reduced loss, for accuracy bounds."""
    a = np.abs(_wide(pointwise))
    if reduction == "none":
        return a
    if reduction == "sum" or (reduction == "batchmean" and a.ndim == 0):
        return np.asarray(a.sum())
    if reduction == "batchmean":
        return np.asarray(a.sum() / max(a.shape[0], 1))
    return np.asarray(a.mean() if a.size else 0.0)
