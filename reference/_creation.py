"""Factory functions: tensor, as_tensor, from_numpy, arange, range, linspace, logspace,
zeros/ones/full/empty (+ ``_like`` and ``Tensor.new_*``)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from . import _dtypes
from ._conversion import cast_array, resize_out, to
from ._device import (
    CPU,
    array_namespace,
    as_device,
    device,
    layout,
    memory_format,
    placed,
    preserve_format,
    strided,
    to_device,
)
from ._dtypes import dtype
from ._factory import filled, filled_like, new_leaf
from ._fpstate import quiet
from ._ops import bump_version
from ._promotion import scalar_dtype
from ._scalars import checked_scalar, int_argument, python_scalar
from ._strides import allocate, memory_format_strides
from ._tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "arange",
    "range",
    "linspace",
    "logspace",
    "zeros",
    "ones",
    "full",
    "empty",
    "empty_strided",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
]

_builtin_range = range
#: width of torch's CPU vector kernels that arange's rounding follows: 32 bytes, measured the
#: same on AVX2 and AVX-512 machines (linspace is computed element by element, no lanes)
_VEC_BYTES = 32


# ----- helpers --------------------------------------------------------------------------
def parse_size(args: Sequence, name: str) -> tuple[int, ...]:
    """Sizes given as varargs or as one tuple/list/Size, validated like torch."""
    if not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    seq = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    out = []
    for i, s in enumerate(seq):
        if type(s) is int:  # most sizes: no conversion or check of the type
            out.append(s)
            continue
        if isinstance(s, Tensor) and s.numel() == 1 and s._dtype._kind == "i":
            s = s.item()
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            if len(seq) == 1 and seq is args:
                raise TypeError(
                    f"{name}(): argument 'size' (position 1) must be tuple of "
                    f"ints, not {type(s).__name__}"
                )
            raise TypeError(
                f"{name}(): argument 'size' failed to unpack the object at pos "
                f'{i + 1} with error "type must be tuple of ints,but got '
                f'{type(s).__name__}"'
            )
        out.append(int(s))
    for s in out:
        if s < 0 and name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, out))}]"
            )
    return tuple(out)


def check_layout(lay: layout | None, name: str = "empty") -> None:
    """torch's TypeError for a non-layout ``layout=``; only ``strided`` is supported."""
    if lay is not None and not isinstance(lay, layout):
        raise TypeError(f"{name}(): argument 'layout' must be torch.layout, not {_type_name(lay)}")
    if lay is not None and lay is not strided:
        raise NotImplementedError(f"reference: only torch.strided layout is supported, got {lay}")


def _type_name(obj: object) -> str:
    """torch's spelling of an argument's type in errors: Python's ``tp_name``, which for the
    scalar types of numpy's C extensions includes their module (``ml_dtypes.bfloat16``);
    ``Tensor``, and ``torch.dtype`` for the reference's other types."""
    kind = type(obj)
    if isinstance(obj, Tensor):
        return "Tensor"
    if kind.__module__.startswith("reference"):
        return f"torch.{kind.__name__}"
    if isinstance(obj, np.generic) and kind.__module__ != "builtins":
        return f"{kind.__module__}.{kind.__name__}"
    return kind.__name__


def _factory(
    data: np.ndarray, dt: dtype, dev: device, requires_grad: bool, out: Tensor | None, name: str
) -> Tensor:
    """Finish a factory op: store into ``out`` or wrap as a new leaf."""
    if out is not None:
        if out._dtype is not dt:
            raise RuntimeError(
                f"dtype {dt._scalar_name} does not match dtype of out parameter "
                f"({out._dtype._scalar_name})"
            )
        resize_out(out, data.shape, warn=False)
        out._data[...] = to_device(data, out._device)
        bump_version(out)
        if requires_grad:
            out.requires_grad_()
        return out
    return new_leaf(data, dt, dev, requires_grad)


def out_dtype(dtype_: dtype | None, out: Tensor | None, default: dtype) -> dtype:
    """A factory's result dtype: ``dtype=``, else ``out``'s, else ``default``."""
    if dtype_ is not None and not isinstance(dtype_, dtype):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype_).__name__}")
    if dtype_ is not None:
        return dtype_
    return out._dtype if out is not None else default


# ----- tensor() / as_tensor / from_numpy ------------------------------------------------
def _is_seq(obj) -> bool:
    return isinstance(obj, (list, tuple, Tensor, np.ndarray)) and not (
        isinstance(obj, (Tensor, np.ndarray)) and obj.ndim == 0
    )


def _compute_sizes(data) -> list[int]:
    sizes, obj = [], data
    while True:
        if isinstance(obj, Tensor):
            return sizes
        if isinstance(obj, np.ndarray):
            return sizes + list(obj.shape)
        if not isinstance(obj, (list, tuple)):
            return sizes
        sizes.append(len(obj))
        if not obj:
            return sizes
        obj = obj[0]


def _leaf_dtype(obj) -> dtype:
    if isinstance(obj, Tensor):
        return obj._dtype
    if isinstance(obj, np.ndarray):
        return _numpy_dtype(obj.dtype)
    if isinstance(obj, str):
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    try:
        return scalar_dtype(obj)
    except TypeError:
        raise TypeError(f"Could not infer dtype of {type(obj).__name__}") from None


#: the dtype of each plain Python scalar type (nested lists are mostly made of them)
_PLAIN_DTYPES = {
    bool: lambda: _dtypes.bool,
    int: lambda: _dtypes.int64,
    float: lambda: _dtypes.get_default_dtype(),
}


def _infer_dtype(data) -> dtype:
    if isinstance(data, (list, tuple)):
        kinds = set(map(type, data))
        if kinds <= _PLAIN_DTYPES.keys():  # promotion is order-free: once per kind
            items = [_PLAIN_DTYPES[kind]() for kind in kinds]
        else:
            items = map(_infer_dtype, data)
        result = None
        for d in items:
            result = d if result is None else _dtypes.promote_types(result, d)
        return _dtypes.get_default_dtype() if result is None else result
    return _leaf_dtype(data)


def _convert_leaves(data, sizes: list[int], dim: int, dt: dtype) -> np.ndarray:
    """Validate the nested sequence against ``sizes`` and convert it to an array of ``dt``."""
    if isinstance(data, Tensor) and dim == len(sizes):
        return checked_scalar(_tensor_as_scalar(data, dt), dt, check_float=False, c10_names=False)
    if isinstance(data, Tensor):
        data = list(data)
    if isinstance(data, np.ndarray):
        if list(data.shape) != sizes[dim:]:
            raise ValueError(
                f"expected sequence of length {sizes[dim]} at dim {dim} "
                f"(got {data.shape[0] if data.ndim else 0})"
            )
        return cast_array(data, dt)
    if dim == len(sizes):
        if isinstance(data, (list, tuple)):
            raise TypeError(
                f"'{type(data).__name__}' object cannot be interpreted as an integer"
                if dt._kind in "ib"
                else f"must be real number, not {type(data).__name__}"
            )
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        if dt.is_floating_point and isinstance(data, complex):
            raise TypeError("must be real number, not complex")
        if dt._kind == "i" and isinstance(data, complex):
            raise TypeError("'complex' object cannot be interpreted as an integer")
        return checked_scalar(data, dt, check_float=False, c10_names=False)
    if not isinstance(data, (list, tuple)):
        raise TypeError("not a sequence")
    if len(data) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})")
    if dim == len(sizes) - 1 and set(map(type, data)) <= _PLAIN_DTYPES.keys():
        return _fast_vector(data, dt)
    out = np.empty(sizes[dim:], dtype=dt._np)
    for i, item in enumerate(data):
        out[i] = _convert_leaves(item, sizes, dim + 1, dt)
    return out


def _tensor_as_scalar(t: Tensor, dt: dtype):
    """A tensor element of a nested list converts like ``int(t)`` / ``float(t)``."""
    if t.numel() != 1:
        if dt._kind in "ib":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        raise ValueError("only one element tensors can be converted to Python scalars")
    return t.item()


def _fast_vector(data: list, dt: dtype) -> np.ndarray:
    """Convert a flat list of Python bool/int/float (the common case) in one numpy call."""
    if dt._kind == "i" and any(type(x) is int for x in data):
        return (
            np.stack([checked_scalar(x, dt, check_float=False, c10_names=False) for x in data])
            if data
            else np.empty(0, dt._np)
        )
    src = np.asarray(data, dtype=np.float64 if dt._kind != "b" else np.bool_)
    if dt._kind == "b":
        return src
    if dt._kind == "i":  # each float must lie in the dtype's range before it truncates
        info = np.iinfo(dt._np)
        if not np.all((src >= float(info.min)) & (src <= float(info.max))):
            raise RuntimeError(f"value cannot be converted to type {dt._name} without overflow")
    return cast_array(src, dt)


def array_from_data(data, dt: dtype | None) -> tuple[np.ndarray, dtype]:
    """A new array holding ``data`` (nested sequences, an ndarray or a tensor) as ``dt``
    (inferred like ``tensor()`` when None), and that dtype."""
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if dt is None:
        dt = _infer_dtype(data)
    if isinstance(data, Tensor):
        return cast_array(data._data, dt).copy(), dt
    if isinstance(data, np.ndarray):
        _numpy_dtype(data.dtype)
        return np.array(cast_array(data, dt), copy=True), dt
    if isinstance(data, (list, tuple)) and any(isinstance(x, np.ndarray) for x in data):
        warnings.warn(
            "Creating a tensor from a list of numpy.ndarrays is extremely slow. Please "
            "consider converting the list to a single numpy.ndarray with numpy.array() "
            "before converting to a tensor.",
            UserWarning,
            stacklevel=3,
        )
    sizes = _compute_sizes(data)
    arr = _convert_leaves(data, sizes, 0, dt)
    if sizes and arr.dtype == dt._np and arr.shape == tuple(sizes):
        return arr, dt  # a sequence converts into a fresh array of its own
    return np.array(arr, dtype=dt._np, copy=True).reshape(sizes), dt


def tensor(
    data,
    *,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (dtype inferred like torch)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
            ".requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    dev = data._device if device is None and isinstance(data, Tensor) else placed(device)
    arr, dt = array_from_data(data, dtype)
    return new_leaf(arr, dt, dev, requires_grad)


def as_tensor(data, dtype: dtype | None = None, device: device | str | None = None) -> Tensor:
    """Like ``tensor`` but shares memory with a tensor or ndarray when dtype/device allow."""
    if isinstance(data, Tensor):
        return to(data, device=device, dtype=dtype)
    if (
        isinstance(data, np.ndarray)
        and _dtypes.from_numpy_dtype(data.dtype) is not None
        and all(s >= 0 for s in data.strides)
    ):
        return to(from_numpy(data), device=device, dtype=dtype)
    return tensor(data, dtype=dtype, device=device)


def _numpy_dtype(np_dtype) -> dtype:
    found = _dtypes.from_numpy_dtype(np_dtype)
    if found is None or found is _dtypes.bfloat16:
        name = f"{np.dtype(np_dtype).type.__module__}.{np.dtype(np_dtype).type.__name__}"
        raise TypeError(
            f"can't convert np.ndarray of type {name.replace('numpy.', 'numpy.')}. "
            "The only supported types are: float64, float32, float16, complex64, "
            "complex128, int64, int32, int16, int8, uint8, and bool."
        )
    return found


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (no negative strides)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if not ndarray.dtype.isnative:
        raise ValueError(
            "given numpy array has byte order different from the native byte "
            "order. Conversion between byte orders is currently not supported."
        )
    dt = _numpy_dtype(ndarray.dtype)
    item = ndarray.itemsize
    bad = [s for s in ndarray.strides if s < 0 or s % item]
    if bad and min(bad) < 0:
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with "
            "negative strides are not currently supported. (You can probably work around this "
            "by making a copy of your array  with array.copy().) "
        )
    if bad:
        raise ValueError(
            "given numpy array strides not a multiple of the element byte size. "
            "Copy the numpy array to reallocate the memory."
        )
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable "
            "tensors. This means writing to this tensor will result in undefined behavior. You "
            "may want to copy the array to protect its data or make it writable before "
            "converting it to a tensor. This type of warning will be suppressed for the rest "
            "of this program.",
            UserWarning,
            stacklevel=2,
        )
    return Tensor._make(ndarray[...], dt, CPU)


# ----- ranges ---------------------------------------------------------------------------
def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def _fill_value(x, name: str):
    """A ``fill_value`` argument: a Python/numpy number or a 0-dim tensor."""
    if isinstance(x, int) and not -(2**63) <= x < 2**64:
        raise OverflowError("int too big to convert")
    if isinstance(x, Tensor) and x.ndim == 0:
        return x.item()
    x = python_scalar(x)
    if isinstance(x, numbers.Number) and not isinstance(x, (Tensor, np.generic)):
        return x
    raise TypeError(
        f"{name}(): argument 'fill_value' (position 2) must be Number, not {_type_name(x)}"
    )


def _is_integral(x) -> bool:
    if isinstance(x, Tensor):
        return x._dtype._kind in "ib"
    return isinstance(x, numbers.Integral)


def _fmt(x) -> str:
    return f"{float(x):g}" if isinstance(x, float) else str(x)


def _acc_np(dt: dtype):
    """torch's CPU accumulate type: int64 for integers, float for half types, else double."""
    if dt._kind in "ib":
        return np.int64
    return np.float32 if dt.itemsize == 2 else np.float64


def _fma(a, b, c, acc):
    """a * b + c rounded once (emulates the fused multiply-add of torch's kernels): in double
    when that is exact (then every wider path gives the same), else in long double."""
    if acc is np.float32 and _exact_in_double(a, b, c):
        return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.float64(c)).astype(acc)
    return (
        (np.asarray(a, np.longdouble) * np.asarray(b, np.longdouble) + np.asarray(c, np.longdouble))
        .astype(np.float64)
        .astype(acc)
    )


def _exact_in_double(*operands) -> bool:
    """Whether ``a * b + c`` is exact in double for float32 scalars and integer arrays: the
    product has at most 53 significant bits and the sum spans at most 53 bits."""
    top, low, product_bits = [], [], 0
    for k, v in enumerate(operands):
        v = np.asarray(v)
        if v.dtype == np.float32 and v.ndim == 0:
            x = float(v)
            top.append(abs(x))
            low.append(2.0 ** (math.frexp(x)[1] - 24) if x else math.inf)
            product_bits += 24 * (k < 2)
        elif v.dtype.kind in "iu":
            x = float(np.abs(v).max()) if v.size else 0.0
            if x >= 2**26:
                return False
            top.append(x)
            low.append(1.0)
            product_bits += 26 * (k < 2)
        else:
            return False
    if product_bits > 53:
        return False
    largest = 2 * (top[0] * top[1] + top[2])
    smallest = min(low[0] * low[1], low[2])
    return largest == 0 or smallest != math.inf and largest <= smallest * 2.0**53


def _vector_kernel(n: int, lanes: int, scalar, vector) -> np.ndarray:
    """Indices [0, n) evaluated the way cpu_serial_kernel_vec splits them: blocks of two
    vectors (``vector(first_index, lane_offsets)``) then a scalar tail (``scalar(idx)``)."""
    block = 2 * lanes
    head = (n // block) * block if n >= block else 0
    parts = []
    if head:
        starts = np.arange(0, head, lanes)
        parts.append(vector(starts[:, None], np.arange(lanes)[None, :]).reshape(-1))
    if head < n:
        parts.append(scalar(np.arange(head, n)))
    return np.concatenate(parts) if parts else np.empty(0)


def _arange_values(start, step, n: int, dt: dtype) -> np.ndarray:
    acc = _acc_np(dt)
    if acc is np.int64:  # start + step * i, wrapping in int64, in one array
        first, delta = np.int64(start), np.int64(step)
        values = np.arange(n, dtype=np.int64)
        if delta != 1:
            values *= delta
        if first:
            values += first
        return values if dt is _dtypes.int64 else values.astype(dt._np)
    xstart, xstep = acc(start), acc(step)
    lanes = _VEC_BYTES // dt.itemsize

    def scalar(idx):
        return _fma(xstep, idx, xstart, acc).astype(dt._np)

    def vector(first, lane):
        base = _fma(xstep, first, xstart, acc).astype(dt._np).astype(acc)
        return _fma(lane, xstep, base, acc).astype(dt._np)

    with quiet():
        return _vector_kernel(n, lanes, scalar, vector).astype(dt._np)


def arange(
    start=0,
    end=None,
    step=1,
    *,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values ``start, start + step, ...`` up to (excluding) ``end``."""
    if end is None:
        start, end = 0, start
    check_layout(layout, "arange")
    integral = all(_is_integral(v) for v in (start, end, step))
    dt = out_dtype(dtype, out, _dtypes.int64 if integral else _dtypes.get_default_dtype())
    if dt is _dtypes.bool or dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt._scalar_name}'")
    start, end, step = _num(start), _num(end), _num(step)
    check = int if dt is _dtypes.int64 else float
    xstart, xend, xstep = check(start), check(end), check(step)
    if xstep == 0:
        if step != 0:
            raise ValueError("step must be nonzero")
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(float(start)) and math.isfinite(float(end))):
        raise RuntimeError(f"unsupported range: {_fmt(xstart)} -> {_fmt(xend)}")
    if not ((xstep > 0 and xend >= xstart) or (xstep < 0 and xend <= xstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is _dtypes.int64:
        sgn = (xstep > 0) - (xstep < 0)
        num = xend - xstart + xstep - sgn
        n = abs(num) // abs(xstep) * (1 if (num >= 0) == (xstep > 0) else -1)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
    if dt._kind == "i":  # the kernel accumulates in int64: start and step truncate
        xstart, xstep = int(start), int(step)
    if out is not None and out.numel() != n:
        warnings.warn(
            f"The number of elements in the out tensor of shape [{', '.join(map(str, out.shape))}]"
            f" is {out.numel()} which does not match the computed number of elements {n}. Note "
            "that this may occur as a result of rounding error. The out tensor will be resized "
            f"to a tensor of shape ({n},).",
            UserWarning,
            stacklevel=2,
        )
        resize_out(out, (n,), warn=False)
    dev = placed(device)
    return _factory(_arange_values(xstart, xstep, n, dt), dt, dev, requires_grad, out, "arange")


def range(
    start=0,
    end=None,
    step=1,
    *,
    out: Tensor | None = None,  # noqa: A001
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Deprecated inclusive range ``[start, end]`` (default dtype), with torch's warning."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because "
        "its behavior is inconsistent with Python's range builtin. Instead, use "
        "torch.arange, which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        start, end = 0, start
    check_layout(layout, "range")
    dt = out_dtype(dtype, out, _dtypes.get_default_dtype())
    acc = _acc_np(dt)
    xstart, xend, xstep = (acc(_num(v)) for v in (start, end, step))
    if xstep == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(float(xstart)) and math.isfinite(float(xend))):
        raise RuntimeError(f"unsupported range: {_fmt(float(xstart))} -> {_fmt(float(xend))}")
    if not ((xstep > 0 and xend >= xstart) or (xstep < 0 and xend <= xstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int((xend - xstart) / xstep + 1)
    values = (xstart + xstep * np.arange(n).astype(acc)).astype(dt._np)
    dev = placed(device)
    return _factory(values, dt, dev, requires_grad, out, "range")


def _space_dtype(start, end, dtype_: dtype | None, out: Tensor | None, name: str) -> dtype:
    """The result dtype; complex ends ask for a complex ``dtype`` when one is passed."""
    if any(isinstance(_num(v), complex) for v in (start, end)):
        default = _dtypes.get_default_complex_dtype()
        if dtype_ is not None and not dtype_.is_complex:
            raise RuntimeError(
                f"torch.{name}(): inferred dtype {_dtypes.c_name(default)} can't be safely "
                f"cast to passed dtype {dtype_._scalar_name}"
            )
    else:
        default = _dtypes.get_default_dtype()
    return out_dtype(dtype_, out, default)


def _check_steps(steps) -> int:
    steps = int_argument(steps, "linspace(): argument 'steps'")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _linspace_values(start, end, steps: int, dt: dtype) -> np.ndarray:
    """torch's kernel, index by index: ``start + step * i`` for the first half and
    ``end - step * (steps - 1 - i)`` for the rest. Each is one fused multiply-add, in double
    for integer dtypes (then truncated), per component for complex ones; the half types round
    to their dtype after every operation, as c10::Half and c10::BFloat16 arithmetic does."""
    if steps == 0:
        return np.empty(0, dt._np)
    if steps == 1:
        return np.full(1, checked_scalar(start, dt, check_float=False))
    if dt.is_complex:
        s, e = complex(_num(start)), complex(_num(end))
        real = _linspace_real(s.real, e.real, steps, dt)
        return (real + 1j * _linspace_real(s.imag, e.imag, steps, dt)).astype(dt._np)
    return _linspace_real(_num(start), _num(end), steps, dt)


def _real(value):
    number = _num(value)
    return number.real if isinstance(number, complex) else number


def _linspace_real(start, end, steps: int, dt: dtype) -> np.ndarray:
    with quiet():
        if dt._kind in "ib":
            idx = np.arange(steps)
            s, e = (np.float64(np.asarray(int(_real(v))).astype(dt._np)) for v in (start, end))
            step = (e - s) / (steps - 1)
            values = np.where(
                idx < steps // 2,
                _fma(step, idx, s, np.float64),
                _fma(-step, steps - 1 - idx, e, np.float64),
            )
            return np.trunc(values).astype(dt._np)
        real = np.float64 if dt.is_complex and dt.itemsize == 16 else None
        kind = real or (np.float32 if dt.is_complex else dt._np.type)
        s, e = (np.asarray(_real(v), np.float64).astype(kind) for v in (start, end))
        if dt.itemsize == 2:
            idx = np.arange(steps)
            return _linspace_half(s, e, idx, idx < steps // 2, kind)
        step = np.asarray((e - s) / kind(steps - 1)).astype(kind)
        if kind is np.float32 and _ramps_exact_in_double(step, s, e, steps):
            return _ramps_in_double(float(step), float(s), float(e), steps)
        half = steps // 2  # each half computed only where it is used
        low = _fma(step, np.arange(half), s, kind)
        high = _fma(-step, np.arange(steps - 1 - half, -1, -1), e, kind)
        return np.concatenate([low, high]).astype(kind)


def _ramps_exact_in_double(step, start, end, steps: int) -> bool:
    """Whether ``_fma``'s double case holds for every index of both halves."""
    bound = np.asarray([steps - 1])
    return _exact_in_double(step, bound, start) and _exact_in_double(-step, bound, end)


def _ramps_in_double(step: float, start: float, end: float, steps: int) -> np.ndarray:
    """float32 linspace where every ``step * i + start`` is exact in double (``_fma``'s fast
    case): the indices in one double array, each half scaled and shifted in place (the second
    as ``step * (i - (steps - 1)) + end``), then one rounding to float32."""
    half = steps // 2
    ramp = np.arange(steps, dtype=np.float64)
    low, high = ramp[:half], ramp[half:]
    low *= step
    low += start
    high -= steps - 1
    high *= step
    high += end
    return ramp.astype(np.float32)


def _linspace_half(s, e, idx, first_half, half) -> np.ndarray:
    """Half-type arithmetic: operands widened to float, every result rounded to the type."""
    steps = len(idx)

    def op(a, b, fn):
        return fn(np.asarray(a, half).astype(np.float32), np.asarray(b, half).astype(np.float32))

    step = np.asarray(op(op(e, s, np.subtract).astype(half), steps - 1, np.divide)).astype(half)
    low = op(s, op(step, idx, np.multiply).astype(half), np.add)
    high = op(e, op(step, steps - 1 - idx, np.multiply).astype(half), np.subtract)
    return np.where(first_half, low, high).astype(half)


def linspace(
    start,
    end,
    steps: int,
    *,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    steps = _check_steps(steps)
    check_layout(layout, "linspace")
    dt = _space_dtype(start, end, dtype, out, "linspace")
    if dt is _dtypes.bool:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    if steps > 1:
        _check_ends(start, end, dt)
    dev = placed(device)
    return _factory(
        _linspace_values(start, end, steps, dt), dt, dev, requires_grad, out, "linspace"
    )


def logspace(
    start,
    end,
    steps: int,
    base: float = 10.0,
    *,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)`` computed as torch's kernel does."""
    steps = _check_steps(steps)
    check_layout(layout, "logspace")
    dt = _space_dtype(start, end, dtype, out, "logspace")
    if dt is _dtypes.bool:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    if steps > 1:
        _check_ends(start, end, dt)
    start, end = _num(start), _num(end)
    with quiet():
        if steps == 0:
            values = np.empty(0, dt._np)
        elif steps == 1:  # base ** start in double, then converted (an integer must fit)
            first = np.power(complex(base) if dt.is_complex else float(base), start)
            values = checked_scalar(first, dt, check_float=False).reshape(1)
        else:
            acc = np.float64 if dt._kind in "ib" else dt._np
            if dt._kind in "ib":
                s, e = (np.asarray(int(v)).astype(dt._np) for v in (start, end))
                step = np.float64(_c_difference(e, s)) / (steps - 1)
            else:
                s, e = (np.asarray(v).astype(dt._np) for v in (start, end))
                step = ((e - s) / np.asarray(steps - 1).astype(acc)).astype(acc)
            idx = np.arange(steps)
            low = _fma(step, idx, s, acc) if not dt.is_complex else s + step * idx.astype(acc)
            high = e - step * (steps - idx - 1).astype(acc)
            exponent = np.where(idx < steps // 2, low, high).astype(acc)
            values = cast_array(np.power(np.asarray(base).astype(acc), exponent).astype(acc), dt)
    dev = placed(device)
    return _factory(values, dt, dev, requires_grad, out, "logspace")


def _check_ends(start, end, dt: dtype) -> None:
    """torch converts both ends to the result dtype first: out of its range is an error."""
    for v in (_num(start), _num(end)):
        checked_scalar(v, dt)


def _c_difference(e: np.ndarray, s: np.ndarray) -> int:
    """``e - s`` as C++ computes it: types narrower than int are promoted to int (no
    wraparound in uint8), int and long wrap around in their own width."""
    bits = max(32, e.dtype.itemsize * 8)
    wrapped = (int(e) - int(s)) % (1 << bits)
    return wrapped - (1 << bits) if wrapped >= 1 << (bits - 1) else wrapped


# ----- constant fills -------------------------------------------------------------------
def _filled(
    size: tuple[int, ...],
    value,
    dt: dtype,
    dev: device,
    *,
    requires_grad: bool,
    out: Tensor | None,
    name: str,
    empty: bool = False,
) -> Tensor:
    dev = placed(dev)
    if out is not None and dt is not out._dtype:
        raise RuntimeError(
            f"dtype {dt._scalar_name} does not match dtype of out parameter "
            f"({out._dtype._scalar_name})"
        )
    if out is not None:
        resize_out(out, size, warn=False)
        if not empty:
            out._data[...] = checked_scalar(value, dt)[()]
            bump_version(out)
        if requires_grad:
            out.requires_grad_()
        return out
    return filled(size, value, dt, dev, requires_grad, empty)


def zeros(
    *size,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros."""
    check_layout(layout, "zeros")
    return _filled(
        parse_size(size, "zeros"),
        0,
        out_dtype(dtype, out, _dtypes.get_default_dtype()),
        as_device(device),
        requires_grad=requires_grad,
        out=out,
        name="zeros",
    )


def ones(
    *size,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones."""
    check_layout(layout, "ones")
    return _filled(
        parse_size(size, "ones"),
        1,
        out_dtype(dtype, out, _dtypes.get_default_dtype()),
        as_device(device),
        requires_grad=requires_grad,
        out=out,
        name="ones",
    )


def empty(
    *size,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """An uninitialised tensor."""
    check_layout(layout, "empty")
    t = _filled(
        parse_size(size, "empty"),
        0,
        out_dtype(dtype, out, _dtypes.get_default_dtype()),
        as_device(device),
        requires_grad=requires_grad,
        out=out,
        name="empty",
        empty=True,
    )
    if memory_format not in (None, preserve_format) and out is None:
        strides = memory_format_strides(t.shape, memory_format)
        t._data = allocate(array_namespace(t._device), t.shape, strides, t._dtype._np)
        t._storage_ptr = t.data_ptr()
    return t


def empty_strided(
    size,
    stride,
    *,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised tensor with the given element strides."""
    check_layout(layout, "empty_strided")
    dev = placed(device)
    dt = dtype or _dtypes.get_default_dtype()
    data = allocate(
        array_namespace(dev), parse_size((size,), "empty_strided"), tuple(stride), dt._np
    )
    return new_leaf(data, dt, dev, requires_grad, exact=True)


def full(
    size,
    fill_value,
    *,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout = strided,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it like torch)."""
    check_layout(layout, "full")
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    fill_value = _fill_value(fill_value, "full")
    dt = out_dtype(dtype, out, scalar_dtype(fill_value))
    return _filled(
        parse_size((size,), "full"),
        fill_value,
        dt,
        as_device(device),
        requires_grad=requires_grad,
        out=out,
        name="full",
    )


def _like(
    input: Tensor,
    value,
    dtype_: dtype | None,
    device_,
    requires_grad: bool,  # noqa: A002
    memory_format: memory_format,
    empty: bool = False,
) -> Tensor:
    dev = None if device_ is None else placed(device_)
    return filled_like(input, value, dtype_, dev, memory_format, requires_grad, empty)


def zeros_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout | None = None,  # noqa: A002
    device: device | str | None = None,
    requires_grad: bool = False,
    memory_format: memory_format = preserve_format,
) -> Tensor:
    """Zeros with the shape (and by default dtype/device/strides) of ``input``."""
    check_layout(layout, "zeros_like")
    return _like(input, 0, dtype, device, requires_grad, memory_format)


def ones_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout | None = None,  # noqa: A002
    device: device | str | None = None,
    requires_grad: bool = False,
    memory_format: memory_format = preserve_format,
) -> Tensor:
    """Ones with the shape (and by default dtype/device/strides) of ``input``."""
    check_layout(layout, "ones_like")
    return _like(input, 1, dtype, device, requires_grad, memory_format)


def full_like(
    input: Tensor,
    fill_value,
    *,
    dtype: dtype | None = None,  # noqa: A002
    layout: layout | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    memory_format: memory_format = preserve_format,
) -> Tensor:
    """``fill_value`` with the shape of ``input`` (dtype defaults to ``input``'s)."""
    check_layout(layout, "full_like")
    fill = _fill_value(fill_value, "full_like")
    return _like(input, fill, dtype, device, requires_grad, memory_format)


def empty_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout | None = None,  # noqa: A002
    device: device | str | None = None,
    requires_grad: bool = False,
    memory_format: memory_format = preserve_format,
) -> Tensor:
    """An uninitialised tensor shaped like ``input``."""
    check_layout(layout, "empty_like")
    return _like(input, 0, dtype, device, requires_grad, memory_format, empty=True)


# ----- Tensor.new_* ---------------------------------------------------------------------
def new_tensor(
    self: Tensor,
    data,
    *,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``tensor(data)`` with this tensor's dtype/device as defaults."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
            ".requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    arr, dt = array_from_data(data, dtype or self._dtype)
    return new_leaf(arr, dt, self._device if device is None else placed(device), requires_grad)


def _new(self: Tensor, size, value, dtype_, device_, requires_grad, name, empty=False):
    dt = dtype_ or self._dtype
    dev = self._device if device_ is None else as_device(device_)
    return _filled(
        parse_size(size, name),
        value,
        dt,
        dev,
        requires_grad=requires_grad,
        out=None,
        name=name,
        empty=empty,
    )


def new_full(
    self: Tensor,
    size,
    fill_value,
    *,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    layout: layout | None = None,
    pin_memory: bool = False,
) -> Tensor:
    """``full(size, fill_value)`` with this tensor's dtype/device as defaults."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
            f"{type(size).__name__}"
        )
    fill = _fill_value(fill_value, "new_full")
    return _new(self, (size,), fill, dtype, device, requires_grad, "new_full")


def _sizes(sizes: tuple, size, name: str) -> tuple:
    """The size of ``new_zeros(*sizes)`` or ``new_zeros(size=size)``, as varargs."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    return (size,)


def new_empty(
    self: Tensor,
    *sizes,
    size=None,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    layout: layout | None = None,
    pin_memory: bool = False,
) -> Tensor:
    """``empty(size)`` with this tensor's dtype/device as defaults."""
    size = _sizes(sizes, size, "new_empty")
    return _new(self, size, 0, dtype, device, requires_grad, "new_empty", empty=True)


def new_zeros(
    self: Tensor,
    *sizes,
    size=None,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    layout: layout | None = None,
    pin_memory: bool = False,
) -> Tensor:
    """``zeros(size)`` with this tensor's dtype/device as defaults."""
    size = _sizes(sizes, size, "new_zeros")
    return _new(self, size, 0, dtype, device, requires_grad, "new_zeros")


def new_ones(
    self: Tensor,
    *sizes,
    size=None,
    dtype: dtype | None = None,
    device: device | str | None = None,
    requires_grad: bool = False,
    layout: layout | None = None,
    pin_memory: bool = False,
) -> Tensor:
    """``ones(size)`` with this tensor's dtype/device as defaults."""
    size = _sizes(sizes, size, "new_ones")
    return _new(self, size, 1, dtype, device, requires_grad, "new_ones")
