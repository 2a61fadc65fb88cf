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
    check_capturable,
    check_lr,
    direction,
    guard,
    lerp_,
    number,
    real,
    refuse_sparse,
    run_closure,
    scalar_tensor,
    state_like,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written, xp

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
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
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
                refuse_sparse(p, "RMSprop")
                state = self.state[p]
                if not state:
                    state["step"] = scalar_tensor(0.0, p if group["capturable"] else None)
                    state["square_avg"] = state_like(p)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = state_like(p)
                    if group["centered"]:
                        state["grad_avg"] = state_like(p)
            for p in params:
                if group["capturable"]:
                    check_capturable([p])
                self._rule(p, self.state[p], group)
        return loss


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
