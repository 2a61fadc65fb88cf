"""Copy-paste reproducers: the failing inputs as Python literals and the call that failed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance.compare import dtype_name
from conformance.generators import Raw

_MAX_ELEMENTS = 4096


def _number(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (complex, np.complexfloating)):
        return f"complex({_number(value.real)}, {_number(value.imag)})"
    value = float(value)
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)


def _nested(array: np.ndarray) -> str:
    if array.ndim == 0:
        return _number(array[()])
    return "[" + ", ".join(_nested(sub) for sub in array) + "]"


def _array_literal(array: np.ndarray, prefix: str) -> str:
    name = dtype_name(array.dtype)
    if array.size > _MAX_ELEMENTS:
        return f"{prefix}.zeros({tuple(array.shape)}, dtype={prefix}.{name})  # too large to print"
    wide = array.astype(np.float32) if name == "bfloat16" else array
    data = _nested(wide) if array.size else "[]"
    if array.size == 0:
        return f"{prefix}.empty({tuple(array.shape)}, dtype={prefix}.{name})"
    if prefix == "np" and name == "bfloat16":
        return f"np.array({data}, dtype=np.float32)  # bfloat16 values"
    return (
        f"{prefix}.tensor({data}, dtype={prefix}.{name})"
        if prefix == "torch"
        else (f"np.array({data}, dtype=np.{name})")
    )


def literal(value: Any) -> str:
    """Python source that rebuilds ``value`` as the library would receive it."""
    if isinstance(value, Raw):
        return _array_literal(value.array, "np")
    if isinstance(value, np.ndarray):
        return _array_literal(value, "torch")
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return _number(value)
    return repr(value)


def describe(values: dict[str, Any]) -> str:
    """The counterexample: one ``name = literal`` line per input."""
    return "\n".join(f"{name} = {literal(value)}" for name, value in values.items())


def script(adapter: Adapter, values: dict[str, Any], call: str | None) -> str:
    """A script that rebuilds the inputs and repeats the call on the adapter's library."""
    lines = ["import numpy as np", adapter.import_line]
    body = describe(values)
    if body:
        lines.append(body)
    if call:
        lines.append(f"print({call})")
    return "\n".join(lines)
