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
    check_capturable,
    check_lr,
    direction,
    guard,
    number,
    real,
    refuse_sparse,
    run_closure,
    scalar_tensor,
    state_like,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written, xp

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
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and not isinstance(p_state["step"], Tensor):
                    on = p if group["capturable"] else None
                    p_state["step"] = scalar_tensor(float(p_state["step"]), on)

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            params = params_with_grad(group)
            for p in params:
                refuse_sparse(p, "Adadelta")
                state = self.state[p]
                if not state:
                    state["step"] = scalar_tensor(0.0, p if group["capturable"] else None)
                    state["square_avg"] = state_like(p)
                    state["acc_delta"] = state_like(p)
            if group["capturable"]:
                check_capturable(params, xla=False)
            for p in params:
                self._rule(p, self.state[p], group)
        return loss


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
