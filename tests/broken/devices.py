"""Broken adapters for devices: torch.cpu and torch.cuda's availability and memory figures."""

from __future__ import annotations

import contextlib
from typing import Any

from tests.broken.base import Patched


class CudaAvailableWithoutGpu(Patched):
    """is_available() asks whether a cuda device object can be built, which needs no GPU."""

    patches = {"torch.cuda.is_available": "is_available"}

    def is_available(self) -> bool:
        try:
            self.ref.device("cuda")
        except RuntimeError:
            return False
        return True


class InitSwallowsErrors(Patched):
    """init() catches the initialisation error, so callers believe CUDA is ready."""

    patches = {"torch.cuda.init": "init"}

    def init(self) -> None:
        with contextlib.suppress(AssertionError, RuntimeError):
            self.ref.cuda.init()


class MemoryAllocatedInMiB(Patched):
    """memory_allocated() reports MiB as a float instead of bytes as an int."""

    patches = {"torch.cuda.memory_allocated": "memory_allocated"}

    def memory_allocated(self, device: Any = None) -> float:
        return self.ref.cuda.memory_allocated(device) / 2**20


class ResetPeakDropsDevice(Patched):
    """reset_peak_memory_stats(device) ignores its argument (always the current device)."""

    patches = {"torch.cuda.reset_peak_memory_stats": "reset_peak_memory_stats"}

    def reset_peak_memory_stats(self, device: Any = None) -> None:
        return self.ref.cuda.reset_peak_memory_stats()


class CpuCurrentDeviceObject(Patched):
    """torch.cpu.current_device() returns a torch.device instead of the string 'cpu'."""

    patches = {"torch.cpu.current_device": "current_device"}

    def current_device(self) -> Any:
        return self.ref.device("cpu")


def _caught() -> dict[str, tuple[list[str], str]]:
    """Each bug with the items that catch it; two only show where there is no GPU / no CUDA."""
    from reference import cuda

    table = {
        "MemoryAllocatedInMiB": (["torch.cuda.memory_allocated"], "torch.cuda.memory_allocated"),
        "ResetPeakDropsDevice": (
            ["torch.cuda.reset_peak_memory_stats"],
            "torch.cuda.reset_peak_memory_stats",
        ),
        "CpuCurrentDeviceObject": (["torch.cpu"], "torch.cpu"),
    }
    if not cuda.is_available():
        table["CudaAvailableWithoutGpu"] = (["torch.cuda.is_available"], "torch.cuda.is_available")
    if not cuda._is_compiled():
        table["InitSwallowsErrors"] = (["torch.cuda.init"], "torch.cuda.init")
    return table


CAUGHT = _caught()
