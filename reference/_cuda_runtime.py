"""cupy, imported on first use, and CUDA's process state: availability, lazy
initialisation, the current device and the per-device peaks of ``memory_allocated``.

"Compiled with CUDA" means cupy imports. Without it, initialisation raises torch's CPU-build
``AssertionError``; with cupy but no usable GPU, torch's CUDA-build ``RuntimeError``.

cupy keeps no peak, so initialisation wraps cupy's allocator: after every allocation,
temporaries of an op included, the pool's used bytes are sampled into :data:`peaks`.

This is the data layer's view of CUDA (``_device`` asks it for the array module of a cuda
device); ``reference.cuda`` is the public ``torch.cuda`` on top of it.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

__all__ = [
    "cupy_or_none",
    "is_available",
    "device_count",
    "is_initialized",
    "init",
    "initialized_cupy",
    "track_peaks",
    "current_device",
    "check_index",
    "namespace",
    "peaks",
]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"
_NO_DRIVER = (
    "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and "
    "installed a driver from http://www.nvidia.com/Download/index.aspx"
)
_NO_DEVICE_STATUS = 100  # cudaErrorNoDevice
_lock = threading.Lock()
_state = {"initialized": False}
#: device index -> the highest ``memory_allocated`` seen since start or the last reset
peaks: dict[int, int] = {}
_cupy: list[ModuleType | None] = []


def cupy_or_none() -> ModuleType | None:
    """cupy when it imports (tried once), else None. The only import of cupy."""
    if not _cupy:
        try:
            import cupy  # optional dependency: imported on first use only
        except Exception:  # noqa: BLE001 - a broken cupy install means no CUDA, like torch
            cupy = None
        _cupy.append(cupy)
    return _cupy[0]


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
        track_peaks(cp)
        _state["initialized"] = True


def initialized_cupy() -> ModuleType:
    """cupy, after initialising CUDA."""
    init()
    return cupy_or_none()


def track_peaks(cp: ModuleType) -> None:
    """Wrap cupy's allocator: each allocation samples the pool's used bytes into the peak."""
    pool = cp.get_default_memory_pool()
    allocate = cp.cuda.get_allocator()

    def malloc(size: int) -> Any:
        mem = allocate(size)
        peaks[mem.device_id] = max(peaks.get(mem.device_id, 0), int(pool.used_bytes()))
        return mem

    cp.cuda.set_allocator(malloc)


def current_device() -> int:
    """Index of the current CUDA device."""
    return int(initialized_cupy().cuda.runtime.getDevice())


def check_index(index: int, what: str) -> None:
    """torch's RuntimeError ``what`` unless ``index`` names a visible GPU."""
    if not 0 <= index < device_count():
        raise RuntimeError(what)


def namespace(dev: Any) -> ModuleType:
    """cupy for a tensor on the cuda device ``dev`` (the array-module hook of ``_device``)."""
    cp = initialized_cupy()
    index = current_device() if dev.index is None else dev.index
    check_index(index, "CUDA error: invalid device ordinal")
    if index != current_device():
        raise NotImplementedError(
            f"reference: cuda tensors live on the current device (cuda:{current_device()}), "
            f"not {dev}"
        )
    return cp
