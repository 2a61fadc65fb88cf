"""What the single-tensor update rules share: torch's argument checks, the state's scalar
tensors, and array arithmetic rounded as torch's CPU kernels round it.

The rules compute on the arrays of the parameters and of their state in place, in the
parameter's dtype and in torch's order of operations (a Python float meets a float32 array
as a float32, as in torch's kernels), so float32 results agree with torch's within a few ulp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._device import module_of
from .._dtypes import float32, float64, get_default_dtype
from .._grad_mode import enable_grad
from .._ops import _check_inplace
from .._sparse import sparse_coo_tensor
from .._tensor import Tensor
from .optimizer import array, params_with_grad, written, xp

#: Device types whose kernels torch fuses (``fused=True``), in torch's order.
FUSED_DEVICES = ["mps", "cuda", "xpu", "hpu", "cpu", "mtia", "privateuseone"]
#: Device types that capture graphs (``capturable=True``); the single-tensor paths add xla.
CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone"]


# ----- argument checks --------------------------------------------------------------------
def check_lr(
    lr: float | Tensor, nan_ok: bool = False, foreach: Any = None, capturable: bool = False
) -> None:
    """torch's checks of a learning rate: a 1-element tensor (which Adam's foreach path
    takes only when capturable) or a number, not negative (nor NaN, but for ``nan_ok``)."""
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError(
                "lr as a Tensor is not supported for capturable=False and foreach=True"
            )
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
    if (lr < 0.0) if nan_ok else not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_capturable(params: Iterable[Tensor], xla: bool = True) -> None:
    """``capturable=True`` needs parameters on a device that captures graphs."""
    devices = CAPTURABLE_DEVICES + (["xla"] if xla else [])
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


def guard(param: Tensor) -> None:
    """The error torch's in-place update of ``param`` raises while recording gradients
    (``differentiable=True`` on a leaf that requires grad)."""
    _check_inplace("add_", param)


def refuse_sparse(p: Tensor, name: str) -> None:
    """The error of an optimizer without a sparse path, for a sparse gradient."""
    if p.grad.is_sparse:
        raise RuntimeError(f"{name} does not support sparse gradients")


def run_closure(closure: Callable[[], Any] | None) -> Any:
    """The loss of ``closure``, evaluated with gradients recorded (every ``step`` does)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


# ----- the step and the state of older saves -----------------------------------------------
def step_each(
    optimizer: Any,
    closure: Callable[[], Any] | None,
    init: Callable[[Tensor, dict[str, Any], dict[str, Any]], None],
    capturable_xla: bool = True,
) -> Any:
    """A single-tensor ``step``: the closure's loss; then, group by group, the parameters
    with a gradient get their state at their first step (``init(p, state, group)``; a
    sparse gradient is refused first), ``capturable`` is checked, and ``optimizer._rule``
    updates each."""
    loss = run_closure(closure)
    name = type(optimizer).__name__
    for group in optimizer.param_groups:
        params = params_with_grad(group)
        for p in params:
            refuse_sparse(p, name)
            if not optimizer.state[p]:
                init(p, optimizer.state[p], group)
        if group.get("capturable"):
            check_capturable(params, xla=capturable_xla)
        for p in params:
            optimizer._rule(p, optimizer.state[p], group)
    return loss


def restore_state(
    optimizer: Any,
    defaults: dict[str, Any],
    scalar: Callable[[float, Tensor, dict[str, Any]], Tensor],
    keys: tuple[str, ...] = ("step",),
) -> None:
    """torch's ``__setstate__`` for a state saved by an older version: options the groups
    lack take their defaults, and state scalars saved as numbers become tensors
    (``scalar(value, param, group)``)."""
    for group in optimizer.param_groups:
        for key, value in defaults.items():
            group.setdefault(key, value)
        for p in group["params"]:
            p_state = optimizer.state.get(p, {})
            for key in keys if p_state else ():
                if not isinstance(p_state[key], Tensor):
                    p_state[key] = scalar(float(p_state[key]), p, group)


# ----- hyperparameters and state ------------------------------------------------------------
def number(x: float | Tensor) -> float:
    """A hyperparameter as a Python number (a tensor learning rate's value)."""
    return x.item() if isinstance(x, Tensor) else x


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


def scalar_tensor(value: float, like: Tensor | None = None, fused: Any = None) -> Tensor:
    """A 0-dim state scalar (``step``, ``eta``...) as torch keeps it: float64 when that is
    the default dtype (unless fused), else float32; on ``like``'s device (else the CPU)."""
    dt = float64 if not fused and get_default_dtype() is float64 else float32
    data = np.array(value, dtype=dt._np)
    if like is None:
        return Tensor._make(data, dt)
    return Tensor._make(xp(like).asarray(data), dt, like.device)


def state_like(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state buffer shaped, strided, typed and placed like ``p`` (``zeros_like``,
    ``full_like``), every element ``fill``."""
    out = p.detach().clone()
    array(out)[...] = fill
    return out


def bump(t: Tensor) -> None:
    """One more step in a ``step`` state tensor (``step += 1``)."""
    array(t)[...] += 1
    written(t)


# ----- sparse gradients -------------------------------------------------------------------
def sparse_parts(grad: Tensor) -> tuple[Any, Any]:
    """A sparse COO tensor as its dense array (duplicates summed) and the boolean mask, over
    its sparse dims, of the slices it holds (``array[held]`` selects them)."""
    dense = array(grad.to_dense())
    index = np.asarray(array(grad._indices()).tolist(), dtype=np.int64).reshape(
        grad.sparse_dim(), -1
    )
    held = np.zeros(tuple(grad.shape[: grad.sparse_dim()]), bool)
    held[tuple(index)] = True
    return dense, module_of(dense).asarray(held)


def as_sparse(dense: Any, held: Any, like: Tensor) -> Tensor:
    """The coalesced COO tensor of ``like``'s size holding ``dense`` at the ``held`` slices."""
    index = np.stack(np.nonzero(np.asarray(held.tolist(), bool))).astype(np.int64)
    index = index.reshape(held.ndim, -1)
    values = Tensor._make(dense[held], like.dtype, like.device)
    return sparse_coo_tensor(Tensor._make(index), values, tuple(like.shape), is_coalesced=True)


# ----- array arithmetic ---------------------------------------------------------------------
def real(a: Any) -> Any:
    """A complex array as its real view (torch's ``view_as_real``); a real one as given."""
    if a.dtype.kind != "c":
        return a
    return a.view(a.real.dtype).reshape(*a.shape, 2)


def write_param(p: Tensor) -> Any:
    """The (real view of the) array of ``p`` to update in place, after :func:`guard`."""
    guard(p)
    return real(array(p))


def direction(param: Tensor, maximize: bool, weight_decay: float) -> Any:
    """The gradient's array, negated for ``maximize``, plus ``weight_decay * param``: a
    new array unless it is the gradient itself."""
    grad = array(param.grad)
    grad = -grad if maximize else grad
    if weight_decay != 0:
        grad = grad + weight_decay * array(param)
    return grad


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
