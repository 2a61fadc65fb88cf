"""``torch.optim.RMSprop``: the gradient divided by a running RMS of gradients.

``square_avg`` is the running mean of squared gradients (factor ``alpha``); ``centered``
subtracts the square of ``grad_avg``, the running mean of gradients. The update
``grad / (sqrt(...) + eps)`` goes through ``momentum_buffer`` when ``momentum > 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tensor import Tensor
from ._functional import (
    bump,
    check_lr,
    direction,
    guard,
    lerp_,
    number,
    real,
    restore_state,
    scalar_tensor,
    state_like,
    step_each,
)
from .optimizer import Optimizer, array, stepping, written, xp

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered (Graves, 2013) and with momentum."""

    #: the update of one parameter: ``rule(param, state, group)``
    _rule: Callable[[Tensor, dict[str, Any], dict[str, Any]], None]

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        for what, value in (
            ("epsilon", eps),
            ("momentum", momentum),
            ("weight_decay", weight_decay),
            ("alpha", alpha),
        ):
            if not value >= 0.0:
                raise ValueError(f"Invalid {what} value: {value}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {
                "momentum": 0,
                "centered": False,
                "foreach": None,
                "maximize": False,
                "differentiable": False,
                "capturable": False,
            },
            lambda v, p, group: scalar_tensor(v, p if group["capturable"] else None),
        )

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return step_each(self, closure, self._init_state)

    @staticmethod
    def _init_state(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0, p if group["capturable"] else None)
        state["square_avg"] = state_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = state_like(p)
        if group["centered"]:
            state["grad_avg"] = state_like(p)


def _update(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    alpha, momentum = group["alpha"], group["momentum"]
    bump(state["step"])
    grad = real(direction(p, group["maximize"], group["weight_decay"]))
    square_avg = real(array(state["square_avg"]))
    square_avg *= alpha
    square_avg += (1 - alpha) * grad * grad
    written(state["square_avg"])
    if group["centered"]:
        grad_avg = real(array(state["grad_avg"]))
        lerp_(grad_avg, grad, 1 - alpha)
        written(state["grad_avg"])
        avg = xp(p).sqrt(square_avg + -1 * grad_avg * grad_avg)
    else:
        avg = xp(p).sqrt(square_avg)
    avg += group["eps"]
    lr = number(group["lr"])
    if momentum > 0:
        buf = real(array(state["momentum_buffer"]))
        buf *= momentum
        buf += grad / avg
        written(state["momentum_buffer"])
        guard(p)
        real(array(p))[...] += -lr * buf
    else:
        guard(p)
        real(array(p))[...] += -lr * grad / avg
    written(p)


RMSprop._rule = staticmethod(_update)
