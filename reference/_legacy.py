"""Legacy tensor-type classes (FloatTensor, LongTensor, ...), the legacy ``Tensor(...)``
constructor and ``Tensor.type()``."""

from __future__ import annotations

import numbers

import numpy as np

from . import _dtypes
from ._conversion import to
from ._creation import array_from_data
from ._device import array_namespace, as_device
from ._dtypes import c_name, dtype
from ._factory import new_leaf
from ._size import Size
from ._tensor import Tensor


def _options(dt: dtype) -> str:
    return (
        f"TensorOptions(dtype={c_name(dt)}, device=cpu, layout=Strided, "
        "requires_grad=false (default), pinned_memory=false (default), "
        "memory_format=(nullopt))"
    )


def legacy_new(dt: dtype, *args, strict: bool = True, **kwargs) -> Tensor:
    """torch's legacy constructor: ``()``, ``(*sizes)``, ``(Size)``, ``(data)``,
    ``(tensor)``, with an optional ``device=`` keyword."""
    dev = as_device(kwargs.pop("device", None))
    if kwargs:
        raise TypeError(
            f"new() received an invalid combination of arguments - got unexpected "
            f"keyword argument '{next(iter(kwargs))}'"
        )
    xp = array_namespace(dev)
    if not args:
        return new_leaf(xp.empty((0,), dtype=dt._np), dt, dev)
    first = args[0]
    if isinstance(first, str):
        raise TypeError("new(): invalid data type 'str'")
    if len(args) == 1 and isinstance(first, Tensor):
        if strict and first._dtype is not dt:
            raise TypeError(f"expected {_options(dt)} (got {_options(first._dtype)})")
        return first
    if (
        len(args) == 1
        and isinstance(first, (list, tuple, np.ndarray))
        and not isinstance(first, Size)
    ):
        arr, _ = array_from_data(first, dt)
        return new_leaf(arr, dt, dev)
    sizes = tuple(first) if len(args) == 1 and isinstance(first, Size) else args
    for pos, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            if len(args) == 1:
                raise TypeError(f"new(): data must be a sequence (got {type(s).__name__})")
            raise TypeError(
                f"new(): argument 'size' failed to unpack the object at pos "
                f'{pos + 1} with error "type must be tuple of ints,but got '
                f'{type(s).__name__}"'
            )
    if any(s < 0 for s in sizes):
        neg = next(s for s in sizes if s < 0)
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {neg}: [{', '.join(map(str, sizes))}]"
        )
    return new_leaf(xp.empty(tuple(int(s) for s in sizes), dtype=dt._np), dt, dev)


class _LegacyMeta(type):
    """``isinstance(t, FloatTensor)`` is true for cpu tensors of that dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and obj._device.type == "cpu"

    def __call__(cls, *args, **kwargs) -> Tensor:
        return legacy_new(cls.dtype, *args, **kwargs)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_class(dt: dtype) -> type:
    return _LegacyMeta(
        dt._legacy,
        (),
        {
            "dtype": dt,
            "is_cuda": False,
            "is_sparse": False,
            "__doc__": f"Legacy constructor for {dt} tensors.",
        },
    )


HalfTensor = _legacy_class(_dtypes.float16)
BFloat16Tensor = _legacy_class(_dtypes.bfloat16)
FloatTensor = _legacy_class(_dtypes.float32)
DoubleTensor = _legacy_class(_dtypes.float64)
ByteTensor = _legacy_class(_dtypes.uint8)
CharTensor = _legacy_class(_dtypes.int8)
ShortTensor = _legacy_class(_dtypes.int16)
IntTensor = _legacy_class(_dtypes.int32)
LongTensor = _legacy_class(_dtypes.int64)
BoolTensor = _legacy_class(_dtypes.bool)

_BY_TYPE_NAME = {f"torch.{d._legacy}": d for d in _dtypes.ALL_DTYPES}


def tensor_type(self: Tensor, dtype=None, non_blocking: bool = False, **kwargs):
    """``'torch.FloatTensor'`` with no argument; else convert to the given type."""
    if dtype is None:
        prefix = "torch.cuda." if self._device.type == "cuda" else "torch."
        return prefix + self._dtype._legacy
    if isinstance(dtype, str):
        if dtype.startswith("torch.cuda."):
            raise RuntimeError("Cannot initialize CUDA without ATen_cuda library.")
        if dtype not in _BY_TYPE_NAME:
            raise ValueError(f"invalid type: '{dtype}'")
        target = _BY_TYPE_NAME[dtype]
    elif isinstance(dtype, _LegacyMeta):
        target = dtype.dtype
    elif isinstance(dtype, _dtypes.dtype):
        target = dtype
    else:
        raise TypeError(f"type(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    return to(self, dtype=target)
