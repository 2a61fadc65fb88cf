"""``torch.nn.Parameter``, ``Buffer`` and their uninitialized (lazy) forms.

A parameter is a tensor object of its own class sharing the memory and version counter of
the tensor it was made from; ops on it return plain tensors, as in torch."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .._creation import empty
from .._size import Size
from .._tensor import Tensor

__all__ = [
    "Parameter",
    "UninitializedParameter",
    "Buffer",
    "UninitializedBuffer",
    "UninitializedTensorMixin",
    "is_lazy",
]


def _alias(cls: type, data: Tensor) -> Tensor:
    """A new ``cls`` object viewing ``data``'s memory (a leaf, no autograd history)."""
    out = cls._make(data._data, data._dtype, data._device, storage_ptr=data._storage_ptr)
    out._version_box = data._version_box
    out._inference = data._inference
    return out


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as a parameter when assigned to it."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            data.detach()  # torch's AttributeError for non-tensors
        out = _alias(cls, data)
        out._set_requires_grad(bool(requires_grad), "Only")
        return out

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.data.clone(), self.requires_grad)
        return memo[id(self)]

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol: int) -> tuple:
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data: Tensor, requires_grad: bool, hooks: Any = None) -> Parameter:
    """Unpickle a parameter (torch's ``torch._utils._rebuild_parameter``)."""
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """A tensor that a :class:`Module` registers as a buffer when assigned to it.

    torch returns a plain ``Tensor`` flagged as a buffer; here it is an object of this class
    (the reference's tensors take no attributes)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        if data is None:
            data = empty(0)
        out = _alias(cls, data)
        out._requires_grad = data._requires_grad
        out.persistent = persistent
        return out


class UninitializedTensorMixin:
    """A placeholder without a shape until ``materialize`` gives it one."""

    cls_to_become: type | None = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate ``shape`` (uninitialized memory) and become ``cls_to_become``."""
        device = self._device if device is None else device
        dtype = self._dtype if dtype is None else dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the parameters "
            "before accessing their attributes."
        )

    def size(self, dim: int | None = None):
        """The placeholder's size (``torch.Size([0])``)."""
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: int) -> tuple:
        return (type(self), (self.requires_grad,))


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is set at the first forward of a lazy module."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __deepcopy__(self, memo: dict):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self._device, self._dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Buffer):
    """A buffer whose shape is set at the first forward of a lazy module."""

    cls_to_become = Buffer

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent=True):
        out = Buffer.__new__(cls, empty(0, device=device, dtype=dtype), persistent=persistent)
        out._requires_grad = bool(requires_grad)
        return out
