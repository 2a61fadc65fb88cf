"""Numpy update rules of the Adam family (Adam, AdamW, Adamax, SparseAdam): one parameter,
one step, in float64, the new parameter in its own dtype.

The state carries torch's keys: ``step`` (a number), ``exp_avg``, ``exp_avg_sq`` (and
``max_exp_avg_sq`` with AMSGrad) or ``exp_inf`` (Adamax).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["adam", "adamax", "adamw", "sparse_adam"]

State = dict[str, Any]
Betas = tuple[float, float]


def _start(param: np.ndarray, grad: np.ndarray, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
    """The parameter and the gradient in float64, the gradient negated to maximize."""
    p = np.asarray(param, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    return p, -g if maximize else g


def _previous(state: State, key: str, like: np.ndarray) -> np.ndarray:
    """A moment from the previous step, zeros at the first."""
    value = state.get(key)
    return np.zeros_like(like) if value is None else np.asarray(value, dtype=np.float64)


def adam(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> tuple[np.ndarray, State]:
    """Adam: bias-corrected first and second moments; weight decay added to the gradient
    (L2) or, decoupled, shrinking the parameter by ``lr * weight_decay`` first; AMSGrad
    divides by the running maximum of the second moment."""
    beta1, beta2 = (float(b) for b in betas)
    p, g = _start(param, grad, maximize)
    if weight_decay:
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = beta1 * _previous(state, "exp_avg", p) + (1 - beta1) * g
    v = beta2 * _previous(state, "exp_avg_sq", p) + (1 - beta2) * g * g
    new_state: State = {"step": float(step), "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = np.maximum(_previous(state, "max_exp_avg_sq", p), v)
        new_state["max_exp_avg_sq"] = v
    bias1, bias2 = 1 - beta1**step, 1 - beta2**step
    denom = np.sqrt(v) / np.sqrt(bias2) + eps
    return (p - lr / bias1 * m / denom).astype(param.dtype), new_state


def adamw(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """AdamW: Adam with decoupled weight decay (default 1e-2)."""
    return adam(param, grad, state, step, lr, betas, eps, weight_decay, amsgrad, maximize, True)


def adamax(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 2e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Adamax: the first moment over a decayed running maximum of ``|grad| + eps``, only
    the first moment bias-corrected; weight decay added to the gradient."""
    beta1, beta2 = (float(b) for b in betas)
    p, g = _start(param, grad, maximize)
    if weight_decay:
        g = g + weight_decay * p
    m = beta1 * _previous(state, "exp_avg", p) + (1 - beta1) * g
    u = np.maximum(beta2 * _previous(state, "exp_inf", p), np.abs(g) + eps)
    new = p - lr / (1 - beta1**step) * m / u
    return new.astype(param.dtype), {"step": float(step), "exp_avg": m, "exp_inf": u}


def sparse_adam(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """SparseAdam for the sparse gradient whose entries are the nonzeros of ``grad``: only
    those entries of the moments and the parameter move; ``eps`` is added to the
    uncorrected root of the second moment and the correction folded into the step size.
    ``step`` counts every step, even one whose gradient holds no entry (an int)."""
    beta1, beta2 = (float(b) for b in betas)
    p, g = _start(param, grad, maximize)
    here = np.asarray(grad) != 0
    m = _previous(state, "exp_avg", p)
    v = _previous(state, "exp_avg_sq", p)
    m = np.where(here, m + (g - m) * (1 - beta1), m)
    v = np.where(here, v + (g * g - v) * (1 - beta2), v)
    step_size = lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
    new = np.where(here, p - step_size * m / (np.sqrt(v) + eps), p)
    return new.astype(param.dtype), {"step": int(step), "exp_avg": m, "exp_avg_sq": v}
