"""What the generators reach: for each entry, the kinds of value each argument is drawn as,
and the dtype combinations of its tensor arguments, at a profile's number of examples.

It draws exactly as a run does (same strategies, same seed, no library involved), so a kind
missing here is a kind no case of that profile tries: ``torchconform list --reach``.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from typing import Any

import numpy as np
from hypothesis import strategies as st

from conformance.compare import dtype_name
from conformance.drawing import Settings, Trace, draw, explore_examples
from conformance.generators import Raw, Strided
from spec.dtypes import expand as dtypes_of
from spec.loader import Entry


def kinds_of(value: Any) -> list[str]:
    """The kinds a drawn value counts as: its type, and for tensors its dtype, rank class
    (0-dim, empty) and memory layout."""
    if isinstance(value, (Strided, np.ndarray)):
        array = value.array if isinstance(value, Strided) else value
        found = [f"tensor[{dtype_name(array.dtype)}]"]
        found += ["0-dim"] if array.ndim == 0 else ["empty"] if array.size == 0 else []
        return found + ([value.layout] if isinstance(value, Strided) else [])
    if isinstance(value, Raw):
        return [f"ndarray[{dtype_name(value.array.dtype)}]"]
    if isinstance(value, (list, tuple)):
        name = type(value).__name__
        if not value:
            return [f"empty {name}"]
        if all(isinstance(v, (int, float, str, type(None))) for v in value):
            return [f"{name} of {', '.join(sorted({_scalar_kind(v) for v in value}))}"]
        return [name]
    return [_scalar_kind(value)]


#: Where ints change kind: C's int32 and int64 ranges, which a library may overflow.
_INT_EDGES = ((2**63, "2**63"), (2**31, "2**31"))


def _scalar_kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, np.generic):
        return f"numpy {dtype_name(value.dtype)}"
    if isinstance(value, int):
        return _int_kind(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "non-finite float"
        return "integral float" if value.is_integer() else "float"
    if isinstance(value, str):
        return f"str {value!r}" if len(value) <= 16 else "str"
    return type(value).__name__


def _int_kind(value: int) -> str:
    """``int 0``, ``int``, ``negative int``, or past int32 or int64 (either sign)."""
    if value == 0:
        return "int 0"
    for edge, name in _INT_EDGES:
        if abs(value) >= edge:
            return f"int >= {name}" if value > 0 else f"int <= -{name}"
    return "negative int" if value < 0 else "int"


def reach(entry: Entry, settings: Settings) -> dict[str, Any]:
    """Per argument, how often each kind was drawn; per dtype combination of the tensor
    arguments, how often; and the number of examples drawn. A property's ``given`` values
    count as arguments ``<property>.<name>``."""
    item = entry.item
    inputs = {**(getattr(item, "init", None) or {}), **(getattr(item, "inputs", None) or {})}
    arguments: dict[str, Counter[str]] = {name: Counter() for name in inputs}
    combos: Counter[str] = Counter()
    drawn = 0

    def body(data: st.DataObject, dtype: str | None) -> None:
        nonlocal drawn
        values = draw(data, inputs, dtype, Trace(dtype=dtype))
        drawn += 1
        for name, value in values.items():
            arguments[name].update(kinds_of(value))
        tensors = [k for v in values.values() for k in kinds_of(v) if k.startswith("tensor[")]
        combos[" x ".join(t[7:-1] for t in tensors) or "no tensor"] += 1

    once = Settings(settings.max_examples, settings.seed, shrink=False)
    for dtype in item.dtype_list or (None,) if inputs else ():
        explore_examples(once, functools.partial(body, dtype=dtype))
    for prop in getattr(item, "properties", []):
        if prop.given:
            _reach_given(prop, item.dtype_list, once, arguments)
    return {
        "examples": drawn,
        "arguments": {name: dict(kinds.most_common()) for name, kinds in arguments.items()},
        "dtype_combinations": dict(combos.most_common()),
    }


def _reach_given(
    prop: Any, item_dtypes: tuple[str, ...], once: Settings, found: dict[str, Counter[str]]
) -> None:
    """The kinds a property's ``given`` draws, in each dtype its cases run in."""
    dtypes = dtypes_of(prop.dtypes) if prop.dtypes is not None else item_dtypes or (None,)

    def body(data: st.DataObject, dtype: str | None) -> None:
        for name, value in draw(data, prop.given, dtype, Trace(dtype=dtype)).items():
            found.setdefault(f"{prop.name}.{name}", Counter()).update(kinds_of(value))

    for dtype in dtypes:
        explore_examples(once, functools.partial(body, dtype=dtype))


def describe(name: str, found: dict[str, Any]) -> list[str]:
    """Text lines for one entry: its arguments' kinds, then its dtype combinations."""
    if not found["arguments"]:
        return [f"{name}: no drawn arguments"]
    lines = [f"{name} ({found['examples']} examples)" if found["examples"] else name]
    for argument, kinds in found["arguments"].items():
        lines.append(f"  {argument}: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    if combos := found["dtype_combinations"]:
        lines.append(f"  dtypes ({len(combos)}): " + ", ".join(combos))
    return lines
