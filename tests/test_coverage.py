"""The spec covers every named inventory item of the sections it claims, each with checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters.base import CAPABILITIES as ADAPTER_CAPABILITIES
from spec.loader import load_spec
from spec.schema import CAPABILITIES

INVENTORY = Path(__file__).resolve().parents[1] / "spec" / "inventory.yaml"
COVERED_SECTIONS = (
    "2.1.1",
    "2.1.2",
    "2.2",
    "2.3",
    "2.4",
    "2.5.1",
    "2.5.2",
    "2.5.3",
    "2.5.5",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "10.2",
)


def _inventory() -> dict[str, list[str]]:
    data = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    return {s["id"]: s["items"] for s in data["sections"]}


@pytest.mark.parametrize("section", COVERED_SECTIONS)
def test_every_named_item_is_specified(section: str) -> None:
    entries = {e.item.name: e for e in load_spec().entries}
    missing = [name for name in _inventory()[section] if name not in entries]
    assert not missing
    for name in _inventory()[section]:
        assert entries[name].section == section, name
        assert entries[name].item.checks, f"{name} has no checks"


def test_every_entry_is_in_the_inventory() -> None:
    known = {name for items in _inventory().values() for name in items}
    extra = [e.item.name for e in load_spec().entries if e.item.name not in known]
    assert not extra


def test_capability_vocabularies_agree() -> None:
    assert set(CAPABILITIES) == set(ADAPTER_CAPABILITIES)
