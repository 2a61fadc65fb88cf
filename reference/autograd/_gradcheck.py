"""``torch.autograd.gradcheck`` / ``gradgradcheck``: analytic Jacobians (one backward per
output element) against central finite differences, element by element."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._device import CPU, to_host
from .._factory import filled_like, new_leaf
from .._grad_mode import enable_grad, no_grad
from .._tensor import Tensor
from ._api import grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when the gradients disagree."""


def _tupled(value: Any) -> tuple:
    return (value,) if isinstance(value, Tensor) else tuple(value)


def _check_inputs(inputs: tuple) -> list[int]:
    wrt = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t._requires_grad:
            if t._dtype._name not in ("float64", "complex128"):
                warnings.warn(
                    f"Input #{i} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not "
                    "of double precision floating point or complex. ",
                    UserWarning,
                    stacklevel=3,
                )
            if any(st == 0 and n > 1 for st, n in zip(t.stride(), t.shape, strict=True)):
                raise RuntimeError(
                    f"The {i}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck."
                )
            wrt.append(i)
    if not wrt:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of "
            "them have requires_grad=True."
        )
    return wrt


def _outputs(func: Callable, inputs: tuple) -> list[Tensor]:
    """The differentiable (floating or complex) outputs, as torch's gradcheck uses them."""
    return [
        o
        for o in _tupled(func(*inputs))
        if isinstance(o, Tensor) and (o._dtype.is_floating_point or o._dtype.is_complex)
    ]


def _numerical(
    func: Callable, inputs: tuple, i: int, out_idx: int, eps: float, part: Callable
) -> np.ndarray:
    """d part(out[out_idx]) / d inputs[i] by central differences, shape (in.numel,
    out.numel); for a complex input, torch's conjugate Wirtinger derivative of that real
    function: ``d/dx + 1j * d/dy``."""
    x = inputs[i]
    flat = x._data.reshape(-1) if x._data.flags.c_contiguous else None
    if flat is None:
        raise RuntimeError("reference gradcheck needs contiguous inputs")
    steps = (eps, 1j * eps) if np.iscomplexobj(flat) else (eps,)
    columns = []
    with no_grad():
        for k in range(flat.size):
            column = 0
            for weight, step in zip((1, 1j), steps, strict=False):
                orig = flat[k].copy()
                flat[k] = orig + step
                plus = part(_host(_outputs(func, inputs)[out_idx]))
                flat[k] = orig - step
                minus = part(_host(_outputs(func, inputs)[out_idx]))
                flat[k] = orig
                column = column + weight * (plus - minus) / (2 * eps)
            columns.append(np.asarray(column).reshape(-1))
    out_n = _outputs(func, inputs)[out_idx].numel()
    return np.array(columns, np.complex128).reshape(flat.size, out_n)


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(to_host(t._data)).astype(np.complex128)


def _analytical(
    outputs: list[Tensor], inputs: tuple, i: int, out_idx: int, cotangent: complex
) -> np.ndarray:
    """Rows of the Jacobian by one backward pass per output element, each with the
    cotangent ``1`` (the real part of the output) or ``1j`` (its imaginary part)."""
    out, x = outputs[out_idx], inputs[i]
    jac = np.zeros((x.numel(), out.numel()), np.complex128)
    if not out._requires_grad:
        return jac
    for k in range(out.numel()):
        v = filled_like(out, 0)
        v._data[np.unravel_index(k, tuple(out.shape))] = cotangent  # in place, any strides
        (g,) = grad(out, x, v, retain_graph=True, allow_unused=True)
        if g is not None:
            jac[:, k] = np.asarray(to_host(g._data)).reshape(-1)
    return jac


#: The real functions gradcheck checks a complex output through, in torch's order: its
#: imaginary part (cotangent 1j), then its real part (cotangent 1).
_IMAG = "While considering the imaginary part of complex outputs only, "
_PARTS = ((np.real, 1, ""), (np.imag, 1j, _IMAG))


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """True when the analytic gradients of ``func`` at ``inputs`` match finite differences
    (``|a - n| <= atol + rtol * |n|``); else GradcheckError (or False)."""
    tupled = _tupled(inputs)
    wrt = _check_inputs(tupled)
    outputs = _outputs(func, tupled)
    for o_idx, out in enumerate(outputs):
        parts = _PARTS[::-1] if out._dtype.is_complex else _PARTS[:1]
        for part, cotangent, prefix in parts:
            for i in wrt:
                numerical = _numerical(func, tupled, i, o_idx, eps, part)
                analytical = _analytical(outputs, tupled, i, o_idx, cotangent)
                if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
                    if not raise_exception:
                        return False
                    raise GradcheckError(prefix + _mismatch(o_idx, i, numerical, analytical))
    return True


def _mismatch(o_idx: int, i: int, numerical: np.ndarray, analytical: np.ndarray) -> str:
    def show(a: np.ndarray) -> str:
        values = a.real if not np.iscomplexobj(a) or not a.imag.any() else a
        return repr(new_leaf(np.array(values), None, CPU))

    return (
        f"Jacobian mismatch for output {o_idx:d} with respect to input {i:d},\n"
        f"numerical:{show(numerical)}\nanalytical:{show(analytical)}\n"
    )


def gradgradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    **_ignored: Any,
) -> bool:
    """gradcheck of the function ``inputs -> autograd.grad(func(inputs), inputs, v,
    create_graph=True)`` for fixed random cotangents ``v``."""
    tupled = _tupled(inputs)
    wrt = _check_inputs(tupled)
    outs = _outputs(func, tupled)
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = [new_leaf(rng.standard_normal(tuple(o.shape)), o.dtype, CPU) for o in outs]
    vs = list(_tupled(grad_outputs))

    def first(*xs: Any) -> tuple:
        with enable_grad():
            return _vjp(xs)

    def _vjp(xs: tuple) -> tuple:
        results = _outputs(func, xs)
        diff = [xs[i] for i in wrt]
        got = grad(results, diff, vs, create_graph=True, allow_unused=True)
        return tuple(
            g if g is not None else filled_like(x, 0) for g, x in zip(got, diff, strict=True)
        )

    return gradcheck(first, tupled, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
