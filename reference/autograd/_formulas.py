"""Derivative formulas (torch's ``derivatives.yaml`` for the documented ops).

Each factory returns a :class:`Formula` whose function maps the output gradients to input
gradients using reference ops, so that the gradients are themselves differentiable
(``create_graph=True``). Masks and index arrays enter as constants: they are piecewise
constant in the inputs, so their derivative is zero where the op is differentiable.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._device import module_of, to_host
from .._factory import new_leaf
from .._fpstate import quiet
from .._ops import apply_op, put_add, take
from .._strides import contiguous_strides
from ._graph import Formula
from ._scatter import along_positions, host_ids

__all__ = [
    "UNARY",
    "tanh_backward",
    "conj",
    "binary",
    "scalar_binary",
    "reduction_sum",
    "reduction_mean",
    "reduction_extreme",
    "selected",
    "gather",
    "cat",
    "stack",
    "cumsum",
    "vector_norm",
    "svdvals",
    "mm",
    "mv",
    "dot",
    "bmm",
    "addmm",
    "identity",
    "copy",
    "fill_tensor",
]


def _const(like: Any, array: np.ndarray) -> Any:
    """A constant tensor (no grad) from an array (a copy), on ``like``'s device."""
    return new_leaf(np.array(array), None, like.device)


def _sgn(x: Any) -> Any:
    """sign(x), ``x / |x|`` for complex, as a constant (its derivative is zero wherever it
    is defined)."""
    return apply_op("sgn", np.sign, x.detach(), differentiable=False)


def conj(t: Any) -> Any:
    """``conj(t)`` for a complex tensor (differentiable), ``t`` itself otherwise.

    torch's gradients of complex functions are conjugate Wirtinger derivatives: a
    holomorphic ``f`` sends ``g`` back as ``g * conj(f'(z))``."""
    if not t.is_complex():
        return t
    return apply_op("conj", np.conjugate, t, backward=_CONJ)


_CONJ = Formula(lambda n, g: (conj(g),))


def _conj_number(value: Any) -> Any:
    return value.conjugate() if isinstance(value, complex) else value


def _log(value: float | complex) -> float | complex:
    """log of a nonzero base: complex for a complex one, NaN for a negative real one."""
    if isinstance(value, complex):
        return cmath.log(value)
    return math.log(value) if value > 0 else math.nan


def _zero_base_log(x: Any) -> Any:
    """The factor ``log(0)`` of ``0 ** x``'s gradient: -inf where ``x < 0``, else 0 (there
    ``0 ** x`` is constant: 1 at 0, 0 above)."""
    return apply_op("zero_base_log", lambda a: np.where(a < 0, -np.inf, 0).astype(a.dtype),
                    x.detach(), differentiable=False)


def _chain(derivative: Any, outputs: bool = False, divide: bool = False) -> Formula:
    """The formula ``g * conj(f'(x))`` of a pointwise ``f`` whose derivative is given, or
    ``g / conj(d)`` with ``divide`` (``f' = 1 / d``), rounded as torch's."""
    if divide:
        fn = lambda n, g: (g / conj(derivative(n)),)  # noqa: E731
    else:
        fn = lambda n, g: (g * conj(derivative(n)),)  # noqa: E731
    return Formula(fn, outputs=True) if outputs else Formula(fn, inputs="all")


# ----- pointwise ----------------------------------------------------------------------------
def _x(node: Any) -> Any:
    return node.saved_input(0)


def _out(node: Any) -> Any:
    return node.saved_output(0)


UNARY: dict[str, Formula] = {
    "sin": _chain(lambda n: _x(n).cos()),
    "cos": _chain(lambda n: -_x(n).sin()),
    "tan": _chain(lambda n: _out(n) * _out(n) + 1, outputs=True),
    "asin": _chain(lambda n: (1 - _x(n) * _x(n)).pow(-0.5)),
    "acos": _chain(lambda n: -((1 - _x(n) * _x(n)).pow(-0.5))),
    "atan": _chain(lambda n: _x(n) * _x(n) + 1, divide=True),
    "sinh": _chain(lambda n: _x(n).cosh()),
    "cosh": _chain(lambda n: _x(n).sinh()),
    "tanh": Formula(lambda n, g: (tanh_backward(g, _out(n)),), outputs=True),
    "asinh": _chain(lambda n: (_x(n) * _x(n) + 1).pow(-0.5)),
    "acosh": _chain(lambda n: (_x(n) * _x(n) - 1).pow(-0.5)),
    "atanh": _chain(lambda n: 1 - _x(n) * _x(n), divide=True),
    "exp": _chain(_out, outputs=True),
    "log": _chain(_x, divide=True),
    "sqrt": _chain(lambda n: 2 * _out(n), outputs=True, divide=True),
    "neg": Formula(lambda n, g: (-g,)),
    "abs": Formula(lambda n, g: (g * _sgn(_x(n)),), inputs="all"),
    "reciprocal": _chain(lambda n: -(_out(n) * _out(n)), outputs=True),
}


def tanh_backward(g: Any, out: Any) -> Any:
    """torch's ``tanh_backward``: ``g * conj(1 - out * out)``, one op rounding after each
    step as the three ops would, into one fresh array (its own derivative below)."""
    a, y = g._data, out._data
    layout = a.strides == y.strides or not any(a.strides)  # ``y``'s, or ``g`` one value
    if g._dtype is not out._dtype or a.shape != y.shape or not layout:
        return g * conj(1 - out * out)  # the ops' own promotion and layout

    def fn(a, y):
        xp = module_of(y)
        with quiet():
            t = xp.multiply(y, y, out=xp.empty_like(y))  # the layout ``y * y`` has
            xp.subtract(1, t, out=t)
            if xp.iscomplexobj(t):
                xp.conjugate(t, out=t)
            return xp.multiply(a, t, out=t)

    return apply_op("tanh_backward", fn, g, out, backward=_TANH_BACKWARD)


def _tanh_backward_backward(n: Any, gg: Any) -> tuple:
    """torch's: ``tanh_backward(gg, conj(out))`` for ``g``, ``conj(gg) * -2 * conj(out) * g``
    for ``out``."""
    out = conj(n.saved_input(1))
    return (
        tanh_backward(gg, out) if n.needs(0) else None,
        conj(gg) * (-2 * out * n.saved_input(0)) if n.needs(1) else None,
    )


_TANH_BACKWARD = Formula(_tanh_backward_backward, inputs="all")


def _mul(n: Any, g: Any) -> tuple:
    return (
        g * conj(n.saved_input(1)) if n.needs(0) else None,
        g * conj(n.saved_input(0)) if n.needs(1) else None,
    )


def _div(n: Any, g: Any) -> tuple:
    b = n.saved_input(1)
    return (
        g / conj(b) if n.needs(0) else None,
        -g * conj(n.saved_input(0) / b / b) if n.needs(1) else None,
    )


def _remainder(n: Any, g: Any) -> tuple:
    """``a - b * floor(a / b)``: ``g`` for ``a``, ``-g * floor(a / b)`` for ``b``."""
    a, b = n.saved_input(0), n.saved_input(1)
    return g, (-g * a.div(b, rounding_mode="floor") if n.needs(1) else None)


def _pow(n: Any, g: Any) -> tuple:
    """torch's: no gradient to the base where the exponent is 0, none to the exponent where
    the base is 0 and the exponent not negative (there ``a ** b`` is constant in ``b``)."""
    a, b = n.saved_input(0), n.saved_input(1)
    return (
        _zero_where(b.eq(0), g * conj(b * a.pow(b - 1))) if n.needs(0) else None,
        _zero_where(a.eq(0) & _nonnegative(b), g * conj(n.saved_output(0) * a.log()))
        if n.needs(1) else None,
    )


def _nonnegative(t: Any) -> Any:
    """``t >= 0``; for complex ``t``, a real part >= 0 and no imaginary part."""
    return apply_op("nonnegative", lambda x: (x.real >= 0) & (x.imag == 0), t.detach(),
                    differentiable=False)


def _zero_where(mask: Any, t: Any) -> Any:
    """``t`` with zeros where the bool tensor ``mask`` holds (differentiable in ``t``)."""
    return apply_op("zero_where", lambda m, x: np.where(m, 0, x), mask.detach(), t,
                    backward=_ZERO_WHERE)


_ZERO_WHERE = Formula(lambda n, g: (None, _zero_where(n.saved_input(0), g)), inputs=(0,))


def _atan2(n: Any, g: Any) -> tuple:
    y, x = n.saved_input(0), n.saved_input(1)
    denom = x * x + y * y
    return g * x / denom, -(g * y / denom)


def _max_min(n: Any, g: Any, pick: str) -> tuple:
    a, b = n.saved_input(0), n.saved_input(1)
    win_a = getattr(a, pick)(b)
    tie = a.eq(b)
    half = g * tie * 0.5
    return g * win_a + half, g * (~(win_a | tie)) + half


_BINARY: dict[str, Formula] = {
    "add": Formula(lambda n, g: (g, g)),
    "sub": Formula(lambda n, g: (g, -g)),
    "mul": Formula(_mul, inputs="cross"),
    "div": Formula(_div, inputs="all"),
    "pow": Formula(_pow, inputs="all", outputs=True),
    "atan2": Formula(_atan2, inputs="all"),
    "maximum": Formula(lambda n, g: _max_min(n, g, "gt"), inputs="all"),
    "remainder": Formula(_remainder, inputs="all"),
    "div_trunc": Formula(lambda n, g: (_zeros(g), _zeros(g))),  # rounded: flat almost
    "div_floor": Formula(lambda n, g: (_zeros(g), _zeros(g))),  # everywhere, as torch's
    "minimum": Formula(lambda n, g: _max_min(n, g, "lt"), inputs="all"),
}


def binary(name: str) -> Formula | None:
    """The formula of a tensor-tensor op (None: not differentiable here)."""
    return _BINARY.get(name)


def _zeros(g: Any) -> Any:
    return g.new_zeros(tuple(g.shape))


def scalar_binary(name: str, scalar: Any, tensor_first: bool) -> Formula | None:
    """The formula of ``tensor <op> scalar`` (or ``scalar <op> tensor``)."""
    if name in ("div_trunc", "div_floor"):
        return Formula(lambda n, g: (_zeros(g),))
    if name == "remainder" and tensor_first:  # scalar % tensor: torch has no derivative
        return Formula(lambda n, g: (g,))
    s = complex(scalar) if isinstance(scalar, complex) else float(scalar)
    c = s.conjugate()
    if name == "add":
        return Formula(lambda n, g: (g,))
    if name == "sub":
        return Formula(lambda n, g: (g if tensor_first else -g,))
    if name == "mul":
        return Formula(lambda n, g: (g * c,))
    if name == "div" and tensor_first:
        return Formula(lambda n, g: (g / c,))
    if name == "div":
        return Formula(lambda n, g: (-g * conj(s / _x(n) / _x(n)),), inputs="all")
    if name == "pow" and tensor_first:
        if s == 0:
            return Formula(lambda n, g: (g * 0,))
        return Formula(lambda n, g: (g * conj(s * _x(n).pow(s - 1)),), inputs="all")
    if name == "pow" and s == 0:  # torch: 0 where x >= 0, the limit -inf where x < 0
        return Formula(lambda n, g: (g * (_out(n) * _zero_base_log(_x(n))),), inputs="all",
                       outputs=True)
    if name == "pow":
        return Formula(lambda n, g: (g * conj(_out(n) * _log(s)),), outputs=True)
    return None


# ----- reductions -------------------------------------------------------------------------
def _kept(g: Any, axes: Sequence[int], keepdim: bool) -> Any:
    """``g`` with the reduced axes back as size-1 dims."""
    if keepdim or g.ndim == 0 and not axes:
        return g
    for a in sorted(axes):
        g = g.unsqueeze(a)
    return g


def _expand(g: Any, axes: Sequence[int], keepdim: bool, shape: tuple) -> Any:
    if not shape:
        return g.reshape(())
    if g.ndim == 0:  # a full reduction: one expand, as torch's sum_backward
        return g.expand(shape)
    return _kept(g, axes, keepdim).expand(shape)


def reduction_sum(axes: Sequence[int], keepdim: bool, shape: tuple) -> Formula:
    """sum: the gradient broadcast back over the reduced axes."""
    return Formula(lambda n, g: (_expand(g, axes, keepdim, shape),))


def reduction_mean(axes: Sequence[int], keepdim: bool, shape: tuple) -> Formula:
    """mean: sum's gradient divided by the number of reduced elements."""
    count = int(np.prod([shape[a] for a in axes], dtype=np.int64)) if shape else 1
    return Formula(lambda n, g: (_expand(g, axes, keepdim, shape) / count,))


def reduction_extreme(axes: Sequence[int], keepdim: bool, shape: tuple) -> Formula:
    """amax/amin and max()/min(): the gradient shared evenly by the tied extremes."""

    def fn(n: Any, g: Any) -> tuple:
        x = n.saved_input(0)
        hit = x.eq(_kept(n.saved_output(0), axes, keepdim))
        count = hit.sum(tuple(axes), keepdim=True) if axes else hit.sum()
        return (_kept(g, axes, keepdim) * hit / count,)

    return Formula(fn, inputs="all", outputs=True)


def _grid_ids(indices: np.ndarray, d: int, shape: tuple, keepdim: bool) -> np.ndarray:
    """Row-major input positions of values picked by ``indices`` along dim ``d``."""
    if not shape or indices.size == 0:  # nothing picked (an empty index may have any shape)
        return np.zeros(indices.shape, np.int64)
    idx = indices if keepdim else np.expand_dims(indices, d)
    ids = along_positions(idx, d, contiguous_strides(shape))
    return ids if keepdim else np.squeeze(ids, d)


def selected(d: int, keepdim: bool, shape: tuple) -> Formula:
    """max(dim)/min(dim)/topk: the gradient goes to the returned indices only."""

    def fn(n: Any, g: Any, _g_indices: Any) -> tuple:
        ids = _grid_ids(host_ids(n.saved_output(1)), d, shape, keepdim)
        return (put_add(g, ids, shape),)

    return Formula(fn, outputs=True)


def gather(d: int, shape: tuple, found: list | None = None) -> Formula:
    """gather: gradients scattered back to the gathered positions (repeats add up);
    ``found`` holds them when the forward computed them (host row-major positions)."""

    def fn(n: Any, g: Any) -> tuple:
        index = n.saved_input(1)  # checked against in-place writes even when not read
        ids = found[0] if found else _grid_ids(host_ids(index), d, shape, keepdim=True)
        return put_add(g, ids, shape), None

    return Formula(fn, inputs=(1,))


def index(ids: np.ndarray, shape: tuple) -> Formula:
    """Advanced indexing: the gradient goes back to the selected positions (repeats add)."""
    return Formula(lambda n, g: (put_add(g, ids, shape),))


def index_put(ids: np.ndarray, shape: tuple, with_value: bool) -> Formula:
    """``self[index] = value``: the overwritten positions of ``self`` get no gradient; the
    value gets the gradient of the positions it was written to."""
    keep = np.ones(int(np.prod(shape, dtype=np.int64)))
    keep[ids.reshape(-1)] = 0
    keep = keep.reshape(shape)

    def fn(n: Any, g: Any) -> tuple:
        old = g * _const(g, keep.astype(g._data.dtype))
        return (old, take(g, ids)) if with_value else (old,)

    return Formula(fn)


def cat(d: int, sizes: Sequence[int | None]) -> Formula:
    """cat: each input gets its slice of the gradient (a skipped empty 1-D input, an empty
    gradient of its shape, as torch's)."""

    def fn(n: Any, g: Any) -> tuple:
        out, start = [], 0
        for size in sizes:
            if size is None:
                out.append(g.new_zeros((0,)))
                continue
            out.append(g.narrow(d, start, size))
            start += size
        return tuple(out)

    return Formula(fn)


def stack(d: int) -> Formula:
    """stack: each input gets its slice of the gradient along the new dim ``d``."""
    return Formula(lambda n, g: g.unbind(d))


def cumsum(d: int) -> Formula:
    """cumsum: the reversed cumulative sum of the gradient, summed as torch sums it (the
    flipped gradient's cumsum, flipped back)."""
    return Formula(lambda n, g: (_flipped(_flipped(g, d).cumsum(d), d),))


def _flipped(t: Any, d: int) -> Any:
    """``t`` reversed along ``d`` (a differentiable gather)."""
    d %= max(t.ndim, 1)
    size = t.shape[d] if t.ndim else 1
    shape = [1] * t.ndim
    if t.ndim:
        shape[d] = size
    index = np.broadcast_to(np.arange(size - 1, -1, -1).reshape(shape), tuple(t.shape))
    return t.gather(d, _const(t, index))


def vector_norm(p: float, axes: Sequence[int], keepdim: bool) -> Formula:
    """linalg.vector_norm; the gradient at a zero vector is zero, as torch's."""

    def fn(n: Any, g: Any) -> tuple:
        x, norm = n.saved_input(0), _kept(n.saved_output(0), axes, keepdim)
        g = _kept(g, axes, keepdim)
        if p == 0:
            return (None,)  # torch gives no gradient at all
        if p == 1:
            return (g * _sgn(x),)
        if math.isinf(p):
            hit = x.abs().eq(norm)
            count = hit.sum(tuple(axes), keepdim=True) if axes else hit.sum()
            return (g * _sgn(x) * hit / count,)
        zero = norm.eq(0)  # a zero norm gets a zero gradient, whatever the order
        safe = norm + zero
        if p == 2:
            return (x * (g / safe) * (~zero),)
        nonzero = x.ne(0)  # |x|**(p-1) is not finite at 0 for p < 1
        magnitude = (x.abs() + (~nonzero)).pow(p - 1) * nonzero
        return (_sgn(x) * magnitude * (g * (~zero) / safe.pow(p - 1)),)

    return Formula(fn, inputs="all", outputs=True)


def svdvals() -> Formula:
    """linalg.svdvals: ``U diag(g) V^H`` from the saved input's SVD (first order only)."""

    def fn(n: Any, g: Any) -> tuple:
        a = n.saved_input(0)
        arr = to_host(a._data)
        k = min(arr.shape[-2:])
        u, _, vh = np.linalg.svd(arr, full_matrices=False)
        left = _const(a, np.ascontiguousarray(u[..., :, None, :k]))
        right = _const(
            a, np.ascontiguousarray(np.swapaxes(vh[..., :k, :], -1, -2)[..., None, :, :])
        )
        return ((left * g.unsqueeze(-2).unsqueeze(-2) * right).sum(-1),)

    return Formula(fn, inputs="all")


# ----- matrix products ----------------------------------------------------------------------
def column_major(t: Any) -> bool:
    """A matrix laid out by columns (a transposed contiguous one), by torch's test; the
    matrix products' formulas are told at the forward (the tensor itself may not be saved)."""
    return t.stride(0) == 1 and t.stride(1) == t.shape[0]


def _mat1_grad(g: Any, mat2: Any, by_columns: bool) -> Any:
    """``g @ mat2^H``, computed transposed when ``mat1`` is column-major so that the
    gradient comes out in ``mat1``'s layout, as torch's ``mm_mat1_backward``."""
    if by_columns:
        return conj(mat2).mm(g.t()).t()
    return g.mm(conj(mat2).t())


def _mat2_grad(g: Any, mat1: Any, by_columns: bool) -> Any:
    """``mat1^H @ g``, in ``mat2``'s layout when that is column-major (``mm_mat2_backward``):
    a transposed weight's gradient then needs no transposing copy."""
    if by_columns:
        return g.t().mm(conj(mat1)).t()
    return conj(mat1).t().mm(g)


def mm(by_columns: tuple[bool, bool] = (False, False)) -> Formula:
    """mm: ``g @ B^T`` and ``A^T @ g`` (``by_columns``: which operand is column-major)."""

    def fn(n: Any, g: Any) -> tuple:
        return (
            _mat1_grad(g, n.saved_input(1), by_columns[0]) if n.needs(0) else None,
            _mat2_grad(g, n.saved_input(0), by_columns[1]) if n.needs(1) else None,
        )

    return Formula(fn, inputs="cross")


def _mv(n: Any, g: Any) -> tuple:
    return (
        g.unsqueeze(-1) * conj(n.saved_input(1)) if n.needs(0) else None,
        conj(n.saved_input(0)).t().mv(g) if n.needs(1) else None,
    )


def mv() -> Formula:
    """mv: the outer product ``g v^T`` and ``A^T @ g``."""
    return Formula(_mv, inputs="cross")


def dot() -> Formula:
    """dot: each vector gets the other one scaled by ``g``."""
    return Formula(_mul, inputs="cross")


def _bmm(n: Any, g: Any) -> tuple:
    return (
        g.bmm(conj(n.saved_input(1)).transpose(1, 2)) if n.needs(0) else None,
        conj(n.saved_input(0)).transpose(1, 2).bmm(g) if n.needs(1) else None,
    )


def bmm() -> Formula:
    """bmm: ``mm``'s formula per batch."""
    return Formula(_bmm, inputs="cross")


def addmm(beta: Any, alpha: Any, by_columns: tuple[bool, bool] = (False, False)) -> Formula:
    """addmm: ``beta * g`` for the (broadcast) input, ``alpha`` times mm's for the matrices."""

    def fn(n: Any, g: Any) -> tuple:
        scaled = g if alpha == 1 else g * _conj_number(alpha)
        cols1, cols2 = by_columns
        mat1 = _mat1_grad(scaled, n.saved_input(2), cols1) if n.needs(1) else None
        mat2 = _mat2_grad(scaled, n.saved_input(1), cols2) if n.needs(2) else None
        return (g if beta == 1 else g * _conj_number(beta)), mat1, mat2

    return Formula(fn, inputs=(1, 2))


def identity() -> Formula:
    """clone / to: the gradient passes through (the engine casts it to the input dtype)."""
    return Formula(lambda n, g: (g,))


def fill_tensor() -> Formula:
    """fill_ with a 0-dim tensor: the value gets the sum of the gradient."""
    return Formula(lambda n, g: (None, g.sum()))


def copy(n_inputs: int) -> Formula:
    """copy_ / fill_: the old value gets no gradient, the source gets all of it."""
    return Formula(lambda n, g: (None,) + (g,) * (n_inputs - 1))
