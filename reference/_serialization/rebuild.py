"""torch's rebuild functions as reference functions: a loaded tensor views its storage's
memory with torch's ``set_`` bounds check; parameters load as ``reference.nn.Parameter``."""

from __future__ import annotations

from typing import Any

from .. import _dtypes
from .._device import sparse_coo, strided
from .._dtypes import dtype
from .._strides import strided_view
from .._tensor import Tensor
from ..nn.parameter import Parameter as NNParameter
from .storages import TypedStorage, span


def _check_ints(values: Any, what: str) -> tuple[int, ...]:
    if not isinstance(values, (tuple, list)) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    ):
        raise RuntimeError(f"reference.load: invalid tensor {what} {values!r}")
    return tuple(values)


def tensor_from_storage(
    typed: TypedStorage, offset: int, size: Any, stride: Any, dt: dtype | None = None
) -> Tensor:
    """A tensor viewing ``typed``'s memory with torch's ``set_`` bounds check."""
    if not isinstance(typed, TypedStorage):
        raise RuntimeError(f"reference.load: expected a storage, got {type(typed)}")
    dt = dt or typed.dtype
    if dt not in _dtypes.ALL_DTYPES:
        raise RuntimeError(f"reference.load: {dt} tensors are not supported")
    raw = typed.storage._array
    elems = raw[: raw.size - raw.size % dt.itemsize].view(dt._np)
    (offset,) = _check_ints((offset,), "storage offset")
    size, stride = _check_ints(size, "size"), _check_ints(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError(f"reference.load: size {size} and stride {stride} differ in length")
    need = span(offset, size, stride)
    if need > elems.size:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {dt.itemsize} requiring a storage size of {need * dt.itemsize} are "
            f"out of bounds for storage of size {raw.size}"
        )
    view = strided_view(elems, size, stride, offset)
    t = Tensor._make(view, dt, typed.storage.device, storage_ptr=elems.ctypes.data)
    t._data = view
    return t


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    return tensor_from_storage(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None
) -> Tensor:
    return _rebuild_tensor_v3(
        storage, storage_offset, size, stride, requires_grad, backward_hooks, None
    )


def _rebuild_tensor_v3(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None
) -> Tensor:
    t = tensor_from_storage(storage, storage_offset, size, stride, dtype)
    t.requires_grad = bool(requires_grad)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks) -> Tensor:
    """``nn.Parameter`` loads as a ``reference.nn.Parameter`` with its ``requires_grad``."""
    if not isinstance(data, Tensor):
        raise RuntimeError(f"reference.load: a parameter needs a tensor, got {type(data)}")
    return NNParameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state) -> Tensor:
    return _rebuild_parameter(data, requires_grad, backward_hooks)


class Parameter:
    """``torch.nn.Parameter(data, requires_grad)`` as it appears in older pickles."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Tensor:
        return _rebuild_parameter(data, requires_grad, None)


def _rebuild_from_type_v2(func, new_type, args, state) -> Tensor:
    """Tensors pickled with a type: only plain tensors without Python attributes."""
    if new_type not in (Tensor, Parameter) or state:
        raise RuntimeError(
            "reference.load: tensor subclasses and tensor attributes are not supported"
        )
    return func(*args)


def _get_layout(name: str):
    layouts = {"torch.strided": strided, "torch.sparse_coo": sparse_coo}
    if name not in layouts:
        raise RuntimeError(f"reference.load: layout {name} is not supported")
    return layouts[name]


#: torch's rebuild globals by their full names
REBUILD_GLOBALS: dict[str, Any] = {
    "torch.nn.parameter.Parameter": Parameter,
    "torch.serialization._get_layout": _get_layout,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    **{
        f"torch._utils.{fn.__name__}": fn
        for fn in (
            _rebuild_tensor,
            _rebuild_tensor_v2,
            _rebuild_tensor_v3,
            _rebuild_parameter,
            _rebuild_parameter_with_state,
        )
    },
}
