"""``torch.optim.Adagrad``: per-coordinate rates from the sum of squared gradients.

``sum`` starts at ``initial_accumulator_value`` (the state exists from construction on) and
gathers ``grad * grad``; the update is ``clr * grad / (sqrt(sum) + eps)`` with
``clr = lr / (1 + (step - 1) * lr_decay)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._functional import (
    bump,
    check_fused,
    check_fused_options,
    check_lr,
    direction,
    guard,
    number,
    real,
    restore_state,
    run_closure,
    scalar_tensor,
    sparse_parts,
    state_like,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written, xp

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), with learning-rate decay and weight decay."""

    #: the update of one parameter: ``rule(param, state, group)``
    _rule: Callable[[Tensor, dict[str, Any], dict[str, Any]], None]

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr(lr)
        for what, value in (
            ("lr_decay", lr_decay),
            ("weight_decay", weight_decay),
            ("initial_accumulator_value", initial_accumulator_value),
            ("epsilon", eps),
        ):
            if not value >= 0.0:
                raise ValueError(f"Invalid {what} value: {value}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        if fused:
            check_fused_options(differentiable, foreach)
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group["fused"], initial_accumulator_value)

    def _init_state(self, p: Tensor, fused: bool | None, initial: float) -> None:
        """``step`` 0 (float32 on the parameter's device when fused) and ``sum`` filled
        with ``initial`` (``initial + initial j`` for a complex parameter)."""
        state = self.state[p]
        if fused:
            state["step"] = Tensor._make(xp(p).zeros((), np.float32), None, p.device)
        else:
            state["step"] = scalar_tensor(0.0)
        state["sum"] = state_like(p, complex(initial, initial) if p.is_complex() else initial)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {"foreach": None, "maximize": False, "differentiable": False, "fused": None},
            lambda v, p, group: scalar_tensor(v, p if group["fused"] else None, group["fused"]),
        )

    def share_memory(self) -> None:
        """torch moves the ``sum`` tensors to shared memory; here arrays stay in place."""

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            params = params_with_grad(group)
            for p in params:
                if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                    check_fused(p)
                    self._need_device_dtype_check_for_fused = False
                if not self.state[p]:
                    if group["fused"]:
                        check_fused(p)
                    initial = self.defaults["initial_accumulator_value"]
                    self._init_state(p, group["fused"], initial)
            for p in params:
                self._rule(p, self.state[p], group)
        return loss


def _update(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    if p.grad.is_sparse:
        _update_sparse(p, state, group)
        return
    bump(state["step"])
    step = state["step"].item()
    grad = real(direction(p, group["maximize"], group["weight_decay"]))
    clr = number(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
    total = real(array(state["sum"]))
    total += grad * grad
    written(state["sum"])
    std = xp(p).sqrt(total)
    std += group["eps"]
    guard(p)
    real(array(p))[...] += -clr * grad / std
    written(p)


def _update_sparse(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    """Only the slices the gradient holds: their sums grow by the squared gradient, and they
    move by ``clr * grad / (sqrt(sum) + eps)``. Weight decay is refused (after the step
    count moved, as in torch)."""
    bump(state["step"])
    if group["weight_decay"] != 0:
        raise RuntimeError("weight_decay option is not compatible with sparse gradients")
    step = state["step"].item()
    grad, held = sparse_parts(p.grad)
    grad = -grad[held] if group["maximize"] else grad[held]
    clr = number(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
    total = array(state["sum"])
    total[held] += grad * grad
    written(state["sum"])
    std = xp(p).sqrt(total[held])
    std += group["eps"]
    guard(p)
    array(p)[held] += -clr * (grad / std)
    written(p)


Adagrad._rule = staticmethod(_update)
