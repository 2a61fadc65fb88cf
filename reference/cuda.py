"""``torch.cuda`` on cupy: availability, lazy initialisation, devices and memory statistics.

"Compiled with CUDA" means cupy imports. Without it every call behaves like torch's CPU
build (``init()`` raises ``AssertionError: Torch not compiled with CUDA enabled``, the
memory figures are 0, ``reset_peak_memory_stats`` raises torch's ``AttributeError``). With
cupy but no usable GPU it behaves like torch's CUDA build on such a machine
(``RuntimeError`` from initialisation).

Memory figures come from cupy's default memory pool: ``memory_allocated`` is the pool's
``used_bytes()`` on the device (blocks rounded up to 512 bytes, like torch's caching
allocator). The peak is sampled after every allocation (``_cuda_runtime``), and
``reset_peak_memory_stats`` sets it back to the current figure. Anything else the process
allocates from that pool counts too.

Availability, initialisation and the current device live in ``_cuda_runtime`` (the devices
below need them too) and are re-exported here.
"""

from __future__ import annotations

import warnings

from . import _cuda_runtime
from ._cuda_runtime import (
    check_index,
    cupy_or_none,
    current_device,
    device_count,
    init,
    initialized_cupy,
    is_available,
    is_initialized,
)
from ._device import device

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


def _is_compiled() -> bool:
    """True when cupy imports (torch: built with CUDA)."""
    return cupy_or_none() is not None


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


def synchronize(device: Device = None) -> None:  # noqa: A002 - torch's name
    """Wait for all work on a CUDA device to finish."""
    cp = initialized_cupy()
    index = _index(device)
    check_index(index, "CUDA error: invalid device ordinal")
    cp.cuda.Device(index).synchronize()


def _used_bytes(index: int) -> int:
    cp = initialized_cupy()
    check_index(index, f"Invalid device argument {index}: did you call init?")
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
    return max(_cuda_runtime.peaks.get(index, 0), _used_bytes(index))


def reset_peak_memory_stats(device: Device = None) -> None:  # noqa: A002
    """Restart peak tracking from the current figure."""
    if not _is_compiled():
        _cuda_index(device)
        raise AttributeError("module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats'")
    index = _index(device)
    _cuda_runtime.peaks[index] = _used_bytes(index)


def reset_max_memory_allocated(device: Device = None) -> None:  # noqa: A002
    """Deprecated alias of ``reset_peak_memory_stats`` (FutureWarning, like torch)."""
    warnings.warn(
        "torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, "
        "which resets /all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    return reset_peak_memory_stats(device=device)
