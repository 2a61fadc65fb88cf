"""``torch.optim.ASGD``: averaged stochastic gradient descent (Polyak and Juditsky).

Each step decays the parameter by ``1 - lambd * eta`` and moves it along the gradient by
``eta``; ``ax`` follows the parameter (a copy while ``mu`` is 1, then the running average
``ax += mu * (param - ax)``); afterwards ``eta = lr / (1 + lambd * lr * step) ** alpha`` and
``mu = 1 / max(1, step - t0)``. ``step``, ``eta`` and ``mu`` are 0-dim tensors on the
parameter's device.
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
    refuse_sparse,
    restore_state,
    run_closure,
    scalar_tensor,
    state_like,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["ASGD"]

_CAPTURABLE = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


class ASGD(Optimizer):
    """Averaged SGD: the parameters' running average from step ``t0`` on is ``ax``."""

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {"foreach": None, "maximize": False, "differentiable": False, "capturable": False},
            lambda v, p, group: scalar_tensor(v, p),
            keys=("step", "eta", "mu"),
        )

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            for p in params_with_grad(group):
                refuse_sparse(p, "ASGD")
                state = self.state[p]
                if not state:
                    state["step"] = scalar_tensor(0.0, p)
                    state["eta"] = scalar_tensor(number(group["lr"]), p)
                    state["mu"] = scalar_tensor(1.0, p)
                    state["ax"] = state_like(p)
            for p in params_with_grad(group):
                self._update(p, self.state[p], group)
        return loss

    @staticmethod
    def _update(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        capturable, lambd = group["capturable"], group["lambd"]
        if capturable and p.device.type not in _CAPTURABLE:
            raise AssertionError(
                "If capturable=True, params, mus, etas, and state_steps must be on supported "
                f"devices: {_CAPTURABLE}."
            )
        bump(state["step"])
        grad = direction(p, group["maximize"], group["weight_decay"])
        eta = state["eta"].item()
        guard(p)
        param = array(p)
        param *= 1 - lambd * eta
        param += -eta * grad
        written(p)
        mu, ax = state["mu"].item(), state["ax"]
        if capturable or mu != 1:
            array(ax)[...] += (param - array(ax)) * mu
        else:
            array(ax)[...] = param
        written(ax)
        step, lr = state["step"].item(), number(group["lr"])
        _assign(state["eta"], lr / ((1 + lambd * lr * step) ** group["alpha"]))
        _assign(state["mu"], 1 / max(1, step - group["t0"]))


def _assign(t: Tensor, value: float) -> None:
    """Write a number into a 0-dim state tensor (rounded to its dtype)."""
    array(t)[...] = value
    written(t)
