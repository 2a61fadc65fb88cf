"""Adapters: one per library under test, mapping the spec's names onto the library."""

from adapters.base import Adapter, AdapterError, MissingItem
from adapters.registry import available, load_adapter

__all__ = ["Adapter", "AdapterError", "MissingItem", "available", "load_adapter"]
