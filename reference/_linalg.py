"""``torch.linalg`` norms: ``vector_norm``, ``matrix_norm`` and ``norm`` (following
aten/src/ATen/native/LinearAlgebra.cpp step by step, so errors and empty cases match)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _dtypes
from ._conversion import cast_array, to, write_out
from ._dtypes import dtype
from ._fpstate import quiet
from ._joining import unsqueeze
from ._ops import apply_op
from ._pointwise import opmath
from ._reductions import amax, amin, dim_arg, numpy_axes, reduce_array, reduce_dims
from ._reductions import sum as _sum
from ._searching import check_out_dtype
from ._strides import wrap_dim
from ._tensor import Tensor
from ._views import permute
from .autograd import _formulas as grads

__all__ = ["vector_norm", "matrix_norm", "norm", "svdvals", "LinAlgError"]


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a linear-algebra routine failed."""


def _fmt_ord(ord) -> str:  # noqa: A002
    """A c10::Scalar printed the way torch's messages print it."""
    if isinstance(ord, numbers.Integral):
        return str(int(ord))
    return f"{float(ord):g}"


def _check_floating(A: Tensor, name: str, low_precision: bool = True) -> None:  # noqa: N803
    dt = A._dtype
    if dt._kind not in "fc":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {dt._scalar_name}"
        )
    if not low_precision and dt in (_dtypes.float16, _dtypes.bfloat16):
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {dt._scalar_name}")


def _check_dtype(opt_dtype: dtype | None, self_dtype: dtype, name: str) -> None:
    if opt_dtype is None:
        return
    if opt_dtype._kind not in "fc":
        raise RuntimeError(
            f"{name}: dtype should be floating point or complex, but got {opt_dtype._scalar_name}"
        )
    if self_dtype.is_complex != opt_dtype.is_complex:
        kind = "complex" if self_dtype.is_complex else "real"
        raise RuntimeError(
            f"{name}: dtype should be {kind} for {kind} inputs, but got {opt_dtype._scalar_name}"
        )
    if _dtypes.promote_types(self_dtype, opt_dtype) is not opt_dtype:
        raise RuntimeError(
            f"{name}: the dtype of the input ({self_dtype._scalar_name}) should be convertible "
            f"without narrowing to the specified dtype ({opt_dtype._scalar_name})"
        )


def vector_norm(
    x: Tensor,
    ord=2,  # noqa: A002
    dim=None,
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """``(sum |x|**ord) ** (1/ord)`` over ``dim`` (all by default); inf/-inf: max/min of
    ``|x|``; 0: count of nonzeros. Complex inputs give real results."""
    if isinstance(ord, Tensor) and ord.ndim == 0:
        ord = ord.item()  # noqa: A001 - a 0-dim tensor binds to a Number argument
    if isinstance(ord, str) or not isinstance(ord, numbers.Number):
        raise TypeError(
            "linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}"
        )
    name = "linalg.vector_norm"
    if isinstance(ord, complex):
        raise RuntimeError(f"{name}: Expected a non-complex scalar as the order of norm.")
    _check_floating(x, name)
    p = float(ord)
    dim = dim_arg(dim)
    raw = None if dim is None else ((dim,) if isinstance(dim, numbers.Integral) else tuple(dim))
    if x.numel() == 0 and (p < 0.0 or p == math.inf):
        if not raw:
            raise RuntimeError(
                f"{name} cannot compute the {_fmt_ord(ord)} norm on an empty tensor because "
                "the operation does not have an identity"
            )
        for d in raw:
            if x.shape[wrap_dim(int(d), x.ndim)] == 0:
                raise RuntimeError(
                    f"{name} cannot compute the {_fmt_ord(ord)} norm on the dimension {d}"
                    "because this dimension is empty and the operation does not have an identity"
                )
    _check_dtype(dtype, x._dtype, name)
    axes = numpy_axes(reduce_dims(raw, x.ndim), x.ndim)
    in_dt = x._dtype if dtype is None else dtype
    out_dt = in_dt.to_real()
    if out is not None:
        check_out_dtype(out, out_dt)
    acc = opmath(out_dt)

    def kernel(a, ax):
        a = cast_array(a, in_dt)
        if p == 2.0 and a.dtype.kind != "c":  # |x|^2 is x^2: no pass for abs
            a = cast_array(a, acc)
            with quiet():
                if _whole(a, ax):  # BLAS's dot: as accurate as a pairwise sum, no temporary
                    return np.sqrt(np.dot(a.reshape(-1), a.reshape(-1)))
                return np.sqrt(np.sum(a * a, axis=ax))
        a = cast_array(np.abs(a), acc)
        with quiet():
            if p == 2.0:
                return np.sqrt(np.sum(a * a, axis=ax))
            if p == math.inf:
                return np.max(a, axis=ax) if a.size else np.zeros(_kept(a.shape, ax), a.dtype)
            if p == -math.inf:
                return np.min(a, axis=ax) if a.size else np.zeros(_kept(a.shape, ax), a.dtype)
            if p == 0.0:
                return np.sum(a != 0, axis=ax).astype(a.dtype)
            if p == 1.0:
                return np.sum(a, axis=ax)
            return np.power(np.sum(np.power(a, a.dtype.type(p)), axis=ax), a.dtype.type(1.0 / p))

    back = grads.vector_norm(p, axes, keepdim)
    return reduce_array("linalg_vector_norm", x, kernel, axes, keepdim, out_dt, out, backward=back)


def _whole(a: np.ndarray, axes) -> bool:
    """Whether ``axes`` reduce all of ``a``, a C-contiguous host array (a flat view)."""
    full = axes is None or len(axes) == a.ndim
    return full and a.ndim > 0 and type(a) is np.ndarray and a.flags.c_contiguous


def _kept(shape, axes) -> tuple[int, ...]:
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def svdvals(A: Tensor) -> Tensor:  # noqa: N803
    """Singular values of the (batched) matrices in the last two dims, descending."""
    out_dt = A._dtype.to_real()

    def fn(a):
        m, n = a.shape[-2:]
        if min(m, n) == 0 or a.size == 0:
            return np.zeros((*a.shape[:-2], min(m, n)), out_dt._np)
        mats = a.reshape(-1, m, n)
        for i, mat in enumerate(mats):
            if np.isnan(mat).any():
                where = f"(Batch element {i}): " if a.ndim > 2 else ""
                raise LinAlgError(
                    f"linalg.svd: {where}The algorithm failed to converge because the input "
                    "matrix contained non-finite values."
                )
        bad = ~np.isfinite(mats).all(axis=(-2, -1))  # LAPACK returns NaN for infinities
        values = np.linalg.svd(np.where(bad[:, None, None], 0, mats), compute_uv=False)
        values[bad] = np.nan
        values = values.reshape(*a.shape[:-2], min(m, n))
        return np.asarray(values.astype(out_dt._np), order="C")

    return apply_op("linalg_svdvals", fn, A, dtype=out_dt, backward=grads.svdvals())


def _matrix_checks(A: Tensor, dim, opt_dtype, low_precision: bool) -> list[int]:  # noqa: N803
    name = "linalg.matrix_norm"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_floating(A, name, low_precision)
    dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    dims = [wrap_dim(int(d), A.ndim) for d in dims]
    if dims[0] == dims[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dims[0]}, {dims[1]})")
    _check_dtype(opt_dtype, A._dtype, name)
    return dims


def _backshift(d0: int, d1: int, ndim: int) -> list[int]:
    return [d for d in range(ndim) if d not in (d0, d1)] + [d0, d1]


def _inverse(perm: list[int]) -> list[int]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def _unsqueeze_permute(result: Tensor, perm: list[int]) -> Tensor:
    return permute(unsqueeze(result, -1), _inverse(perm))


def matrix_norm(
    A: Tensor,  # noqa: N803
    ord="fro",  # noqa: A002
    dim=(-2, -1),
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."""
    name = "linalg.matrix_norm"
    if isinstance(ord, Tensor) and ord.ndim == 0:
        ord = ord.item()  # noqa: A001
    if (
        not isinstance(ord, (str, numbers.Number))
        or isinstance(dim, numbers.Number)
        or not isinstance(dim, (tuple, list))
    ):
        got = ", ".join(
            ["Tensor"]
            + ([type(ord).__name__] if ord != "fro" else [])
            + ([f"dim={type(dim).__name__}"] if dim != (-2, -1) else [])
        )
        raise TypeError(
            f"linalg_matrix_norm() received an invalid combination of arguments - got ({got}), "
            "but expected one of:\n"
            " * (Tensor input, Number ord, tuple of ints dim = {-2,-1}, bool keepdim = False, *, "
            "torch.dtype dtype = None, Tensor out = None)\n"
            ' * (Tensor input, str ord = "fro", tuple of ints dim = {-2,-1}, bool keepdim = '
            "False, *, torch.dtype dtype = None, Tensor out = None)\n"
        )
    result = _matrix_norm(A, ord, dim, keepdim, dtype)
    if out is not None:
        _check_named_out(out, result, name)
        return write_out(out, result, "linalg_matrix_norm")
    return result


def _check_named_out(out: Tensor, result: Tensor, name: str) -> None:
    """linalg.matrix_norm / linalg.norm compare the out= dtype with the result's."""
    if out._dtype is not result._dtype:
        raise RuntimeError(
            f"{name} expected out tensor dtype {result._dtype._scalar_name} but got: "
            f"{out._dtype._scalar_name}"
        )


def _matrix_norm(A: Tensor, ord, dim, keepdim: bool, dtype) -> Tensor:  # noqa: N803, A002
    name = "linalg.matrix_norm"
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{name}: Order {ord} not supported.")
        dims = _matrix_checks(A, dim, dtype, ord != "nuc")
        if ord == "fro":
            result = vector_norm(A, 2, dims, keepdim, dtype=dtype)
        else:
            perm = _backshift(dims[0], dims[1], A.ndim)
            A_ = A if dtype is None else to(A, dtype=dtype)  # noqa: N806
            result = _sum(svdvals(permute(A_, perm)), -1, keepdim)
            if keepdim:
                result = _unsqueeze_permute(result, perm)
        return result

    p = float(ord)
    abs_p = abs(p)
    if abs_p not in (1.0, 2.0, math.inf):
        raise RuntimeError(f"{name}: Order {_fmt_ord(ord)} not supported.")
    dims = _matrix_checks(A, dim, dtype, abs_p != 2.0)

    def max_min(t: Tensor, d: int) -> Tensor:
        if p > 0 and t.ndim and t.shape[d] == 0:  # torch gives 0 for an empty positive norm
            return _sum(t, d, keepdim)
        return amax(t, d, keepdim) if p > 0 else amin(t, d, keepdim)

    if abs_p == 2.0:
        perm = _backshift(dims[0], dims[1], A.ndim)
        A_ = A if dtype is None else to(A, dtype=dtype)  # noqa: N806
        result = max_min(svdvals(permute(A_, perm)), -1)
        if keepdim:
            result = _unsqueeze_permute(result, perm)
    else:
        if abs_p == math.inf:
            dims = [dims[1], dims[0]]
        if not keepdim and dims[0] < dims[1]:
            dims[1] -= 1
        result = max_min(vector_norm(A, 1.0, [dims[0]], keepdim, dtype=dtype), dims[1])
    return result


def norm(
    A: Tensor,  # noqa: N803
    ord=None,  # noqa: A002
    dim=None,
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Vector or matrix norm depending on ``ord`` / ``dim`` / ``A.ndim``, as torch."""
    dims = None
    dim = dim_arg(dim)
    if dim is not None:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(
                "linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                f"[{', '.join(map(str, dims))}]"
            )
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    matrix = ord is not None and (len(dims) == 2 if dims is not None else A.ndim == 2)
    if isinstance(ord, str) or matrix:
        result = matrix_norm(A, ord, tuple(dims or [0, 1]), keepdim, dtype=dtype)
    else:
        result = vector_norm(A, 2.0 if ord is None else ord, dims, keepdim, dtype=dtype)
    if out is not None:
        _check_named_out(out, result, "linalg.norm")
        return write_out(out, result, "linalg_norm")
    return result
