"""Numpy oracles of the softmax family: ``softmax``, ``log_softmax``, ``softmin``, ``glu`` and
``AdaptiveLogSoftmaxWithLoss`` (its forward, ``log_prob`` and ``predict``).

Everything is computed in float64 with the maximum along ``dim`` subtracted first (log-sum-exp),
so large logits neither overflow nor lose the small probabilities; results take the input's
dtype (or ``dtype=``, which casts the input before the op, as torch does).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "softmax_dim",
    "softmax",
    "log_softmax",
    "softmin",
    "glu",
    "adaptive_log_prob",
    "adaptive_log_softmax",
    "adaptive_predict",
]


def softmax_dim(ndim: int) -> int:
    """torch's implicit ``dim`` when none is given: 0 for 0-, 1- and 3-d inputs, else 1."""
    return 0 if ndim in (0, 1, 3) else 1


def _prepared(x: np.ndarray, dim: int | None, dtype) -> tuple[np.ndarray, int, np.dtype]:
    """The input cast to ``dtype`` first (then widened to float64), the axis, the result
    dtype."""
    x = np.asarray(x)
    out = np.dtype(dtype) if dtype is not None else x.dtype
    axis = softmax_dim(x.ndim) if dim is None else dim
    axis = axis + max(x.ndim, 1) if axis < 0 else axis
    return x.astype(out).astype(np.float64).reshape(x.shape or (1,)), axis, out


def _log_softmax64(x: np.ndarray, axis: int) -> np.ndarray:
    if x.size == 0:
        return x.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def log_softmax(x: np.ndarray, dim: int | None = None, dtype=None) -> np.ndarray:
    """``x - max - log(sum(exp(x - max)))`` along ``dim``."""
    wide, axis, out = _prepared(x, dim, dtype)
    return _log_softmax64(wide, axis).reshape(np.shape(x)).astype(out)


def softmax(x: np.ndarray, dim: int | None = None, dtype=None) -> np.ndarray:
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``."""
    wide, axis, out = _prepared(x, dim, dtype)
    return np.exp(_log_softmax64(wide, axis)).reshape(np.shape(x)).astype(out)


def softmin(x: np.ndarray, dim: int | None = None, dtype=None) -> np.ndarray:
    """``softmax(-x)`` along ``dim``."""
    return softmax(-np.asarray(x), dim, dtype)


def glu(x: np.ndarray, dim: int = -1) -> np.ndarray:
    """``a * sigmoid(b)`` with ``a, b`` the first and second halves of ``x`` along ``dim``."""
    a, b = np.split(np.asarray(x, dtype=np.float64), 2, axis=dim)
    with np.errstate(over="ignore"):
        return (a / (1.0 + np.exp(-b))).astype(np.asarray(x).dtype)


def _tails(tail: Sequence[np.ndarray | None]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (projection, output) weight pairs of the tail clusters, absent ones dropped."""
    present = [np.asarray(w, dtype=np.float64) for w in tail if w is not None]
    return list(zip(present[0::2], present[1::2], strict=True))


def _full_log_prob64(
    x: np.ndarray,
    cutoffs: Sequence[int],
    head_weight: np.ndarray,
    head_bias: np.ndarray | None,
    tail: Sequence[np.ndarray | None],
) -> np.ndarray:
    """(N, n_classes) log-probabilities: the head's for the shortlist, cluster log-probs plus
    the head's log-prob of that cluster for the rest."""
    head = x @ np.asarray(head_weight, dtype=np.float64).T
    if head_bias is not None:
        head = head + np.asarray(head_bias, dtype=np.float64)
    head_lp = _log_softmax64(head, 1)
    shortlist = int(cutoffs[0])
    parts = [head_lp[:, :shortlist]]
    for i, (proj, out) in enumerate(_tails(tail)):
        cluster = _log_softmax64((x @ proj.T) @ out.T, 1)
        parts.append(cluster + head_lp[:, shortlist + i : shortlist + i + 1])
    return np.concatenate(parts, axis=1)


def adaptive_log_prob(
    input: np.ndarray,  # noqa: A002
    cutoffs: Sequence[int],
    head_weight: np.ndarray,
    head_bias: np.ndarray | None = None,
    tail: Sequence[np.ndarray | None] = (),
) -> np.ndarray:
    """``AdaptiveLogSoftmaxWithLoss.log_prob``: ``(N, n_classes)`` log-probabilities.

    ``cutoffs`` are the constructor's (without ``n_classes``); ``tail`` lists the clusters'
    weights in ``named_parameters`` order (``tail.0.0.weight``, ``tail.0.1.weight``, ...)."""
    x = np.asarray(input, dtype=np.float64)
    return _full_log_prob64(x, cutoffs, head_weight, head_bias, tail).astype(input.dtype)


def adaptive_log_softmax(
    input: np.ndarray,  # noqa: A002
    target: np.ndarray,
    cutoffs: Sequence[int],
    head_weight: np.ndarray,
    head_bias: np.ndarray | None = None,
    tail: Sequence[np.ndarray | None] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """``AdaptiveLogSoftmaxWithLoss(input, target)``: ``(output, loss)``, the target's
    log-probability per example (shape of ``target``) and the mean negative of it."""
    x = np.asarray(input, dtype=np.float64)
    t = np.asarray(target, dtype=np.int64)
    rows = x.reshape(-1, x.shape[-1])
    full = _full_log_prob64(rows, cutoffs, head_weight, head_bias, tail)
    picked = np.take_along_axis(full, t.reshape(-1, 1), axis=1)[:, 0]
    loss = -picked.mean() if picked.size else np.float64(np.nan)
    dt = np.asarray(input).dtype
    return picked.reshape(t.shape).astype(dt), np.asarray(loss).astype(dt)


def adaptive_predict(
    input: np.ndarray,  # noqa: A002
    cutoffs: Sequence[int],
    head_weight: np.ndarray,
    head_bias: np.ndarray | None = None,
    tail: Sequence[np.ndarray | None] = (),
) -> np.ndarray:
    """``AdaptiveLogSoftmaxWithLoss.predict``: the most probable class per row (int64)."""
    x = np.asarray(input, dtype=np.float64)
    full = _full_log_prob64(x, cutoffs, head_weight, head_bias, tail)
    return full.argmax(axis=1).astype(np.int64)
