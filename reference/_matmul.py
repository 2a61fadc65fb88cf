"""Matrix products: ``mm``, ``mv``, ``dot``, ``bmm``, ``addmm`` and ``matmul``.

The first five are primitives (one numpy product each, with torch's checks and derivative
formulas); ``matmul`` dispatches to them the way ``aten::matmul`` does (folding batch dims
into a matrix product when no copy is needed, a broadcast ``bmm`` otherwise), so errors and
``grad_fn`` names follow torch's."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import _blas, _dtypes
from ._conversion import cast_array, contiguous
from ._dtypes import c_name, dtype
from ._joining import squeeze, unsqueeze
from ._ops import apply_op, xp_of
from ._pointwise import opmath
from ._strides import broadcast_shapes
from ._tensor import Tensor
from ._views import expand, mT, reshape, t
from .autograd import _formulas as grads
from .autograd._graph import Formula

__all__ = ["mm", "mv", "dot", "bmm", "addmm", "matmul"]


def require_tensors(name: str, args: Sequence[tuple[str, Any]], first: int = 1) -> None:
    """torch's TypeError for an argument that is not a tensor (None allowed when optional:
    pass only the arguments given)."""
    for position, (arg, value) in enumerate(args, first):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                f"{type(value).__name__}"
            )


def _product(xp, a, b, out_dt: dtype):
    """``a @ b`` computed in torch's accumulation type (float32 for half types)."""
    comp = opmath(out_dt)
    result = _blas.matmul(xp, cast_array(a, comp), cast_array(b, comp))
    return cast_array(result, out_dt)


def _no_bool(x: Tensor, kernel: str) -> None:
    if x._dtype is _dtypes.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_matrix(x: Tensor, name: str, suffix: bool = False) -> None:
    if x.ndim != 2:
        tail = f", got {x.ndim}-D tensor" if suffix else ""
        raise RuntimeError(f"{name} must be a matrix{tail}")


def _check_mm_shapes(a: Tensor, b: Tensor) -> None:
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """The matrix product of two 2-D tensors."""
    require_tensors("mm", [("input", input), ("mat2", mat2)])
    _check_matrix(input, "self")
    _check_matrix(mat2, "mat2")
    _check_mm_shapes(input, mat2)
    if input._dtype is not mat2._dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{c_name(input._dtype)} != {c_name(mat2._dtype)}"
        )
    _no_bool(input, "addmm_impl_cpu_")
    xp, dt = xp_of(input), input._dtype
    layout = grads.column_major(input), grads.column_major(mat2)
    return apply_op(
        "mm", lambda a, b: _product(xp, a, b, dt), input, mat2, backward=grads.mm(layout)
    )


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """The product of a matrix and a vector."""
    require_tensors("mv", [("input", input), ("vec", vec)])
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})"
        )
    if input._dtype is not vec._dtype:
        v, m = vec._dtype._scalar_name, input._dtype._scalar_name
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}"
        )
    _no_bool(input, "addmv_impl_cpu")
    xp, dt = xp_of(input), input._dtype
    return apply_op("mv", lambda a, b: _product(xp, a, b, dt), input, vec, backward=grads.mv())


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """The inner product of two 1-D tensors (a 0-dim tensor)."""
    require_tensors("dot", [("input", input), ("tensor", tensor)])
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input._dtype is not tensor._dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{input._dtype._scalar_name} and {tensor._dtype._scalar_name}"
        )
    if input.shape[0] != tensor.shape[0]:
        n, m = input.shape[0], tensor.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
    _no_bool(input, "dot")
    xp, dt = xp_of(input), input._dtype
    return apply_op("dot", lambda a, b: _product(xp, a, b, dt), input, tensor, backward=grads.dot())


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched matrix product of two 3-D tensors with the same batch size."""
    require_tensors("bmm", [("input", input), ("mat2", mat2)])
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    want = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != want:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {want} but got: "
            f"{list(mat2.shape[:2])}."
        )
    if input._dtype is not mat2._dtype:
        raise RuntimeError(
            f"expected scalar type {input._dtype._scalar_name} but found {mat2._dtype._scalar_name}"
        )
    _no_bool(input, "bmm")
    xp, dt = xp_of(input), input._dtype
    return apply_op("bmm", lambda a, b: _product(xp, a, b, dt), input, mat2, backward=grads.bmm())


def _check_same(first: Tensor, second: Tensor, names: str) -> None:
    if first._dtype is not second._dtype:
        raise RuntimeError(
            f"{names} must have the same dtype, but got {first._dtype._scalar_name} and "
            f"{second._dtype._scalar_name}"
        )


def addmm(
    input: Tensor,  # noqa: A002
    mat1: Tensor,
    mat2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    require_tensors("addmm", [("input", input), ("mat1", mat1), ("mat2", mat2)])
    for name, value in (("beta", beta), ("alpha", alpha)):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(
                f"addmm(): argument '{name}' must be Number, not {type(value).__name__}"
            )
    _check_matrix(mat1, "mat1", suffix=True)
    _check_matrix(mat2, "mat2", suffix=True)
    _check_same(input, mat2, "self and mat2")
    _check_same(mat1, mat2, "mat1 and mat2")
    _check_mm_shapes(mat1, mat2)
    shape = (mat1.shape[0], mat2.shape[1])
    bias = expand(input, shape)
    _no_bool(mat1, "addmm_impl_cpu_")
    xp, dt = xp_of(mat1), mat1._dtype

    def fn(c, a, b):
        comp = opmath(dt)
        prod = _product(xp, a, b, comp)
        if alpha != 1:
            prod = prod * xp.asarray(alpha, dtype=prod.dtype)
        if beta == 0:  # torch ignores the input then (NaN included)
            return cast_array(prod, dt)
        scaled = cast_array(c, comp)
        if beta != 1:
            scaled = scaled * xp.asarray(beta, dtype=prod.dtype)
        if prod.dtype == scaled.dtype and prod.shape == scaled.shape:
            return cast_array(xp.add(scaled, prod, out=prod), dt)  # prod is ours: in place
        return cast_array(scaled + prod, dt)

    layout = grads.column_major(mat1), grads.column_major(mat2)
    return apply_op("addmm", fn, bias, mat1, mat2, backward=grads.addmm(beta, alpha, layout))


# ----- matmul ---------------------------------------------------------------------------
def _unsafe_view(x: Tensor, shape) -> Tensor:
    """``aten::_unsafe_view``: a reshape of a fresh result, recorded as its own node."""
    shape = tuple(shape)
    old = tuple(x.shape)
    return apply_op(
        "_unsafe_view",
        lambda a: a.reshape(shape),
        x,
        backward=Formula(lambda n, g: (g.reshape(old),)),
    )


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """Whether ``a @ b`` can run as one ``mm``/``mv`` on the larger operand folded to 2-D."""
    a_larger = a.ndim >= b.ndim
    big = a if a_larger else mT(b)
    small_ndim = b.ndim if a_larger else a.ndim
    if not (big.ndim >= 3 and small_ndim <= 2):
        return False
    if (b if a_larger else a)._requires_grad:
        return True  # torch folds (copying if needed) to keep the backward small
    if a.ndim == 2:
        return False
    if big.numel() == 0:
        return True
    sizes, strides = big.shape, big.stride()
    return all(strides[i] == strides[i + 1] * sizes[i + 1] for i in range(big.ndim - 2))


def _folded(a: Tensor, b: Tensor) -> Tensor:
    """The larger operand folded into a matrix, multiplied by the smaller one."""
    transpose = b.ndim > a.ndim
    big = mT(b) if transpose else a
    small = (t(a) if a.ndim == 2 else a) if transpose else b
    out_shape = list(big.shape[:-1])
    rows = math.prod(out_shape)
    folded = reshape(big, (rows, big.shape[-1]))
    if small.ndim == 2:
        out_shape.append(small.shape[1])
        out = _unsafe_view(mm(folded, small), out_shape)
        return contiguous(mT(out)) if transpose else out
    return _unsafe_view(mv(folded, small), out_shape)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    """Broadcast batch dims, flatten them, and run one ``bmm``."""
    n = a.shape[-2] if a.ndim > 1 else 1
    m1 = a.shape[-1]
    m2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
    p = b.shape[-1] if b.ndim > 1 else 1
    batch = list(broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    count = math.prod(batch)
    left = reshape(expand(a, (*batch, n, m1)), (count, n, m1))
    if b.ndim == 1:
        right = reshape(expand(unsqueeze(b, -1), (*batch, m2, p)), (count, m2, p))
    else:
        right = reshape(expand(b, (*batch, m2, p)), (count, m2, p))
    out_shape = batch + ([n] if a.ndim > 1 else []) + ([p] if b.ndim > 1 else [])
    product = bmm(left, right)
    if b.ndim == 1:
        product = squeeze(product, -1)
    return _unsafe_view(product, out_shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """torch's ``@``: dot, matrix-vector, matrix and batched (broadcast) products."""
    require_tensors("matmul", [("input", input), ("other", other)])
    da, db = input.ndim, other.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return _named(squeeze(mm(unsqueeze(input, 0), other), 0), "SqueezeBackward4")
    if da == 2 and db == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded(input, other)
    if da == 3 and db == 3 and input.shape[0] != other.shape[0]:
        # a batch of one that requires grad is squeezed, so that the product folds
        if input.shape[0] == 1 and input._requires_grad:
            return matmul(squeeze(input, 0), other)
        if other.shape[0] == 1 and other._requires_grad:
            return matmul(input, squeeze(other, 0))
    return _batched(input, other)


def _named(out: Tensor, node_name: str) -> Tensor:
    """``out`` with its backward node named as torch names it (an in-place variant there)."""
    if out._grad_fn is not None:
        out._grad_fn._name = node_name
    return out


def matmul_operator(self: Tensor, other: Any) -> Any:
    """``self @ other`` (NotImplemented for non-tensors: Python's TypeError)."""
    return matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def rmatmul(self: Tensor, other: Any) -> Any:
    """``other @ self`` (Python's reflected operator)."""
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


def _method(fn: Callable, names: tuple[str, ...]) -> Callable:
    """``fn`` as a Tensor method (argument positions counted after ``self``)."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        given = [(n, kwargs.get(n, a)) for n, a in zip(names, args, strict=False)]
        require_tensors(fn.__name__, given)
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


#: Tensor methods: name -> method
METHODS = {
    "mm": _method(mm, ("mat2",)),
    "mv": _method(mv, ("vec",)),
    "dot": _method(dot, ("tensor",)),
    "bmm": _method(bmm, ("mat2",)),
    "addmm": _method(addmm, ("mat1", "mat2")),
    "matmul": _method(matmul, ("other",)),
    "__matmul__": matmul_operator,
    "__rmatmul__": rmatmul,
}
