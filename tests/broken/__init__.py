"""Deliberately broken adapters: realistic bugs the suite must catch (tests/test_sensitivity.py).

Each module holds the broken adapters of one area and a ``CAUGHT`` table: adapter class ->
(the items to run, the item one of whose checks must fail).
"""

from __future__ import annotations

import importlib
import pkgutil


def caught() -> dict[str, tuple[list[str], str]]:
    """Every module's CAUGHT table, keyed by ``tests.broken.<module>:<class>``."""
    table: dict[str, tuple[list[str], str]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls, entry in getattr(module, "CAUGHT", {}).items():
            table[f"{module.__name__}:{cls}"] = entry
    return table


def uncovered() -> list[str]:
    """The built-in spec's items that no planted bug has for culprit."""
    from spec.loader import load_spec

    covered = {item for _, item in caught().values()}
    return [e.item.name for e in load_spec().entries if e.item.name not in covered]
