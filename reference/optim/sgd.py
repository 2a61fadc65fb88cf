"""``torch.optim.SGD``, and the small pieces the single-tensor update rules share.

The rules compute on the arrays of the parameters and of their state in place, in the
parameter's dtype and in torch's order of operations (a Python float meets a float32 array
as a float32, as in torch's CPU kernels), so float32 results agree with torch's within a
few ulp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tensor import Tensor
from ._functional import (
    as_sparse,
    check_fused,
    check_fused_options,
    check_lr,
    direction,
    guard,
    number,
    run_closure,
    sparse_parts,
)
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["SGD"]


# ----- SGD ----------------------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent, with momentum (the buffer starts as the first
    gradient), dampening, Nesterov momentum and weight decay."""

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float | Tensor = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr(lr, nan_ok=True)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            self._step_supports_amp_scaling = True
            self._need_device_dtype_check_for_fused = True
            check_fused_options(differentiable, foreach)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            params = params_with_grad(group)
            if (
                group["fused"]
                and params
                and getattr(self, "_need_device_dtype_check_for_fused", True)
            ):
                check_fused(params[0])
                self._need_device_dtype_check_for_fused = False
            for p in params:
                self._update(p, group)
        return loss

    def _update(self, p: Tensor, group: dict[str, Any]) -> None:
        if p.grad.is_sparse:
            self._update_sparse(p, group)
            return
        momentum, wd = group["momentum"], number(group["weight_decay"])
        grad = direction(p, group["maximize"], wd)
        if momentum != 0:
            buf = self._buffer(p, grad, momentum, group["dampening"])
            if not group["nesterov"]:
                grad = buf
            elif grad is array(p.grad) and _foreach(group, p):
                grad += momentum * buf  # torch's foreach path adds into .grad itself
                written(p.grad)
            else:
                grad = grad + momentum * buf
        guard(p)
        array(p)[...] += -number(group["lr"]) * grad
        written(p)

    def _update_sparse(self, p: Tensor, group: dict[str, Any]) -> None:
        """A sparse gradient moves only the slices it holds; the momentum buffer is sparse,
        holding every slice any gradient held. Weight decay cannot add a dense term."""
        if number(group["weight_decay"]) != 0:
            raise RuntimeError(
                "add(sparse, dense) is not supported. Use add(dense, sparse) instead."
            )
        grad, held = sparse_parts(p.grad)
        grad = -grad if group["maximize"] else grad
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[p]
            previous = state.get("momentum_buffer")
            if previous is None:
                buf = grad.copy()
            else:
                old, old_held = sparse_parts(previous)
                buf = momentum * old + (1 - group["dampening"]) * grad
                held = held | old_held
            state["momentum_buffer"] = as_sparse(buf, held, p.grad)
            grad = grad + momentum * buf if group["nesterov"] else buf
        guard(p)
        array(p)[held] += -number(group["lr"]) * grad[held]
        written(p)

    def _buffer(self, p: Tensor, grad: Any, momentum: float, dampening: float) -> Any:
        """The momentum buffer's array, after this step."""
        state = self.state[p]
        if state.get("momentum_buffer") is None:
            buf = Tensor._make(grad.copy(), p.dtype, p.device)
            state["momentum_buffer"] = buf
            return array(buf)
        buf = state["momentum_buffer"]
        data = array(buf)
        data *= momentum
        data += (1 - dampening) * grad
        written(buf)
        return data


def _foreach(group: dict[str, Any], p: Tensor) -> bool:
    """Whether torch takes the multi-tensor path: asked for, or by default on CUDA (not
    when fused or differentiable)."""
    if group["fused"]:
        return False
    if group["foreach"] is None:
        return not group["differentiable"] and p.device.type == "cuda"
    return bool(group["foreach"])
