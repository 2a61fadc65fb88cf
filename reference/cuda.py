"""``torch.cuda`` on cupy: availability, lazy initialisation, devices and memory statistics.

"Compiled with CUDA" means cupy imports. Without it every call behaves like torch's CPU
build (``init()`` raises ``AssertionError: Torch not compiled with CUDA enabled``, the
memory figures are 0, ``reset_peak_memory_stats`` raises torch's ``AttributeError``). With
cupy but no usable GPU it behaves like torch's CUDA build on such a machine
(``RuntimeError`` from initialisation).

Memory figures come from cupy's default memory pool: ``memory_allocated`` is the pool's
``used_bytes()`` on the device (blocks rounded up to 512 bytes, like torch's caching
allocator). cupy keeps no peak, so initialisation wraps cupy's allocator: after every
allocation, temporaries of an op included, the pool's used bytes are sampled into a
per-device peak, which ``reset_peak_memory_stats`` sets back to the current figure.
Anything else the process allocates from that pool counts too.
"""

from __future__ import annotations

import threading
import warnings
from types import ModuleType
from typing import Any

from ._device import cupy_or_none, device

__all__ = [
    "is_available",
    "device_count",
    "is_initialized",
    "init",
    "current_device",
    "synchronize",
    "memory_allocated",
    "max_memory_allocated",
    "reset_peak_memory_stats",
    "reset_max_memory_allocated",
]

Device = device | str | int | None

_NOT_COMPILED = "Torch not compiled with CUDA enabled"
_NO_DRIVER = (
    "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and "
    "installed a driver from http://www.nvidia.com/Download/index.aspx"
)
_NO_DEVICE_STATUS = 100  # cudaErrorNoDevice
_lock = threading.Lock()
_state = {"initialized": False}
_peak: dict[int, int] = {}


def _is_compiled() -> bool:
    """True when cupy imports (torch: built with CUDA)."""
    return cupy_or_none() is not None


def is_available() -> bool:
    """True when cupy imports and sees at least one GPU; never raises."""
    return device_count() > 0


def device_count() -> int:
    """Number of GPUs cupy sees (0 without cupy, a driver or a device)."""
    cp = cupy_or_none()
    if cp is None:
        return 0
    try:
        return int(cp.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - torch's count is 0 whatever the driver error
        return 0


def is_initialized() -> bool:
    """Whether CUDA state has been initialised (by ``init()`` or the first CUDA use)."""
    return _state["initialized"]


def init() -> None:
    """Initialise CUDA state; torch's errors without CUDA or a GPU. Idempotent."""
    _lazy_init()


def _lazy_init() -> None:
    if _state["initialized"]:
        return
    with _lock:
        if _state["initialized"]:
            return
        cp = cupy_or_none()
        if cp is None:
            raise AssertionError(_NOT_COMPILED)
        try:
            count = cp.cuda.runtime.getDeviceCount()
        except Exception as exc:  # noqa: BLE001 - any driver failure: torch's no-driver error
            count = 0 if getattr(exc, "status", None) == _NO_DEVICE_STATUS else -1
        if count <= 0:
            raise RuntimeError("No CUDA GPUs are available" if count == 0 else _NO_DRIVER)
        _track_peaks(cp)
        _state["initialized"] = True


def _cupy() -> ModuleType:
    """cupy, after initialising CUDA."""
    _lazy_init()
    return cupy_or_none()


def _track_peaks(cp: ModuleType) -> None:
    """Wrap cupy's allocator: each allocation samples the pool's used bytes into the peak."""
    pool = cp.get_default_memory_pool()
    allocate = cp.cuda.get_allocator()

    def malloc(size: int) -> Any:
        mem = allocate(size)
        _peak[mem.device_id] = max(_peak.get(mem.device_id, 0), int(pool.used_bytes()))
        return mem

    cp.cuda.set_allocator(malloc)


def current_device() -> int:
    """Index of the current CUDA device."""
    return int(_cupy().cuda.runtime.getDevice())


def _cuda_index(dev: Device) -> int | None:
    """The index a ``device`` argument names (None: the current device); torch's
    ValueError for a non-CUDA device."""
    if isinstance(dev, str):
        dev = device(dev)
    if isinstance(dev, device):
        if dev.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dev}")
        return dev.index
    if isinstance(dev, int):
        return dev
    if dev is None:
        return None
    raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{dev}")


def _index(dev: Device) -> int:
    """The device index of a ``device`` argument, the current device for None."""
    index = _cuda_index(dev)
    return current_device() if index is None else index


def _check_index(index: int, what: str) -> None:
    if not 0 <= index < device_count():
        raise RuntimeError(what)


def namespace(dev: device) -> ModuleType:
    """cupy for a tensor on ``dev`` (the array-module hook of ``_device``)."""
    cp = _cupy()
    index = current_device() if dev.index is None else dev.index
    _check_index(index, "CUDA error: invalid device ordinal")
    if index != current_device():
        raise NotImplementedError(
            f"reference: cuda tensors live on the current device (cuda:{current_device()}), "
            f"not {dev}"
        )
    return cp


def synchronize(device: Device = None) -> None:  # noqa: A002 - torch's name
    """Wait for all work on a CUDA device to finish."""
    cp = _cupy()
    index = _index(device)
    _check_index(index, "CUDA error: invalid device ordinal")
    cp.cuda.Device(index).synchronize()


def _used_bytes(index: int) -> int:
    cp = _cupy()
    _check_index(index, f"Invalid device argument {index}: did you call init?")
    with cp.cuda.Device(index):
        return int(cp.get_default_memory_pool().used_bytes())


def memory_allocated(device: Device = None) -> int:  # noqa: A002
    """Bytes held by tensors on a CUDA device (0 before CUDA is initialised)."""
    if not is_initialized():
        return 0
    return _used_bytes(_index(device))


def max_memory_allocated(device: Device = None) -> int:  # noqa: A002
    """Peak of ``memory_allocated`` since start or the last ``reset_peak_memory_stats``."""
    if not is_initialized():
        return 0
    index = _index(device)
    return max(_peak.get(index, 0), _used_bytes(index))


def reset_peak_memory_stats(device: Device = None) -> None:  # noqa: A002
    """Restart peak tracking from the current figure."""
    if not _is_compiled():
        _cuda_index(device)
        raise AttributeError("module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats'")
    index = _index(device)
    _peak[index] = _used_bytes(index)


def reset_max_memory_allocated(device: Device = None) -> None:  # noqa: A002
    """Deprecated alias of ``reset_peak_memory_stats`` (FutureWarning, like torch)."""
    warnings.warn(
        "torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    return reset_peak_memory_stats(device=device)
