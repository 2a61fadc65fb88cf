"""Numpy update rules of torch.optim optimizers: one parameter, one step.

A rule takes the parameter, its gradient, the state the previous step returned (empty at
first), the 1-based step number and the optimizer's options, and returns the new parameter and
state. State keys are torch's (``momentum_buffer``...), so the engine compares them by name.
Rules compute in float64 and return the parameter's dtype; state arrays stay float64 (the
engine compares them within the state tensor's dtype). Scalars torch keeps as float32 0-dim
tensors (ASGD's ``eta`` and ``mu``) are rounded to float32 where torch reads them back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["adadelta", "adagrad", "asgd", "rmsprop", "rprop", "sgd"]

State = dict[str, Any]


def _f64(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _direction(
    param: np.ndarray, grad: np.ndarray, maximize: bool, weight_decay: float
) -> np.ndarray:
    """The gradient (negated to maximize) plus the L2 term ``weight_decay * param``."""
    d = -_f64(grad) if maximize else _f64(grad)
    return d + weight_decay * _f64(param) if weight_decay else d


def _state(state: State, key: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """A buffer of the previous state, or a fresh one filled with ``fill``."""
    value = state.get(key)
    return np.full(np.shape(like), fill, np.float64) if value is None else _f64(value)


def _float32(x: float) -> float:
    return float(np.float32(x))


def sgd(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay; the
    momentum buffer starts as the first step's direction (no dampening then)."""
    p = _f64(param)
    d = _direction(param, grad, maximize, weight_decay)
    new_state: State = {}
    if momentum:
        previous = state.get("momentum_buffer")
        buf = d if previous is None else momentum * _f64(previous) + (1 - dampening) * d
        new_state["momentum_buffer"] = buf
        d = d + momentum * buf if nesterov else buf
    return (p - lr * d).astype(param.dtype), new_state


def asgd(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-2,
    lambd: float = 1e-4,
    alpha: float = 0.75,
    t0: float = 1e6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Averaged SGD: decay by ``1 - lambd * eta``, a step of ``eta`` along the direction;
    ``ax`` copies the parameter while ``mu`` is 1, then averages ``ax += mu * (p - ax)``.
    The step's ``eta`` and ``mu`` come from the previous step (``lr`` and 1 at first)."""
    eta = _float32(state.get("eta", lr))
    mu = _float32(state.get("mu", 1.0))
    d = _direction(param, grad, maximize, weight_decay)
    p = _f64(param) * (1 - lambd * eta) - eta * d
    ax = p if mu == 1 else _state(state, "ax", p) + (p - _state(state, "ax", p)) * mu
    new_state = {
        "step": float(step),
        "eta": _float32(lr / (1 + lambd * lr * step) ** alpha),
        "mu": _float32(1 / max(1.0, step - t0)),
        "ax": ax,
    }
    return p.astype(param.dtype), new_state


def adadelta(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Adadelta: the step ``sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad``, with
    running means (factor ``rho``) of squared gradients and of squared steps."""
    d = _direction(param, grad, maximize, weight_decay)
    square_avg = rho * _state(state, "square_avg", d) + (1 - rho) * d * d
    acc_delta = _state(state, "acc_delta", d)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * d
    acc_delta = rho * acc_delta + (1 - rho) * delta * delta
    new_state = {"step": float(step), "square_avg": square_avg, "acc_delta": acc_delta}
    return (_f64(param) - lr * delta).astype(param.dtype), new_state


def adagrad(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Adagrad: ``sum`` (from ``initial_accumulator_value``) gathers squared gradients; the
    step is ``lr / (1 + (step - 1) * lr_decay) * grad / (sqrt(sum) + eps)``."""
    d = _direction(param, grad, maximize, weight_decay)
    total = _state(state, "sum", d, initial_accumulator_value) + d * d
    clr = lr / (1 + (step - 1) * lr_decay)
    p = _f64(param) - clr * d / (np.sqrt(total) + eps)
    return p.astype(param.dtype), {"step": float(step), "sum": total}


def rmsprop(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """RMSprop: the direction over ``sqrt(square_avg) + eps`` (``square_avg`` less the
    squared running mean ``grad_avg`` when centered), through a momentum buffer when
    ``momentum > 0``. Buffers start at zero."""
    d = _direction(param, grad, maximize, weight_decay)
    square_avg = alpha * _state(state, "square_avg", d) + (1 - alpha) * d * d
    new_state: State = {"step": float(step), "square_avg": square_avg}
    variance = square_avg
    if centered:
        grad_avg = alpha * _state(state, "grad_avg", d) + (1 - alpha) * d
        new_state["grad_avg"] = grad_avg
        variance = square_avg - grad_avg * grad_avg
    update = d / (np.sqrt(variance) + eps)
    if momentum > 0:
        update = momentum * _state(state, "momentum_buffer", d) + update
        new_state["momentum_buffer"] = update
    return (_f64(param) - lr * update).astype(param.dtype), new_state


def rprop(
    param: np.ndarray,
    grad: np.ndarray,
    state: State,
    step: int,
    lr: float = 1e-2,
    etas: tuple[float, float] = (0.5, 1.2),
    step_sizes: tuple[float, float] = (1e-6, 50.0),
    maximize: bool = False,
) -> tuple[np.ndarray, State]:
    """Rprop: each coordinate's step size (from ``lr``) is multiplied by ``etas[1]`` where
    the gradient keeps its sign, by ``etas[0]`` where it flips (then clamped to
    ``step_sizes``); the parameter moves by the step size against the gradient's sign, not
    at all after a flip, where the gradient is remembered as zero. The sign of the product
    with the previous gradient is taken in the parameter's dtype, as torch computes it (a
    product that underflows counts as no sign)."""
    g = -_f64(grad) if maximize else _f64(grad)
    prev = _state(state, "prev", g)
    product = g.astype(param.dtype) * prev.astype(param.dtype)
    factor = np.where(product > 0, etas[1], np.where(product < 0, etas[0], 1.0))
    step_size = np.clip(_state(state, "step_size", g, lr) * factor, *step_sizes)
    g = np.where(product < 0, 0.0, g)
    p = _f64(param) - np.sign(g) * step_size
    return p.astype(param.dtype), {"step": float(step), "prev": g, "step_size": step_size}
