"""Reductions: all, any, sum, mean, max, min, argmax, argmin, amax, amin, the deprecated
``norm``, and the scan ``cumsum``; plus ``return_types`` (torch's named result tuples)."""

from __future__ import annotations

import numbers
import types

import numpy as np

from . import _dtypes
from ._conversion import cast_array, write_out
from ._dtypes import CPP_TYPE_NAMES, c_name, dtype
from ._fpstate import quiet
from ._ops import apply_inplace, apply_op
from ._pointwise import maximum, minimum, opmath
from ._strides import wrap_dim
from ._tensor import Tensor
from .autograd import _formulas as grads
from .autograd._graph import Formula

#: The reductions that are also Tensor methods (bound by ``_methods``).
METHODS = (
    "all",
    "any",
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "amax",
    "amin",
    "cumsum",
    "cumsum_",
)
__all__ = [*METHODS, "return_types", "reduce_dims", "numpy_axes"]


_MISSING = object()  # an argument not given (torch tells it apart from None)


def _type_name(value) -> str:
    """How torch's argument parser names the type of an argument in its messages."""
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, dtype):
        return "torch.dtype"
    return type(value).__name__


def _got(args=(), **kwargs) -> str:
    """``(Tensor, int, keepdim=bool)``: the arguments as torch's parser describes them."""
    parts = ["Tensor", *(_type_name(a) for a in args)]
    parts += [f"{k}={_type_name(v)}" for k, v in kwargs.items() if v is not _MISSING]
    return "(" + ", ".join(parts) + ")"


def _numpy_names(fn):
    """Accept numpy's ``axis`` / ``keepdims`` spellings of ``dim`` / ``keepdim``, as torch does."""

    def wrapped(*args, **kwargs):
        for alias, name in (("axis", "dim"), ("keepdims", "keepdim")) if kwargs else ():
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{alias}'")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    wrapped.__name__ = fn.__name__
    wrapped.__qualname__ = fn.__qualname__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def expect_out_dtype(out, want: dtype) -> None:
    """torch's RuntimeError when an ``out=`` tensor's dtype is not ``want``."""
    if out is not None and isinstance(out, Tensor) and out._dtype is not want:
        raise RuntimeError(
            f"Expected out tensor to have dtype {c_name(want)}, but got {c_name(out._dtype)} "
            "instead"
        )


# ----- torch.return_types ---------------------------------------------------------------
class _ReturnType(tuple):
    """A structseq like ``torch.return_types.max``: a tuple with named fields."""

    __slots__ = ()
    _fields: tuple[str, ...] = ("values", "indices")
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, sequence):
        seq = tuple(sequence)
        if len(seq) != len(cls._fields):
            raise TypeError(
                f"torch.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                f"({len(seq)}-sequence given)"
            )
        return super().__new__(cls, seq)

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _return_type(name: str) -> type:
    cls = type(name, (_ReturnType,), {"__slots__": ()})
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


return_types = types.ModuleType("reference.return_types", "Named result tuples of ops.")
for _n in ("max", "min", "topk", "max_out", "min_out", "topk_out"):
    setattr(return_types, _n, _return_type(_n))


# ----- dims -------------------------------------------------------------------------------
def reduce_dims(dim, ndim: int) -> tuple[int, ...] | None:
    """Wrapped dims of an int / sequence ``dim``; None for ``None``. Duplicates raise."""
    if dim is None:
        return None
    seq = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out: list[int] = []
    for d in seq:
        w = wrap_dim(int(d), ndim)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


def numpy_axes(dims: tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """numpy axes to reduce: all for None or ``()``; a 0-dim tensor has none."""
    if not dims:
        return tuple(range(ndim))
    return tuple(d for d in dims if d < ndim)


def reduce_array(
    name: str,
    input: Tensor,  # noqa: A002
    kernel,
    axes: tuple[int, ...],
    keepdim: bool,
    out_dt: dtype,
    out: Tensor | None = None,
    differentiable: bool = True,
    backward: Formula | None = None,
) -> Tensor:
    """The reduction op ``name``: ``kernel(array, axes)`` as ``out_dt`` (``keepdim`` keeps
    the reduced axes), into ``out`` when given."""

    def fn(a):
        r = kernel(a, axes)
        if keepdim:
            r = np.expand_dims(r, axes) if axes else r
        return np.asarray(cast_array(np.asarray(r), out_dt), order="C")

    result = apply_op(
        name, fn, input, dtype=out_dt, differentiable=differentiable, backward=backward
    )
    return result if out is None else write_out(out, result, name)


def _sum_dtype(input: Tensor, dt: dtype | None) -> dtype:  # noqa: A002
    if dt is not None:
        return dt
    return _dtypes.int64 if input._dtype._kind in "ib" else input._dtype


def _sum_kernel(in_dt: dtype, out_dt: dtype):
    comp = opmath(out_dt)

    def kernel(a, axes):
        a = cast_array(a, out_dt, warn=in_dt.is_complex and not out_dt.is_complex)
        if comp is not out_dt or out_dt is _dtypes.bool:
            a = cast_array(a, comp if out_dt is not _dtypes.bool else _dtypes.int64)
        with quiet():
            return np.add.reduce(a, axis=axes)

    return kernel


# ----- all / any --------------------------------------------------------------------------
def _make_logical(name: str, np_fn):
    def fn(
        input: Tensor,  # noqa: A002
        dim=None,
        keepdim: bool = False,
        *,
        out: Tensor | None = None,
    ) -> Tensor:
        out_dt = _dtypes.uint8 if input._dtype is _dtypes.uint8 else _dtypes.bool
        if out is not None:  # a bool or uint8 out= takes the result, whatever the input
            if out._dtype not in (_dtypes.bool, _dtypes.uint8):
                raise RuntimeError(
                    f"{name} only supports bool tensor for result, got: {out._dtype._scalar_name}"
                )
            out_dt = out._dtype
        dims = reduce_dims(dim, input.ndim)
        if dims == ():  # an empty dim list reduces nothing

            def ident(a):
                return np.asarray((a != 0).astype(out_dt._np), order="C")

            result = apply_op(name, ident, input, dtype=out_dt, differentiable=False)
            return result if out is None else write_out(out, result, name)
        axes = numpy_axes(dims, input.ndim)
        return reduce_array(
            name,
            input,
            lambda a, ax: np_fn(a != 0, axis=ax),
            axes,
            keepdim,
            out_dt,
            out,
            differentiable=False,
        )

    fn.__name__ = name
    return fn


all = _numpy_names(_make_logical("all", np.all))  # noqa: A001
any = _numpy_names(_make_logical("any", np.any))  # noqa: A001
all.__doc__ = "True where every element (over ``dim``) is nonzero (uint8 input stays uint8)."
any.__doc__ = "True where some element (over ``dim``) is nonzero (uint8 input stays uint8)."


# ----- sum / mean -------------------------------------------------------------------------
_SUM_OVERLOADS = (
    " * (Tensor input, *, torch.dtype dtype = None{out})\n * (Tensor input, tuple of ints dim, "
    "bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n"
)


def _invalid_combination(name: str, got: str, overloads: str) -> TypeError:
    return TypeError(
        f"{name}() received an invalid combination of arguments - got {got}, but expected one "
        f"of:\n{overloads}"
    )


def _no_dim(name: str, keepdim, dtype, out) -> None:
    """The ``dim``-less overload takes only ``dtype`` (and ``out`` for mean)."""
    out_ok = name == "mean"
    if keepdim is _MISSING and (out is None or out_ok):
        return
    if name == "sum" and keepdim is not _MISSING and (dtype is not None or out is not None):
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if name == "sum" and keepdim is _MISSING and dtype is not None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    got = _got(
        out=_MISSING if out is None else out,
        dtype=_MISSING if dtype is None else dtype,
        keepdim=keepdim,
    )
    overloads = _SUM_OVERLOADS.format(out=", Tensor out = None" if out_ok else "")
    raise _invalid_combination(name, got, overloads)


def dim_arg(dim):
    """An int, a sequence of ints, None, or a 0-dim integer tensor (read as an int)."""
    if isinstance(dim, Tensor) and dim.ndim == 0 and dim._dtype._kind in "iu":
        return int(dim.item())
    return dim


def _check_dim_type(name: str, dim, overloads: str) -> None:
    if dim is None or (isinstance(dim, numbers.Integral) and not isinstance(dim, bool)):
        return
    if isinstance(dim, (tuple, list)):
        for pos, d in enumerate(dim, 1):
            if isinstance(d, bool):
                raise _invalid_combination(name, _got((dim,)), overloads)
            if not isinstance(d, numbers.Integral):
                raise TypeError(
                    f"{name}(): argument 'dim' failed to unpack the object at pos {pos} with "
                    f'error "type must be tuple of ints,but got {_type_name(d)}"'
                )
        return
    raise _invalid_combination(name, _got((dim,)), overloads)


def _sum_like_args(name: str, dim, keepdim, dtype, out, out_overload: str) -> tuple:
    """``dim`` and ``keepdim`` of sum/mean checked against torch's overloads (no dim: all)."""
    if dim is _MISSING:
        _no_dim(name, keepdim, dtype, out)
        dim = None
    dim = dim_arg(dim)
    if dim is not None:
        _check_dim_type(name, dim, _SUM_OVERLOADS.format(out=out_overload))
    return dim, False if keepdim is _MISSING else keepdim


def sum(  # noqa: A001
    input: Tensor,  # noqa: A002
    dim=_MISSING,
    keepdim=_MISSING,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Sum over ``dim`` (all when None or empty); integers and bool sum to int64.

    With ``out=`` and no ``dtype``, the input is cast to ``out``'s dtype and summed there."""
    dim, keepdim = _sum_like_args("sum", dim, keepdim, dtype, out, "")
    if out is not None and dtype is not None:
        expect_out_dtype(out, dtype)
    out_dt = out._dtype if out is not None and isinstance(out, Tensor) else _sum_dtype(input, dtype)
    axes = numpy_axes(reduce_dims(dim, input.ndim), input.ndim)
    back = grads.reduction_sum(axes, keepdim, input.shape) if input._requires_grad else None
    kernel = _sum_kernel(input._dtype, out_dt)
    return reduce_array("sum", input, kernel, axes, keepdim, out_dt, out, backward=back)


def mean(
    input: Tensor,  # noqa: A002
    dim=_MISSING,
    keepdim=_MISSING,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Mean over ``dim``: ``sum / n`` in the accumulation dtype (float/complex only).

    With ``out=`` and no ``dtype``, the sum is taken in ``out``'s dtype."""
    dim, keepdim = _sum_like_args("mean", dim, keepdim, dtype, out, ", Tensor out = None")
    if dtype is None and input._dtype._kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {input._dtype._scalar_name}"
        )
    if dtype is not None and dtype._kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {dtype._scalar_name}"
        )
    out_dt = input._dtype if dtype is None else dtype
    if out is not None and isinstance(out, Tensor):
        if dtype is not None:
            expect_out_dtype(out, dtype)
        elif not _dtypes.can_cast(input._dtype, out._dtype):
            raise RuntimeError(
                f"result type {input._dtype._scalar_name} can't be cast to the desired output "
                f"type {out._dtype._scalar_name}"
            )
        out_dt = out._dtype
    axes = numpy_axes(reduce_dims(dim, input.ndim), input.ndim)
    comp = opmath(out_dt)
    sum_kernel = _sum_kernel(input._dtype, comp)

    def kernel(a, ax):
        count = int(np.prod([a.shape[d] for d in ax])) if ax else 1
        with quiet():
            total = np.asarray(sum_kernel(a, ax))
            return total / np.asarray(count, dtype=total.dtype.type(0).real.dtype)

    back = grads.reduction_mean(axes, keepdim, input.shape) if input._requires_grad else None
    return reduce_array("mean", input, kernel, axes, keepdim, out_dt, out, backward=back)


sum = _numpy_names(sum)  # noqa: A001
mean = _numpy_names(mean)


# ----- max / min / amax / amin / argmax / argmin -----------------------------------------
def _order_array(a: np.ndarray, dt: dtype) -> np.ndarray:
    """An array numpy can order exactly like torch (bool as uint8, low floats as float32)."""
    if dt is _dtypes.bool:
        return a.astype(np.uint8)
    if dt in (_dtypes.float16, _dtypes.bfloat16):
        return a.astype(np.float32)
    return a


def _no_dim_empty_check(name: str, input: Tensor) -> None:  # noqa: A002
    if input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )


def _dim_empty_check(name: str, input: Tensor, dim, wrapped: int) -> None:  # noqa: A002
    if input.ndim and input.shape[wrapped] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


_MAX_OVERLOADS = (
    " * (Tensor input, *, Tensor out = None)\n * (Tensor input, Tensor other, *, Tensor out = "
    "None)\n * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"
)


def _max_overloads(name: str, args=(), kwargs=None) -> TypeError:
    return _invalid_combination(name, _got(args, **(kwargs or {})), _MAX_OVERLOADS)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _make_max(name: str, np_ext, np_arg, binary):
    def fn(input: Tensor, *args, **kwargs):  # noqa: A002
        if not isinstance(input, Tensor):
            if args or kwargs:  # several overloads take that many arguments
                got = "(" + ", ".join(_type_name(a) for a in (input, *args)) + ")"
                raise _invalid_combination(name, got, _MAX_OVERLOADS)
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not "
                f"{_type_name(input)}"
            )
        given = dict(kwargs)
        for alias, key in (("axis", "dim"), ("keepdims", "keepdim")):
            if alias in given and key not in given:
                given[key] = given.pop(alias)
        if len(args) > 2:
            raise TypeError(
                f"{name}() takes from 2 to 3 positional arguments but {len(args) + 1} were given"
            )
        out = given.pop("out", None)
        if len(args) == 2:
            if "dim" in given or "keepdim" in given:
                raise _max_overloads(name, args, kwargs)
            dim, keepdim = args
        elif len(args) == 1:
            if "dim" in given or "other" in given:
                raise _max_overloads(name, args, kwargs)
            dim, keepdim = args[0], given.pop("keepdim", _MISSING)
        else:
            dim, keepdim = given.pop("dim", _MISSING), given.pop("keepdim", _MISSING)
        other = given.pop("other", _MISSING)
        if given:
            raise _max_overloads(name, args, kwargs)
        if isinstance(dim, Tensor) or other is not _MISSING:  # max(input, other)
            if other is _MISSING:
                other, dim = dim, _MISSING
            if dim is not _MISSING or keepdim is not _MISSING or not isinstance(other, Tensor):
                raise _max_overloads(name, args, kwargs)
            return binary(input, other, out=out)
        if dim is _MISSING:  # max(input)
            if keepdim is not _MISSING:
                raise _max_overloads(name, args, kwargs)
            _no_dim_empty_check(name, input)
            if input._dtype.is_complex:
                raise NotImplementedError(
                    f"\"{name}_all\" not implemented for '{input._dtype._scalar_name}'"
                )
            dt = input._dtype

            def whole(a):
                return cast_array(np.asarray(np_ext(_order_array(a, dt))), dt)

            every = tuple(range(input.ndim))
            back = grads.reduction_extreme(every, False, tuple(input.shape))
            result = apply_op(name, whole, input, dtype=dt, backward=back)
            return result if out is None else write_out(out, result, name)
        keepdim = False if keepdim is _MISSING else keepdim
        if not _is_int(dim) or not isinstance(keepdim, bool):
            raise _max_overloads(name, args, kwargs)
        if out is not None and not isinstance(out, (tuple, list)):
            raise TypeError(
                f"{name}(): argument 'out' must be tuple of Tensors, not {_type_name(out)}"
            )
        d = wrap_dim(int(dim), input.ndim)
        _dim_empty_check(name, input, d, d)
        if input._dtype.is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        dt = input._dtype
        if out is not None:
            expect_out_dtype(out[0], dt)
            expect_out_dtype(out[1], _dtypes.int64)

        def by_dim(a):
            if a.ndim == 0:
                return a.copy(), np.zeros((), np.int64)
            o = _order_array(a, dt)
            idx = np_arg(o, axis=d, keepdims=True)
            vals = np.take_along_axis(a, idx, axis=d)
            if not keepdim:
                idx, vals = np.squeeze(idx, d), np.squeeze(vals, d)
            return np.asarray(vals, order="C"), np.asarray(idx.astype(np.int64), order="C")

        back = grads.selected(d if input.ndim else 0, keepdim, tuple(input.shape))
        values, indices = apply_op(name, by_dim, input, backward=back)
        rtype = getattr(return_types, name)
        if out is not None:
            values = write_out(out[0], values, name)
            indices = write_out(out[1], indices, name)
            rtype = getattr(return_types, name + "_out")
        return rtype((values, indices))

    fn.__name__ = name
    return fn


max = _make_max("max", np.max, np.argmax, maximum)  # noqa: A001
min = _make_max("min", np.min, np.argmin, minimum)  # noqa: A001
max.__doc__ = "Largest element; with ``dim`` (values, indices); with a tensor: ``maximum``."
min.__doc__ = "Smallest element; with ``dim`` (values, indices); with a tensor: ``minimum``."


def _make_amax(name: str, np_ext, kernel_name: str):
    def fn(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A002
        dim = dim_arg(dim)
        dims = reduce_dims(dim, input.ndim)
        if not dims:
            _no_dim_empty_check(name, input)
        else:
            raw = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
            for r, d in zip(raw, dims, strict=True):
                _dim_empty_check(name, input, r, d)
        if out is not None and isinstance(out, Tensor) and out._dtype is not input._dtype:
            raise RuntimeError(
                "Expected the dtype for input and out to match, but got "
                f"{input._dtype._scalar_name} for input's dtype and {out._dtype._scalar_name} "
                "for out's dtype."
            )
        if input._dtype.is_complex and input.numel():  # no kernel runs on empty tensors
            raise NotImplementedError(
                f"\"{kernel_name}\" not implemented for '{input._dtype._scalar_name}'"
            )
        dt = input._dtype
        axes = numpy_axes(dims, input.ndim)
        return reduce_array(
            name,
            input,
            lambda a, ax: np_ext(_order_array(a, dt), axis=ax),
            axes,
            keepdim,
            dt,
            out,
            backward=grads.reduction_extreme(axes, keepdim, tuple(input.shape)),
        )

    fn.__name__ = name
    return fn


amax = _numpy_names(_make_amax("amax", np.max, "max_values_cpu"))
amin = _numpy_names(_make_amax("amin", np.min, "min_values_cpu"))
amax.__doc__ = "Maximum over ``dim`` (int or tuple; all by default); NaN propagates."
amin.__doc__ = "Minimum over ``dim`` (int or tuple; all by default); NaN propagates."


def _make_arg(name: str, np_arg):
    def fn(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A002
        if dim is not None and not isinstance(dim, numbers.Integral):
            raise TypeError(
                f"{name}(): argument 'dim' (position 2) must be int, not {type(dim).__name__}"
            )
        if input._dtype is _dtypes.bool:
            raise RuntimeError(f"{name}(): does not support bool input")
        if input._dtype.is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        expect_out_dtype(out, _dtypes.int64)
        dt = input._dtype
        if dim is None:
            if input.numel() == 0:
                raise IndexError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                )

            def flat(a):
                r = np.asarray(np_arg(_order_array(a, dt).reshape(-1)), dtype=np.int64)
                return r.reshape((1,) * a.ndim) if keepdim else r

            result = apply_op(name, flat, input, dtype=_dtypes.int64)
            return result if out is None else write_out(out, result, name)
        d = wrap_dim(int(dim), input.ndim)
        _dim_empty_check(name, input, d, d)
        axes = (d,) if input.ndim else ()

        def kernel(a, ax):
            if not ax:
                return np.zeros(a.shape, np.int64)
            return np_arg(_order_array(a, dt), axis=ax[0])

        return reduce_array(name, input, kernel, axes, keepdim, _dtypes.int64, out)

    fn.__name__ = name
    return fn


argmax = _numpy_names(_make_arg("argmax", np.argmax))
argmin = _numpy_names(_make_arg("argmin", np.argmin))
argmax.__doc__ = "Index of the (first) maximum, over ``dim`` or the flattened input; NaN wins."
argmin.__doc__ = "Index of the (first) minimum, over ``dim`` or the flattened input; NaN wins."


# ----- cumsum -----------------------------------------------------------------------------
#: the type torch's CPU scan accumulates in (``acc_type<T, false>``): single precision
#: runs in double, half precision in float
_SCAN_ACCUMULATOR = {_dtypes.float32: _dtypes.float64, _dtypes.complex64: _dtypes.complex128}


#: a running sum adds whole rows (one numpy call a row) when a row across the scan has at least
#: this many elements; narrower rows, and scans along the innermost dim, run numpy's ``cumsum``
#: (a transposed copy costs more than it saves there, measured)
_ROW_SCAN_WIDTH = 512


def _cumsum_kernel(d: int, in_dt: dtype, out_dt: dtype):
    comp = _SCAN_ACCUMULATOR.get(out_dt) or opmath(out_dt)
    acc = _dtypes.int64 if out_dt is _dtypes.bool else comp

    def fn(a):
        src = a
        a = cast_array(a, out_dt)
        if a.ndim == 0:
            return a.copy()
        a = cast_array(a, acc)
        with quiet():
            r = _running_sum(a if a is not src else a.copy(), d)  # a cast is ours
            if r.dtype != out_dt._np:
                r = r.astype(out_dt._np, order="C")
        return np.asarray(r, order="C")

    return fn


def _running_sum(a: np.ndarray, d: int) -> np.ndarray:
    """The running sum of ``a`` (an array of ours) along ``d``, each element added to the one
    before it, in order: torch's sequential CPU scan. numpy's ``cumsum`` goes element by
    element; where the scan has wide rows, adding one row to the next is the same sums in the
    same order, a vectorised add per row."""
    n = a.shape[d]
    if n and _dtypes.array_kind(a.dtype) in "fc":  # the running sum starts from +0.0
        first = np.moveaxis(a, d, 0)[:1]  # a view, also of a 1-d array
        first += first.dtype.type(0)
    width = a.size // n if n else 0
    innermost = a.strides[d] == a.itemsize
    if type(a) is not np.ndarray or n < 2 or width < _ROW_SCAN_WIDTH or innermost:
        return np.cumsum(a, axis=d, out=a)
    rows = np.moveaxis(a, d, 0)
    add = np.add
    for i in range(1, n):
        add(rows[i - 1], rows[i], out=rows[i])
    return a


def _check_cumsum(dim, out_dt: dtype) -> None:
    if dim is _MISSING:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    if not _is_int(dim):
        raise TypeError(f"cumsum(): argument 'dim' (position 2) must be int, not {_type_name(dim)}")
    if out_dt is _dtypes.bool:
        raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")


def cumsum(
    input: Tensor,  # noqa: A002
    dim: int = _MISSING,  # type: ignore[assignment]
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Cumulative sum along ``dim`` (integers and bool accumulate in int64)."""
    out_dt = _sum_dtype(input, dtype)
    if out is not None and dtype is None:
        out_dt = out._dtype
    if out is not None and dtype is not None:
        expect_out_dtype(out, dtype)
    _check_cumsum(dim, out_dt)
    d = wrap_dim(int(dim), input.ndim)
    kernel = _cumsum_kernel(d, input._dtype, out_dt)
    back = grads.cumsum(d) if input.ndim else grads.identity()
    result = apply_op("cumsum", kernel, input, dtype=out_dt, backward=back)
    return result if out is None else write_out(out, result, "cumsum")


def cumsum_(self: Tensor, dim: int = _MISSING, *, dtype: dtype | None = None) -> Tensor:  # type: ignore[assignment]
    """In-place cumulative sum (accumulates in ``self``'s dtype)."""
    _check_cumsum(dim, self._dtype if dtype is None else dtype)
    if dtype is not None and dtype is not self._dtype:
        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {CPP_TYPE_NAMES[self._dtype._name]} and output "
            f"tensor dtype {CPP_TYPE_NAMES[dtype._name]} should match"
        )
    d = wrap_dim(int(dim), self.ndim)
    kernel = _cumsum_kernel(d, self._dtype, self._dtype)

    def write(dst):
        dst[...] = kernel(dst)

    back = grads.cumsum(d) if self.ndim else grads.identity()
    return apply_inplace("cumsum_", write, self, backward=back)
