"""Numpy oracles of torch.nn's margin and embedding losses and of CTCLoss.

Each computes in float64 and returns the dtype torch gives; ``reduction`` is ``'none'``,
``'mean'`` or ``'sum'``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "cosine_embedding_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "ctc_loss",
]


def _f64(x: np.ndarray | None) -> np.ndarray | None:
    return None if x is None else np.asarray(x, dtype=np.float64)


def _reduce(loss: np.ndarray, reduction: str, empty_mean: float = np.nan) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    return np.asarray(loss.mean() if loss.size else empty_mean)


def margin_ranking_loss(
    input1: np.ndarray,
    input2: np.ndarray,
    target: np.ndarray,
    margin: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    """``max(0, -target * (input1 - input2) + margin)``."""
    x1, x2, y = _f64(input1), _f64(input2), _f64(target)
    loss = np.maximum(-y * (x1 - x2) + margin, 0.0)
    return _reduce(loss, reduction).astype(np.result_type(input1, input2, target))


def hinge_embedding_loss(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    margin: float = 1.0,
    reduction: str = "mean",
) -> np.ndarray:
    """``x`` where the target is not -1 plus ``max(0, margin - x)`` where it is not 1."""
    x, y = np.broadcast_arrays(_f64(input), np.asarray(target))
    loss = np.where(y != 1, np.maximum(margin - x, 0.0), 0.0) + np.where(y != -1, x, 0.0)
    return _reduce(loss, reduction).astype(np.asarray(input).dtype)


def soft_margin_loss(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    reduction: str = "mean",
) -> np.ndarray:
    """``log(1 + exp(-target * input))``."""
    loss = np.logaddexp(0.0, -_f64(input) * _f64(target))
    return _reduce(loss, reduction).astype(np.result_type(input, target))


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def multilabel_soft_margin_loss(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """The (weighted) logistic losses of each class, averaged over the last dim."""
    x, y = _f64(input), _f64(target)
    loss = -(y * _log_sigmoid(x) + (1 - y) * _log_sigmoid(-x))
    if weight is not None:
        loss = loss * _f64(weight)
    loss = loss.sum(-1) / x.shape[-1]
    kinds = (input, target) if weight is None else (input, target, weight)
    return _reduce(loss, reduction).astype(np.result_type(*kinds))


def cosine_embedding_loss(
    input1: np.ndarray,
    input2: np.ndarray,
    target: np.ndarray,
    margin: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    """``1 - cos`` where the target is 1, ``max(0, cos - margin)`` where it is -1, with
    ``cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))`` over the last dim."""
    x1, x2, y = _f64(input1), _f64(input2), np.asarray(target)
    eps = 1e-12
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    loss = np.where(y == 1, 1 - cos, 0.0) + np.where(y == -1, np.maximum(cos - margin, 0.0), 0.0)
    return _reduce(loss, reduction).astype(np.result_type(input1, input2))


def multi_margin_loss(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    p: int = 1,
    margin: float = 1.0,
    weight: np.ndarray | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    """Per sample ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i]) ** p / C``; an input
    of at most one dim is one sample, and the loss keeps the target's dims."""
    x = _f64(input)
    x = x.reshape(-1, 1 if x.ndim == 0 else x.shape[-1])
    y = np.asarray(target, np.int64).reshape(-1)
    classes = x.shape[1]
    picked = np.take_along_axis(x, y[:, None], 1)
    hinge = np.maximum(margin - picked + x, 0.0) ** p
    hinge[np.arange(len(y)), y] = 0.0
    if weight is not None:
        hinge = hinge * _f64(weight)[y][:, None]
    loss = hinge.sum(1) / classes
    loss = loss.reshape(np.shape(target))
    return _reduce(loss, reduction, empty_mean=0.0).astype(np.asarray(input).dtype)


def multilabel_margin_loss(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    reduction: str = "mean",
) -> np.ndarray:
    """Per sample ``sum_j sum_{i not a target} max(0, 1 - x[y_j] + x[i]) / C`` over the
    targets before the first -1; one loss per row of a 2-d input (a 0-dim loss otherwise)."""
    x = _f64(input)
    classes = 1 if x.ndim == 0 else x.shape[-1]
    x = x.reshape(-1, classes)
    y = np.asarray(target, np.int64).reshape(-1, classes)
    losses = np.zeros(len(x))
    for n, (row, labels) in enumerate(zip(x, y, strict=True)):
        stop = np.flatnonzero(labels == -1)
        chosen = labels[: stop[0] if stop.size else classes]
        others = np.setdiff1d(np.arange(classes), chosen)
        margins = 1 - row[chosen][:, None] + row[others][None, :]
        losses[n] = np.maximum(margins, 0.0).sum() / classes
    loss = losses if np.ndim(target) == 2 else losses.reshape(())
    return _reduce(loss, reduction, empty_mean=0.0).astype(np.asarray(input).dtype)


def _distance(a: np.ndarray, b: np.ndarray, p: float, eps: float) -> np.ndarray:
    d = np.abs(a - b + eps)
    d = d.reshape(d.shape or (1,))
    if p == np.inf:
        return d.max(-1)
    if p == 0:
        return (d != 0).sum(-1).astype(np.float64)
    return (d**p).sum(-1) ** (1.0 / p)


def triplet_margin_loss(
    anchor: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> np.ndarray:
    """``max(0, margin + d(a, p) - d(a, n))``, ``d(x, y) = ||x - y + eps||_p`` over the last
    dim; ``swap`` takes the smaller of ``d(a, n)`` and ``d(p, n)``."""
    a, pos, neg = _f64(anchor), _f64(positive), _f64(negative)
    d_pos = _distance(a, pos, p, eps)
    d_neg = _distance(a, neg, p, eps)
    if swap:
        d_neg = np.minimum(d_neg, _distance(pos, neg, p, eps))
    loss = np.maximum(margin + d_pos - d_neg, 0.0)
    if np.ndim(anchor) == 0:
        loss = loss.reshape(())
    return _reduce(loss, reduction).astype(np.result_type(anchor, positive, negative))


def _ctc_one(lp: np.ndarray, labels: np.ndarray, blank: int) -> float:
    """Minus the log-likelihood of ``labels`` under ``lp`` (``(T, C)``), summed over every
    alignment (blanks anywhere, repeats collapsed unless a blank separates them)."""
    ext = np.full(2 * len(labels) + 1, blank)
    ext[1::2] = labels
    states = len(ext)
    alpha = np.full(states, -np.inf)
    alpha[0] = lp[0, blank]
    if states > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, len(lp)):
        new = np.full(states, -np.inf)
        for s in range(states):
            sources = [alpha[s]]
            if s >= 1:
                sources.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                sources.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(sources) + lp[t, ext[s]]
        alpha = new
    return -float(np.logaddexp.reduce(alpha[-2:]))


def ctc_loss(
    log_probs: np.ndarray,
    targets: np.ndarray,
    input_lengths: np.ndarray,
    target_lengths: np.ndarray,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> np.ndarray:
    """CTC loss of ``(T, N, C)`` (or ``(T, C)``) log-probabilities against padded ``(N, S)``
    or concatenated 1-d targets; ``mean`` divides each loss by its target length (at least 1)
    and averages over the batch."""
    lp = _f64(log_probs)
    batched = lp.ndim == 3
    lp = lp if batched else lp[:, None, :]
    il = np.asarray(input_lengths, np.int64).reshape(-1)
    tl = np.asarray(target_lengths, np.int64).reshape(-1)
    flat = np.asarray(targets, np.int64)
    starts = np.concatenate([[0], np.cumsum(tl)[:-1]])
    losses = np.zeros(lp.shape[1])
    for n in range(lp.shape[1]):
        if flat.ndim == 2 and (batched or flat.shape[0] == lp.shape[1]):
            labels = flat[n, : tl[n]]
        else:
            labels = flat.reshape(-1)[starts[n] : starts[n] + tl[n]]
        losses[n] = _ctc_one(lp[: il[n], n], labels, blank)
    if zero_infinity:
        losses = np.where(np.isinf(losses), 0.0, losses)
    if reduction == "mean":
        out = np.asarray((losses / np.maximum(tl, 1)).mean())
    elif reduction == "sum":
        out = np.asarray(losses.sum())
    else:
        out = losses if batched else losses.reshape(())
    return out.astype(np.asarray(log_probs).dtype)
