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

from .._dtypes import float32, float64, get_default_dtype
from .._grad_mode import enable_grad, is_grad_enabled
from .._tensor import Tensor
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["Adam"]

#: Devices torch's capturable optimizers accept (the single-tensor path also names xla).
_CAPTURABLE = ["cuda", "xpu", "hpu", "privateuseone"]


# ----- helpers shared with Adamax ---------------------------------------------------------
def scalar_step(value: float = 0.0, fused: Any = None) -> Tensor:
    """``step`` as torch keeps it: a 0-dim float tensor (float64 when that is the default
    dtype, unless the optimizer is fused)."""
    dt = float64 if not fused and get_default_dtype() is float64 else float32
    return Tensor._make(np.array(value, dtype=dt._np), dt)


def zeros_state(p: Tensor) -> Tensor:
    """A zero buffer shaped, strided, typed and placed like ``p`` (``zeros_like``)."""
    out = p.detach().clone()
    array(out)[...] = 0
    return out


def to_scalar(x: Any) -> Any:
    """A 1-element tensor as a 0-dim one (torch's ``_to_scalar``); other values as given."""
    if isinstance(x, Tensor) and x.ndim != 0:
        return x.squeeze()
    return x


def value_of(x: Any) -> Any:
    """A hyperparameter for arithmetic: a Python number, or a tensor's 0-dim array (which
    keeps the tensor's dtype through numpy's scalar arithmetic, as torch's 0-dim tensors)."""
    return np.asarray(array(x)).reshape(()) if isinstance(x, Tensor) else x


def as_python(x: Any) -> float:
    """A scalar argument (``value=``, ``alpha=``) as torch reads it: a Python float."""
    return float(x)


def real(a: Any) -> Any:
    """A complex array as its real view (torch's ``view_as_real``); a real one as given."""
    if a.dtype.kind != "c":
        return a
    return a.view(a.real.dtype).reshape(*a.shape, 2)


def capturable_check(p: Tensor, xla: bool) -> None:
    """torch's check of ``capturable=True``: the parameters must be on a capturable device."""
    devices = _CAPTURABLE + (["xla"] if xla else [])
    if p.device.type not in devices:
        raise AssertionError(
            f"If capturable=True, params and state_steps must be on supported devices: {devices}."
        )


def write_param(p: Tensor) -> np.ndarray:
    """The array of ``p`` to update in place; a leaf that requires grad refuses it while
    gradients are recorded (``differentiable=True``), as autograd does."""
    if is_grad_enabled() and p.requires_grad and p.is_leaf:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    return real(array(p))


def fma(x: Any, y: Any, z: Any, dtype: np.dtype) -> Any:
    """``x * y + z`` rounded once, as torch's vectorized kernels compute it: float32 through
    float64 (exact product); wider types round twice."""
    if np.dtype(dtype) == np.float32:
        wide = np.asarray(x, np.float64) * np.asarray(y, np.float64) + np.asarray(z, np.float64)
        return wide.astype(np.float32)
    return x * y + z


def add_scaled(a: Any, alpha: Any, b: Any) -> Any:
    """``a.add(b, alpha=alpha)``: ``alpha`` in ``a``'s dtype, one rounding."""
    return fma(a.dtype.type(alpha), b, a, a.dtype)


def lerp_(a: np.ndarray, end: np.ndarray, weight: Any) -> None:
    """``a.lerp_(end, weight)`` with torch's two formulas (exact at both ends)."""
    w = a.dtype.type(weight)
    diff = end - a
    if abs(float(w)) < 0.5:
        a[...] = fma(w, diff, a, a.dtype)
    else:
        a[...] = fma(-(a.dtype.type(1) - w), diff, end, a.dtype)


def check_lr(lr: Any, foreach: Any = None, capturable: bool = False) -> None:
    """torch's checks of ``lr``: a tensor has one element (and needs capturable with
    foreach in Adam), and it is not negative."""
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError(
                "lr as a Tensor is not supported for capturable=False and foreach=True"
            )
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


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


def closure_loss(closure: Callable[[], Any] | None) -> Any:
    """Evaluate the closure with gradients recorded, as every optimizer's ``step`` does."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


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
        check_lr(lr, foreach, capturable)
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
        for group in self.param_groups:
            for key, default in (
                ("amsgrad", False),
                ("maximize", False),
                ("foreach", None),
                ("capturable", False),
                ("differentiable", False),
                ("decoupled_weight_decay", False),
                ("fused", None),
            ):
                group.setdefault(key, default)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and not isinstance(p_state["step"], Tensor):
                    fused = group["fused"] if group["capturable"] or group["fused"] else None
                    p_state["step"] = scalar_step(float(p_state["step"]), fused)

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
            state["step"] = scalar_step(0.0, group["fused"])
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_state(p)
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
        loss = closure_loss(closure)
        for group in self.param_groups:
            params = self._group_params(group)
            for p in params:
                if group["capturable"]:
                    capturable_check(p, xla=not group["foreach"])
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
