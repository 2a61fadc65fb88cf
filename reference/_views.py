"""View ops: results alias the input's memory (strides computed as torch does)."""

from __future__ import annotations

import math
import numbers
import warnings

from . import _dtypes
from ._conversion import clone
from ._device import contiguous_format
from ._grad_mode import no_grad
from ._ops import apply_view
from ._strides import (
    compute_view_strides,
    format_shape,
    infer_size,
    strided_view,
    wrap_dim,
)
from ._tensor import Tensor

__all__ = [
    "view",
    "reshape",
    "flatten",
    "transpose",
    "swapaxes",
    "t",
    "permute",
    "expand",
    "expand_as",
    "narrow",
    "select",
    "as_strided",
    "view_as",
    "reshape_as",
    "unflatten",
    "movedim",
]


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if type(s) is int:
            continue
        if not isinstance(s, numbers.Integral) and not (isinstance(s, Tensor) and s.numel() == 1):
            raise TypeError(
                f"view(): argument 'size' must be tuple of ints, but found element "
                f"of type {type(s).__name__}"
            )
    return tuple(int(s) for s in shape)


def restride(t: Tensor, name: str, shape, strides, offset: int = 0) -> Tensor:
    """View of ``t`` with element ``strides`` and an element ``offset`` (the view primitive)."""
    return apply_view(name, lambda a: strided_view(a, shape, strides, offset), t)


def reindex(t: Tensor, name: str, index: tuple) -> Tensor:
    """``restride`` for views that numpy's basic indexing (ints and slices, non-empty
    result) or ``transpose`` makes with the same sizes, strides and offset: an order of
    magnitude cheaper than rebuilding an array from its interface."""
    return apply_view(name, lambda a: a[index], t)


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:  # noqa: A002
    """View with explicit sizes, strides and storage offset."""
    offset = 0 if storage_offset is None else storage_offset - input.storage_offset()
    return restride(input, "as_strided", tuple(size), tuple(stride), offset)


def view(self: Tensor, *shape, size=None, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Same data with another shape (or reinterpreted as another dtype), given positionally
    or as ``size=`` or ``dtype=``."""
    if (size is not None) + (dtype is not None) + bool(shape) != 1:
        kinds = ", ".join(type(v).__name__ for v in shape)
        raise TypeError(f"view() received an invalid combination of arguments - got ({kinds})")
    if dtype is not None or len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        return _view_dtype(self, dtype if dtype is not None else shape[0])
    if size is not None:
        shape = (size,)
    data = self._data
    shape = infer_size(_shape_arg(shape), data.size)
    if data.flags.c_contiguous and shape and min(shape) > 1:
        # dense row-major without dims of 0 or 1: torch's strides are numpy's reshape's
        return apply_view("view", lambda a: a.reshape(shape), self)
    strides = compute_view_strides(self.shape, self.stride(), shape)
    if strides is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at "
            "least one dimension spans across two contiguous subspaces). Use "
            ".reshape(...) instead."
        )
    return restride(self, "view", shape, strides)


def _view_dtype(self: Tensor, dt: _dtypes.dtype) -> Tensor:
    old, new = self._dtype.itemsize, dt.itemsize
    if old != new:
        _check_view_dtype(self, dt, new // old)
    with no_grad():  # not differentiable: the result never requires grad
        out = apply_view("view", lambda a: a.view(dt._np), self)
    out._requires_grad = False
    return out


def _check_view_dtype(self: Tensor, dt: _dtypes.dtype, ratio: int) -> None:
    """torch's conditions, in its order, for viewing ``self`` as a dtype of another size
    (``ratio``: how many of ``self``'s elements make one of ``dt``, 0 when it shrinks)."""
    names = f"{self._dtype._scalar_name} as {dt._scalar_name} (different element sizes)"
    if self.ndim == 0:
        raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
    if self.stride(-1) != 1:
        raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {self.stride(-1)}")
    if not ratio:
        return
    checks = [("self.size(-1)", self.shape[-1]), ("self.storage_offset()", self.storage_offset())]
    checks += [(f"self.stride({d})", self.stride(d)) for d in range(self.ndim - 1)]
    for what, value in checks:
        if value % ratio:
            raise RuntimeError(
                f"{what} must be divisible by {ratio} to view {names}, but got {value}"
            )


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """``view(other.shape)``."""
    return view(self, tuple(other.shape))


def reshape(input: Tensor, *shape) -> Tensor:  # noqa: A002
    """A view when strides allow, otherwise a contiguous copy."""
    shape = infer_size(_shape_arg(shape), input.numel())
    if compute_view_strides(input.shape, input.stride(), shape) is not None:
        return view(input, shape)
    return view(clone(input, memory_format=contiguous_format), shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """``reshape(other.shape)``."""
    return reshape(self, tuple(other.shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input.shape
    return reshape(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes``."""
    d = wrap_dim(dim, input.ndim)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = infer_size(tuple(sizes), input.shape[d])
    except RuntimeError as exc:
        if "is invalid for input of size" not in str(exc):
            raise RuntimeError(f"unflatten got an unexpected error:\n{exc}") from None
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
            f"({input.shape[d]}) in the input tensor"
        ) from None
    return view(input, (*input.shape[:d], *sizes, *input.shape[d + 1 :]))


def permute(input: Tensor, *dims) -> Tensor:  # noqa: A002
    """Reorder dimensions."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != input.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does "
            "not match the length of the desired ordering of dimensions i.e. "
            f"input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = [wrap_dim(d, input.ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply_view("permute", lambda a: a.transpose(dims), input)


def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Move dims ``source`` to positions ``destination``."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [wrap_dim(d, input.ndim) for d in src]
    dst = [wrap_dim(d, input.ndim) for d in dst]
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return permute(input, order)


def transpose(
    input: Tensor,
    dim0: int | None = None,
    dim1: int | None = None,  # noqa: A002
    *extra: object,
) -> Tensor:
    """Swap two dimensions."""
    if extra:
        raise TypeError(f"transpose() takes 3 positional arguments but {3 + len(extra)} were given")
    if dim1 is None:
        missing = '"dim1"' if dim0 is not None else '"dim0", "dim1"'
        raise TypeError(
            f"transpose() missing {1 if dim0 is not None else 2} required positional "
            f"arguments: {missing}"
        )
    d0, d1 = wrap_dim(dim0, input.ndim), wrap_dim(dim1, input.ndim)
    if input.ndim == 0:
        return restride(input, "transpose", (), ())
    return apply_view("permute", lambda a: a.swapaxes(d0, d1), input)  # permute's view


swapaxes = swapdims = transpose


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions of ``self`` in place (metadata only)."""
    out = transpose(self, dim0, dim1)
    self._data = out._data
    return self


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose a <= 2-D tensor."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return (
        transpose(input, 0, 1)
        if input.ndim == 2
        else restride(input, "t", input.shape, input.stride())
    )


def T(self: Tensor) -> Tensor:  # noqa: N802
    """All dims reversed (torch warns for ndim other than 0 and 2)."""
    if self.ndim not in (0, 2):
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their "
            "shape is deprecated and it will throw an error in a future release. "
            "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
            "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=3,
        )
    return permute(self, list(range(self.ndim - 1, -1, -1)))


def mT(self: Tensor) -> Tensor:  # noqa: N802
    """Transpose of the last two dims."""
    if self.ndim < 2:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. "
            f"Got {self.ndim}-D tensor."
        )
    return transpose(self, -2, -1)


def expand(self: Tensor, *sizes) -> Tensor:
    """Broadcast size-1 dims to ``sizes`` (stride 0, no copy); -1 keeps a size."""
    sizes = _shape_arg(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(
            f"expand(torch.{self._dtype._legacy}{{{format_shape(self.shape)}}}, "
            f"size={format_shape(sizes)}): the number of sizes provided ({len(sizes)}) must be "
            f"greater or equal to the number of dimensions in the tensor ({self.ndim})"
        )
    new_shape, new_strides = _expand_geometry(self, sizes)
    if min(new_shape, default=0) < 0 and 0 not in new_shape:  # torch counts elements next
        raise RuntimeError("numel: integer multiplication overflow")
    return restride(self, "expand", new_shape, new_strides)


def _expand_geometry(self: Tensor, sizes: tuple) -> tuple[list[int], list[int]]:
    """torch's inferExpandGeometry, innermost dim first: a new dim of 1 steps over the dims
    inside it, an expanded dim has stride 0; a 0-d tensor takes the sizes unchecked."""
    ndim, lead = len(sizes), len(sizes) - self.ndim
    if self.ndim == 0:
        return list(sizes), [0] * ndim
    shape, strides = list(self.shape), list(self.stride())
    new_shape, new_strides = [0] * ndim, [0] * ndim
    for i in reversed(range(ndim)):
        target = sizes[i]
        if i < lead:
            if target == -1:
                raise RuntimeError(
                    "The expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            size, stride = 1, new_shape[i + 1] * new_strides[i + 1]
        else:
            size, stride = shape[i - lead], strides[i - lead]
            target = size if target == -1 else target
        if size != target:
            if size != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size "
                    f"({size}) at non-singleton dimension {i}.  Target sizes: "
                    f"{format_shape(sizes)}.  Tensor sizes: {format_shape(shape)}"
                )
            size, stride = target, 0
        new_shape[i], new_strides[i] = size, stride
    return new_shape, new_strides


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``expand(other.shape)``."""
    return expand(self, tuple(other.shape))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """Slice ``length`` elements of ``dim`` from ``start``."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start = start + size if start < 0 else start
    if length < 0 or start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    if length == 0:
        shape, strides = list(input.shape), input.stride()
        shape[d] = length
        return restride(input, "narrow", shape, strides, start * strides[d])
    return reindex(input, "narrow", (slice(None),) * d + (slice(start, start + length),))


def narrow_pieces(input: Tensor, d: int, pieces: list[tuple[int, int]]) -> tuple[Tensor, ...]:  # noqa: A002
    """``narrow(input, d, start, length)`` for each ``(start, length)`` in range of dim ``d``
    (``d`` wrapped), made by one view op; a piece out of range raises narrow's error."""
    shape = input._data.shape
    size = shape[d]
    for start, length in pieces:
        if not 0 <= start <= size or length < 0 or start > size - length:
            narrow(input, d, start, length)
    lead = (slice(None),) * d
    if all(length for _, length in pieces):  # numpy's slicing makes each view
        return apply_view(
            "narrow", lambda a: [a[(*lead, slice(s, s + n))] for s, n in pieces], input
        )
    strides = input.stride()
    empty = [*shape[:d], 0, *shape[d + 1 :]]

    def fn(a):
        return [
            a[(*lead, slice(start, start + length))]
            if length
            else strided_view(a, empty, strides, start * strides[d])
            for start, length in pieces
        ]

    return apply_view("narrow", fn, input)


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """Index ``dim`` at ``index``, removing that dim."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{format_shape(input.shape)} at dimension {d}"
        )
    index = index + size if index < 0 else index
    return reindex(input, "select", (slice(None),) * d + (index, Ellipsis))


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """All slices along ``dim`` as views."""
    d = wrap_dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))
