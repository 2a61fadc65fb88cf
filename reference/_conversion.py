"""Copies, casts and in-place fills: clone, contiguous, detach, to, copy_, fill_, zero_."""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtypes
from ._device import (
    CPU,
    array_namespace,
    as_device,
    contiguous_format,
    data_ptr,
    device,
    memory_format,
    placed,
    preserve_format,
    to_device,
)
from ._dtypes import dtype
from ._grad_mode import is_recording, no_grad
from ._ops import apply_inplace, apply_op, apply_view, bump_version, xp_of
from ._scalars import checked_scalar, python_scalar
from ._strides import allocate, broadcast_shapes, format_shape, like_strides
from ._tensor import Tensor
from .autograd import _formulas as grads

__all__ = [
    "clone",
    "detach",
    "cast_array",
    "to",
    "cpu",
    "cuda",
    "copy_",
    "fill_",
    "zero_",
    "contiguous",
    "write_out",
    "resize_out",
]


def cast_array(arr: np.ndarray, dt: dtype, warn: bool = False) -> np.ndarray:
    """``arr`` converted to ``dt`` (complex -> real drops the imaginary part; ``warn`` adds
    torch's warning as ``Tensor.to`` does)."""
    if arr.dtype == dt._np:
        return arr
    if np.iscomplexobj(arr) and not dt.is_complex:
        if warn:
            warnings.warn(
                "Casting complex values to real discards the imaginary part",
                UserWarning,
                stacklevel=4,
            )
        arr = arr.real
    with np.errstate(invalid="ignore", over="ignore"):
        return arr.astype(dt._np)


def clone(input: Tensor, *, memory_format: memory_format = preserve_format) -> Tensor:  # noqa: A002
    """A copy with its own memory (strides preserved for dense inputs)."""
    strides = like_strides(input.shape, input.stride(), memory_format)
    made: list = []

    def fn(a):
        out = allocate(xp_of(input), a.shape, strides, a.dtype)
        out[...] = a
        made.append(out)
        return out

    result = apply_op("clone", fn, input, backward=grads.identity())
    result._data = made[0]  # the strides laid out above, size-1 dims' included
    return result


def contiguous(self: Tensor, memory_format: memory_format = contiguous_format) -> Tensor:
    """``self`` if already contiguous in ``memory_format``, else a contiguous copy."""
    if self.is_contiguous(memory_format=memory_format):
        return self
    return clone(self, memory_format=memory_format)


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """A view sharing memory that does not require grad."""
    with no_grad():
        out = apply_view("detach", lambda a: a[...], input)
    # shares memory and the version counter, but is not a view for autograd (no _base)
    out._requires_grad, out._is_leaf, out._base = False, True, None
    return out


def detach_(self: Tensor) -> Tensor:
    """Detach in place."""
    self._requires_grad, self._is_leaf, self._grad_fn = False, True, None
    return self


def _parse_to(args, kwargs) -> tuple[device | None, dtype | None, bool]:
    dev, dt = kwargs.pop("device", None), kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(
            f"to() received an invalid combination of arguments - got unexpected "
            f"keyword argument '{next(iter(kwargs))}'"
        )
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        dev, dt = other._device, other._dtype
    elif rest and not isinstance(rest[0], dtype):
        dev = rest.pop(0)
    if rest and isinstance(rest[0], dtype):
        dt = rest.pop(0)
    if rest and isinstance(rest[0], bool):  # non_blocking
        rest.pop(0)
    if rest and isinstance(rest[0], bool):
        copy = rest.pop(0)
    if rest:
        raise TypeError("to() received an invalid combination of arguments")
    return (None if dev is None else as_device(dev)), dt, copy


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Convert dtype and/or device: ``to(dtype)``, ``to(device, dtype)``, ``to(other)``."""
    dev, dt, copy = _parse_to(args, dict(kwargs))
    dev = self._device if dev is None else placed(dev)
    dt = self._dtype if dt is None else dt
    if dt is self._dtype and dev == self._device and not copy:
        return self
    if dev != self._device:
        return apply_op(
            "to",
            lambda a: to_device(cast_array(a, dt, warn=True), dev),
            self,
            dtype=dt,
            device=dev,
            backward=grads.identity(),
        )
    if dt is self._dtype:
        return clone(self)
    return apply_op(
        "to", lambda a: cast_array(a, dt, warn=True), self, dtype=dt, backward=grads.identity()
    )


def cpu(self: Tensor, memory_format: memory_format = preserve_format) -> Tensor:
    """``self`` on the cpu (``self`` when already there)."""
    return to(self, CPU)


def cuda(
    self: Tensor,
    device: device | str | int | None = None,
    non_blocking: bool = False,
    memory_format: memory_format = preserve_format,
) -> Tensor:
    """``self`` on a CUDA device (the current one by default; torch's errors without CUDA)."""
    if device is None or (isinstance(device, int) and not isinstance(device, bool)):
        dev = as_device("cuda" if device is None else device)
    else:
        dev = as_device(device)
        if dev.type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
    return to(self, dev)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``self``."""
    if not isinstance(src, Tensor):
        raise TypeError(
            f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}"
        )
    broadcast_shapes(self.shape, src.shape)
    if broadcast_shapes(self.shape, src.shape) != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {format_shape(self.shape)} doesn't match the "
            f"broadcast shape {format_shape(broadcast_shapes(self.shape, src.shape))}"
        )

    def fn(dst, s):
        dst[...] = cast_array(s, self._dtype)

    if src._device != self._device:  # a copy across devices moves src first
        src = to(src, self._device)
    return apply_inplace("copy_", fn, self, src, backward=grads.copy(2))


def fill_(self: Tensor, value) -> Tensor:
    """Fill with a scalar (or 0-dim tensor) value."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor "
                f"with {value.ndim} dimensions."
            )

        def fn_t(dst, v):
            dst[...] = cast_array(v, self._dtype)

        return apply_inplace("fill_", fn_t, self, value, backward=grads.fill_tensor())
    scalar = checked_scalar(python_scalar(value), self._dtype)[()]

    def fn(dst):
        dst[...] = scalar

    return apply_inplace("fill_", fn, self, backward=grads.copy(1))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros."""
    return fill_(self, 0)


def resize_out(out: Tensor, shape, warn: bool = True) -> None:
    """Resize an ``out=`` tensor like torch (warning when it had elements)."""
    shape = tuple(shape)
    if tuple(out.shape) == shape:
        return
    if warn and out.numel() != 0:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"{format_shape(out.shape)}, which does not match the required output shape "
            f"{format_shape(shape)}. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
            "t.resize_(0).",
            UserWarning,
            stacklevel=4,
        )
    new = array_namespace(out._device).empty(shape, dtype=out._dtype._np)
    out._data = new
    out._storage_ptr = data_ptr(new)


def write_out(out: Tensor, result: Tensor, name: str) -> Tensor:
    """Store ``result`` into the ``out=`` tensor (resize, cast check) and return ``out``."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_recording() and (out._requires_grad or result._requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if not _dtypes.can_cast(result._dtype, out._dtype):
        raise RuntimeError(
            f"result type {result._dtype._scalar_name} can't be cast to the "
            f"desired output type {out._dtype._scalar_name}"
        )
    resize_out(out, result.shape)
    out._data[...] = cast_array(result._data, out._dtype)
    bump_version(out)
    return out
