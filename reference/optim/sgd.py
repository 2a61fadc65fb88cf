"""``torch.optim.SGD``, and the small pieces the single-tensor update rules share.

The rules compute on the arrays of the parameters and of their state in place, in the
parameter's dtype and in torch's order of operations (a Python float meets a float32 array
as a float32, as in torch's CPU kernels), so float32 results agree with torch's within a
few ulp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._dtypes import float64, get_default_dtype
from .._grad_mode import enable_grad
from .._ops import _check_inplace
from .._tensor import Tensor
from .optimizer import Optimizer, array, params_with_grad, stepping, written, xp

__all__ = ["SGD"]

#: Device types whose kernels torch fuses (``fused=True``), in torch's order.
FUSED_DEVICES = ["mps", "cuda", "xpu", "hpu", "cpu", "mtia", "privateuseone"]


# ----- shared by the update rules ---------------------------------------------------------
def check_lr(lr: float | Tensor, nan_ok: bool = False) -> None:
    """torch's checks of a learning rate: a 1-element tensor or a number, not negative
    (nor NaN, but for ``nan_ok``)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if (lr < 0.0) if nan_ok else not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


def number(x: float | Tensor) -> float:
    """A hyperparameter as a Python number (a tensor learning rate's value)."""
    return x.item() if isinstance(x, Tensor) else x


def scalar_tensor(value: float, like: Tensor | None = None) -> Tensor:
    """A 0-dim tensor of torch's scalar state dtype (float64 when that is the default
    dtype, else float32), on ``like``'s device (the CPU without ``like``)."""
    dtype = float64 if get_default_dtype() is float64 else None
    data = np.array(value, dtype=np.float64 if dtype is float64 else np.float32)
    if like is None:
        return Tensor._make(data)
    return Tensor._make(xp(like).asarray(data), None, like.device)


def bump(t: Tensor) -> None:
    """One more step in a ``step`` state tensor (``step += 1``)."""
    array(t)[...] += 1
    written(t)


def real(arr: Any) -> Any:
    """A complex array as its interleaved real and imaginary parts (``view_as_real``); a
    real array as itself."""
    return arr.view(arr.real.dtype) if arr.dtype.kind == "c" else arr


def guard(param: Tensor) -> None:
    """The error torch's in-place update of ``param`` raises while recording gradients
    (``differentiable=True`` on a leaf that requires grad)."""
    _check_inplace("add_", param)


def check_capturable(params: Iterable[Tensor], xla: bool = True) -> None:
    """``capturable=True`` needs parameters on a device that captures graphs."""
    devices = ["cuda", "xpu", "hpu", "privateuseone"] + (["xla"] if xla else [])
    if any(p.device.type not in devices for p in params):
        raise AssertionError(
            f"If capturable=True, params and state_steps must be on supported devices: {devices}."
        )


def check_fused(param: Tensor) -> None:
    """``fused=True`` needs floating parameters on a device with fused kernels."""
    if not (param.device.type in FUSED_DEVICES and param.is_floating_point()):
        raise RuntimeError(
            "`fused=True` requires all the params to be floating point Tensors of "
            f"supported devices: {FUSED_DEVICES} but {param.dtype} and {param.device.type}"
        )


def check_fused_options(differentiable: bool, foreach: bool | None) -> None:
    """The options ``fused=True`` excludes."""
    if differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def run_closure(closure: Callable[[], Any] | None) -> Any:
    """The loss of ``closure``, evaluated with gradients recorded."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def direction(param: Tensor, maximize: bool, weight_decay: float) -> Any:
    """The gradient's array, negated for ``maximize``, plus ``weight_decay * param``: a
    new array unless it is the gradient itself."""
    grad = array(param.grad)
    grad = -grad if maximize else grad
    if weight_decay != 0:
        grad = grad + weight_decay * array(param)
    return grad


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
