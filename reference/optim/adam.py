"""``torch.optim.Adam``: moment estimates with bias correction, optional AMSGrad, L2 or
decoupled weight decay.

Each step computes on the arrays of the parameter and its state in place, in the
parameter's dtype and in torch's order of operations (its single-tensor path), so float32
trajectories agree with torch's to rounding. ``foreach`` and ``fused`` compute the same way;
``capturable`` raises torch's error for parameters on the CPU.
"""

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
    fma,
    lerp_,
    real,
    restore_state,
    run_closure,
    scalar_tensor,
    state_like,
    to_scalar,
    value_of,
    write_param,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["Adam"]

#: Devices torch's capturable optimizers accept (the single-tensor path also names xla).


def check_common(eps: Any, betas: Any, weight_decay: Any) -> None:
    """torch's range checks of ``eps``, ``betas`` and ``weight_decay``."""
    if not eps >= 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    if not weight_decay >= 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_betas(betas: Any, foreach: Any, capturable: bool) -> None:
    kinds = {isinstance(b, float) for b in betas}, {isinstance(b, Tensor) for b in betas}
    if kinds[0] != {True} and kinds[1] != {True}:
        raise ValueError("betas must be either both floats or both Tensors")
    for i, b in enumerate(betas):
        if isinstance(b, Tensor):
            if not capturable and foreach:
                raise ValueError(
                    f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True"
                )
            if b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


class Adam(Optimizer):
    """Adam: ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, foreach=None, maximize=False, capturable=False, differentiable=False,
    fused=None, decoupled_weight_decay=False)``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_lr(lr, foreach=foreach, capturable=capturable)
        check_common(eps, betas, weight_decay)
        _check_betas(betas, foreach, capturable)
        defaults = {
            "lr": lr,
            "betas": tuple(map(to_scalar, betas)),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            self._step_supports_amp_scaling = True
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {
                "amsgrad": False,
                "maximize": False,
                "foreach": None,
                "capturable": False,
                "differentiable": False,
                "decoupled_weight_decay": False,
                "fused": None,
            },
            lambda v, p, group: scalar_tensor(
                v, fused=group["fused"] if group["capturable"] or group["fused"] else None
            ),
        )

    def _state_of(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The parameter's state, created at its first step."""
        state = self.state[p]
        if not state:
            if group["fused"] and not p.is_floating_point():
                raise RuntimeError(
                    "`fused=True` requires all the params to be floating point Tensors of "
                    "supported devices: ['mps', 'cuda', 'xpu', 'hpu', 'cpu', 'mtia', "
                    f"'privateuseone'] but {p.dtype} and {p.device.type}"
                )
            state["step"] = scalar_tensor(0.0, fused=group["fused"])
            state["exp_avg"] = state_like(p)
            state["exp_avg_sq"] = state_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = state_like(p)
        return state

    def _group_params(self, group: dict[str, Any]) -> list[Tensor]:
        """The group's parameters with a gradient, their state ready (torch's _init_group)."""
        params = params_with_grad(group)
        for p in params:
            if p.grad.is_sparse:
                raise RuntimeError(
                    "Adam does not support sparse gradients, please consider SparseAdam instead"
                )
            self._state_of(p, group)
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True"
                )
        return params

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every parameter that has a gradient; returns the closure's
        loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            params = self._group_params(group)
            for p in params:
                if group["capturable"]:
                    check_capturable([p], xla=not group["foreach"])
                _adam_step(p, self.state[p], group)
        return loss


def _adam_step(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    """One step of one parameter, in the order of torch's single-tensor Adam."""
    beta1, beta2 = (value_of(b) for b in group["betas"])
    lr, wd, eps = value_of(group["lr"]), group["weight_decay"], group["eps"]
    grad = array(p.grad)
    grad = -grad if group["maximize"] else grad
    step_t = array(state["step"])
    step_t += 1
    written(state["step"])
    if wd != 0:
        if group["decoupled_weight_decay"]:
            write_param(p)[...] *= array(p).dtype.type(1 - lr * wd)
            written(p)
        else:
            grad = add_scaled(grad, wd, array(p))
    param = real(array(p))
    grad, exp_avg, exp_avg_sq = (
        real(grad),
        real(array(state["exp_avg"])),
        real(array(state["exp_avg_sq"])),
    )
    lerp_(exp_avg, grad, 1 - _in_dtype(beta1, param.dtype))
    exp_avg_sq *= param.dtype.type(beta2)
    exp_avg_sq[...] = fma(param.dtype.type(1 - beta2) * grad, grad, exp_avg_sq, param.dtype)
    written(state["exp_avg"])
    written(state["exp_avg_sq"])
    step = float(step_t)
    bias_correction1 = 1 - beta1**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    second = exp_avg_sq
    if group["amsgrad"]:
        second = real(array(state["max_exp_avg_sq"]))
        np.maximum(second, exp_avg_sq, out=second)
        written(state["max_exp_avg_sq"])
    denom = np.sqrt(second) / param.dtype.type(bias_correction2_sqrt)
    denom += param.dtype.type(eps)
    target = write_param(p)
    target += param.dtype.type(-as_python(step_size)) * exp_avg / denom
    written(p)


def _in_dtype(beta: Any, dtype: np.dtype) -> Any:
    """A tensor beta moved to the parameter's dtype (torch's ``beta1.to(dtype)``); a float
    as given."""
    return beta.astype(dtype) if isinstance(beta, np.ndarray) else beta
