"""Numpy update rules of torch.optim optimizers: one parameter, one step.

A rule takes the parameter, its gradient, the state the previous step returned (empty at
first), the 1-based step number and the optimizer's options, and returns the new parameter and
state. State keys are torch's (``momentum_buffer``...), so the engine compares them by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sgd"]

State = dict[str, Any]


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
    """Stochastic gradient descent with optional momentum, Nesterov and weight decay."""
    p = np.asarray(param, dtype=np.float64)
    d = -np.asarray(grad, dtype=np.float64) if maximize else np.asarray(grad, dtype=np.float64)
    if weight_decay:
        d = d + weight_decay * p
    new_state: State = {}
    if momentum:
        previous = state.get("momentum_buffer")
        buf = d if previous is None else momentum * previous + (1 - dampening) * d
        new_state["momentum_buffer"] = buf
        d = d + momentum * buf if nesterov else buf
    return (p - lr * d).astype(param.dtype), new_state
