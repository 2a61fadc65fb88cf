"""``map_location``: where a loaded storage goes, as torch decides it on a machine without
accelerators (only ``cpu`` restores; other devices raise torch's errors)."""

from __future__ import annotations

import re
from typing import Any

from .._device import device
from .storages import Storage


def _on_backend(location: str, backend: str) -> bool:
    return location == backend or re.match(f"{backend}(:|[0-9]+)", location) is not None


def default_restore(storage: Storage, location: str) -> Storage:
    """torch's ``default_restore_location`` on a machine without accelerators."""
    if location == "cpu":
        return storage
    for backend in ("cuda", "xpu"):
        if _on_backend(location, backend):
            raise RuntimeError(
                f"Attempting to deserialize object on a {backend.upper()} device but "
                f"torch.{backend}.is_available() is False. If you are running on a CPU-only "
                "machine, please use torch.load with map_location=torch.device('cpu') to map "
                "your storages to the CPU."
            )
    for backend in ("privateuseone", "hpu"):
        if _on_backend(location, backend):
            raise RuntimeError(
                f"The {backend.upper()} device module is not registered. If you are running on "
                "a CPU-only machine, please use torch.load with map_location=torch.device('cpu') "
                "to map your storages to the CPU."
            )
    raise RuntimeError(
        "don't know how to restore data location of torch.storage.UntypedStorage "
        f"(tagged with {location})"
    )


def restore_location(map_location: Any):
    """The ``(storage, location) -> storage`` function ``map_location`` stands for."""
    if map_location is None:
        return default_restore
    if isinstance(map_location, dict):
        return lambda s, loc: default_restore(s, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes, device)):
        target = map_location.decode() if isinstance(map_location, bytes) else str(map_location)
        return lambda s, loc: default_restore(s, target)

    def restore(storage: Storage, location: str) -> Storage:
        result = map_location(storage, location)
        result = default_restore(storage, location) if result is None else result
        if not isinstance(result, Storage):
            raise TypeError(f"map_location must return a storage or None, not {type(result)}")
        return result

    return restore
