"""Adapter lookup: built-in names, module:attr, the entry-point group, and bad names."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import adapters.registry as registry
from adapters import AdapterError, MissingItem, load_adapter
from adapters.reference_adapter import ReferenceAdapter


def test_builtin_and_module_attr() -> None:
    assert load_adapter("reference").name == "reference"
    assert isinstance(load_adapter("adapters.reference_adapter:ReferenceAdapter"), ReferenceAdapter)


def test_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(
        "mylib", "adapters.reference_adapter:ReferenceAdapter", registry.ENTRY_POINT_GROUP
    )

    def fake(group: str) -> list[EntryPoint]:
        return [point] if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry, "entry_points", fake)
    assert "mylib" in registry.available()
    assert isinstance(load_adapter("mylib"), ReferenceAdapter)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nosuch", "unknown adapter"),
        ("nosuch.module:Thing", "cannot load adapter"),
        ("adapters.reference_adapter:Nothing", "cannot load adapter"),
        ("builtins:dict", "is not a torchconform Adapter"),
    ],
)
def test_bad_adapters(name: str, message: str) -> None:
    with pytest.raises(AdapterError, match=message):
        load_adapter(name)


def test_missing_items_are_reported_not_faked() -> None:
    with pytest.raises(MissingItem, match="reference has no torch.nosuch"):
        load_adapter("reference").resolve("torch.nosuch.thing")


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "bfloat16", "complex128"])
def test_dtype_names_round_trip(dtype: str) -> None:
    adapter = load_adapter("reference")
    assert adapter.dtype_name(adapter.dtype(dtype)) == dtype
