"""``torch.optim.Adamax``: Adam with the infinity norm, a decayed running maximum of
``|grad| + eps``, in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._functional import (
    add_scaled,
    as_python,
    check_capturable,
    check_lr,
    lerp_,
    real,
    restore_state,
    run_closure,
    scalar_tensor,
    state_like,
    value_of,
    write_param,
)
from .adam import check_common
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: ``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    foreach=None, *, maximize=False, differentiable=False, capturable=False)``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        check_common(eps, betas, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
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
            lambda v, p, group: scalar_tensor(v),
        )

    def _group_params(self, group: dict[str, Any]) -> list[Tensor]:
        """The group's parameters with a gradient, their state ready."""
        params = params_with_grad(group)
        for p in params:
            if p.grad.is_sparse:
                raise RuntimeError("Adamax does not support sparse gradients")
            state = self.state[p]
            if not state:
                state["step"] = scalar_tensor(0.0)
                state["exp_avg"] = state_like(p)
                state["exp_inf"] = state_like(p)
        return params

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax update of every parameter that has a gradient; returns the closure's
        loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            for p in self._group_params(group):
                if group["capturable"]:
                    check_capturable([p], xla=not group["foreach"])
                _adamax_step(p, self.state[p], group)
        return loss


def _adamax_step(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    """One step of one parameter, in the order of torch's single-tensor Adamax."""
    beta1, beta2 = group["betas"]
    lr, wd, eps = value_of(group["lr"]), group["weight_decay"], group["eps"]
    grad = array(p.grad)
    grad = -grad if group["maximize"] else grad
    step_t = array(state["step"])
    step_t += 1
    written(state["step"])
    if wd != 0:
        grad = add_scaled(grad, wd, array(p))
    param_dtype = real(array(p)).dtype.type
    grad = real(grad)
    exp_avg, exp_inf = real(array(state["exp_avg"])), real(array(state["exp_inf"]))
    lerp_(exp_avg, grad, 1 - beta1)
    exp_inf *= param_dtype(beta2)
    np.maximum(exp_inf, np.abs(grad) + param_dtype(eps), out=exp_inf)
    written(state["exp_avg"])
    written(state["exp_inf"])
    clr = lr / (1 - beta1 ** float(step_t))
    target = write_param(p)
    target += param_dtype(-as_python(clr)) * exp_avg / exp_inf
    written(p)
