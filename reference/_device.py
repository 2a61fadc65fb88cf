"""torch.device, torch.layout, torch.memory_format and the device -> array-module hook.

``array_namespace(device)`` is the single place that decides which array library backs a
device: numpy for ``cpu``, cupy for ``cuda`` (from ``_cuda_runtime``, which imports it on
first use). Ops ask it for their ``xp`` instead of importing numpy. The helpers below
(``data_ptr``, ``device_view``, ``to_device``, ``to_host``) are the few places that tell
numpy and cupy arrays apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from . import _cuda_runtime
from ._cuda_runtime import cupy_or_none

__all__ = [
    "device",
    "layout",
    "strided",
    "sparse_coo",
    "memory_format",
    "contiguous_format",
    "preserve_format",
    "channels_last",
    "channels_last_3d",
]

_DEVICE_TYPES = (
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
)
_DEVICE_RE = re.compile(r"^([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?$")


class device:  # noqa: N801 - torch spelling
    """A device: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``."""

    __slots__ = ("_type", "_index")

    def __init__(
        self,
        type: str | int | device | None = None,  # noqa: A002
        index: int | None = None,
    ) -> None:
        if isinstance(type, device):
            type, index = type._type, type._index  # noqa: A001
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = _accelerator(), type  # noqa: A001 - device(0) is cuda:0
        elif not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({type.__class__.__name__}), but expected one of:\n"
                " * (torch.device device)\n * (str type, int index = -1)"
            )
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(
                f"device(): argument 'index' (position 2) must be int, "
                f"not {index.__class__.__name__}"
            )
        self._type, parsed = _parse(type)
        if parsed is not None and index is not None:
            raise RuntimeError(
                "type (string) must not include an index because index was "
                f"passed explicitly: {type}"
            )
        index = parsed if index is None else index
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._index = index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, device) and self._type == other._type and self._index == other._index
        )

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        idx = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{idx})"

    def __reduce__(self):
        return (device, (self._type, self._index))


def _parse(text: str) -> tuple[str, int | None]:
    if not text:
        raise RuntimeError("Device string must not be empty")
    head = re.match(r"^[a-zA-Z_]+", text)
    if head is not None and head.group(0) not in _DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
            f"of device string: {text.split(':')[0]}"
        )
    m = _DEVICE_RE.match(text)
    if m is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    return m.group(1), None if m.group(2) is None else int(m.group(2))


CPU = device("cpu")


def as_device(dev: device | str | int | None) -> device:
    """Normalise a ``device=`` argument (None means cpu)."""
    if dev is None:
        return CPU
    return dev if isinstance(dev, device) else device(dev)


def get_default_device() -> device:
    """The device factory functions use by default (always cpu here)."""
    return CPU


def array_namespace(dev: device) -> ModuleType:
    """The array module backing ``dev``: numpy for cpu, cupy for cuda (initialising CUDA;
    torch's errors when it is missing)."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        return _cuda_runtime.namespace(dev)
    raise RuntimeError(f"reference: device type '{dev.type}' is not supported")


def placed(dev: device | str | int | None) -> device:
    """The device a new tensor asked for on ``dev`` lives on: its backend checked, and
    ``cuda`` completed with the current CUDA device's index (torch gives ``cuda:0``)."""
    d = as_device(dev)
    array_namespace(d)
    if d.type == "cuda" and d.index is None:
        return device("cuda", _cuda_runtime.current_device())
    return d


def _accelerator() -> str:
    """The device type an integer device means: cuda when usable (torch's accelerator)."""
    if not _cuda_runtime.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return "cuda"


# ----- the few places numpy and cupy arrays differ ----------------------------------------
def is_device_array(arr: Any) -> bool:
    """True for a cupy array (data in GPU memory)."""
    return type(arr).__module__.startswith("cupy")


def module_of(arr: Any) -> ModuleType:
    """The array module an array belongs to."""
    return cupy_or_none() if is_device_array(arr) else np


def data_ptr(arr: Any) -> int:
    """Address of an array's first element (host or device memory)."""
    return arr.data.ptr if is_device_array(arr) else arr.__array_interface__["data"][0]


def device_view(arr: Any, shape: Sequence[int], strides: Sequence[int], offset: int = 0) -> Any:
    """A cupy view of ``arr``'s memory with element ``strides`` from element ``offset``."""
    item = arr.dtype.itemsize
    return cupy_or_none().ndarray(
        tuple(shape),
        arr.dtype,
        memptr=arr.data + offset * item,
        strides=tuple(s * item for s in strides),
    )


def to_host(arr: Any) -> Any:
    """A numpy copy of a cupy array; numpy data unchanged."""
    return arr.get() if is_device_array(arr) else arr


def to_device(arr: Any, dev: device) -> Any:
    """``arr`` in ``dev``'s array library: copied between host and GPU, else unchanged."""
    xp = array_namespace(dev)
    return to_host(arr) if xp is np else xp.asarray(arr)


class layout:  # noqa: N801
    """Memory layout of a tensor (``torch.strided``, ``torch.sparse_coo``)."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'torch.layout' instances")

    @classmethod
    def _make(cls, name: str) -> layout:
        self = object.__new__(cls)
        self._name = name
        return self

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


strided = layout._make("strided")
sparse_coo = layout._make("sparse_coo")


class memory_format:  # noqa: N801
    """Requested memory layout for clone/contiguous/empty_like (``torch.memory_format``)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
