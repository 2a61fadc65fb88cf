"""``torch.cpu``: the CPU twin of ``torch.cuda``'s device functions, for device-agnostic code.

There is one CPU device, always available and initialised; work on it is synchronous, so
``synchronize`` has nothing to wait for. torch's ``Stream``/``Event`` stand-ins and
``get_capabilities`` (a cpuinfo query) are not provided.
"""

from __future__ import annotations

from ._device import device

__all__ = [
    "is_available",
    "is_initialized",
    "device_count",
    "current_device",
    "set_device",
    "synchronize",
]


def is_available() -> bool:
    """Always True."""
    return True


def is_initialized() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    """Number of CPU devices (not cores): always 1."""
    return 1


def current_device() -> str:
    """Always ``'cpu'``."""
    return "cpu"


def set_device(device: device | str | int | None) -> None:  # noqa: A002 - torch's name
    """Does nothing: there is only one CPU device."""


def synchronize(device: device | str | int | None = None) -> None:  # noqa: A002
    """Does nothing: CPU work is done when the call returns (``device`` is ignored)."""
