"""``torch.optim.Adadelta``: steps scaled by the ratio of two running RMS values.

``square_avg`` is the running mean of squared gradients, ``acc_delta`` that of squared
updates (both with factor ``rho``); the update is
``sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad``, times ``lr``.
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
    number,
    real,
    restore_state,
    scalar_tensor,
    state_like,
    step_each,
)
from .optimizer import Optimizer, array, stepping, written, xp

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), with weight decay and ``maximize``."""

    #: the update of one parameter: ``rule(param, state, group)``
    _rule: Callable[[Tensor, dict[str, Any], dict[str, Any]], None]

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {"foreach": None, "maximize": False, "differentiable": False, "capturable": False},
            lambda v, p, group: scalar_tensor(v, p if group["capturable"] else None),
        )

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return step_each(self, closure, self._init_state, capturable_xla=False)

    @staticmethod
    def _init_state(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0, p if group["capturable"] else None)
        state["square_avg"] = state_like(p)
        state["acc_delta"] = state_like(p)


def _update(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    rho, eps = group["rho"], group["eps"]
    bump(state["step"])
    grad = real(direction(p, group["maximize"], group["weight_decay"]))
    square_avg, acc_delta = real(array(state["square_avg"])), real(array(state["acc_delta"]))
    square_avg *= rho
    square_avg += (1 - rho) * grad * grad
    std = xp(p).sqrt(square_avg + eps)
    delta = xp(p).sqrt(acc_delta + eps)
    delta /= std
    delta *= grad
    acc_delta *= rho
    acc_delta += (1 - rho) * delta * delta
    written(state["square_avg"])
    written(state["acc_delta"])
    guard(p)
    real(array(p))[...] += -number(group["lr"]) * delta
    written(p)


Adadelta._rule = staticmethod(_update)
