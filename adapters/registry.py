"""Find adapters: built-in names, ``module:attr`` paths, and the entry-point group."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from adapters.base import Adapter, AdapterError

ENTRY_POINT_GROUP = "torchconform.adapters"
BUILTIN = {
    "torch": "adapters.torch_adapter:TorchAdapter",
    "reference": "adapters.reference_adapter:ReferenceAdapter",
}


def available() -> dict[str, str]:
    """Adapter names and where they come from (built-in and installed entry points)."""
    found = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def load_adapter(spec: str) -> Adapter:
    """An adapter from a name (``torch``), a ``module:attr`` path, or an entry point."""
    target = available().get(spec, spec)
    if ":" not in target:
        names = ", ".join(sorted(available()))
        raise AdapterError(f"unknown adapter {spec!r} (known: {names}; or give module:attr)")
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise AdapterError(f"cannot load adapter {spec!r} from {target}: {exc}") from None
    adapter = obj() if isinstance(obj, type) else obj
    if not isinstance(adapter, Adapter):
        raise AdapterError(f"{target} is not a torchconform Adapter (subclass adapters.Adapter)")
    return adapter
