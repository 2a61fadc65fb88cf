"""Copy-paste reproducers: the failing inputs as Python literals and the call that failed."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance import layouts
from conformance.checks import CHECK_NAMES
from conformance.compare import dtype_name
from conformance.generators import Raw, Strided
from spec.schema import Step

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
    if isinstance(value, Strided):
        return _array_literal(layouts.storage(value), "torch") + layouts.view_suffix(value)
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


def script(
    adapter: Adapter,
    values: dict[str, Any],
    call: str | None,
    steps: list[Step] | None = None,
    dtype: str | None = None,
) -> str:
    """A script that rebuilds the inputs and repeats the call (or the steps) on the library."""
    body = [describe(values)] if values else []
    if call:
        body.append(f"print({call})")
    body += render_steps(steps or [])
    text = "\n".join(body)
    lines = ["import numpy as np", *_import_library(adapter)]
    lines += _preamble(adapter, text, dtype)
    return "\n".join(lines + body)


def _adapter_path(adapter: Adapter) -> str:
    return f"{type(adapter).__module__}:{type(adapter).__qualname__}"


def _import_library(adapter: Adapter) -> list[str]:
    """``import torch``, or the library seen through its adapter when it has no import line."""
    if adapter.import_line:
        return [adapter.import_line]
    return [
        "from adapters import load_adapter",
        "from conformance.namespaces import LibraryNamespace",
        f"torch = LibraryNamespace(load_adapter({_adapter_path(adapter)!r}))",
    ]


def _preamble(adapter: Adapter, text: str, dtype: str | None) -> list[str]:
    """Imports and names the body uses: pytest, threading, the checks, dtype, out."""
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    lines = [f"import {m}" for m in ("pytest", "threading") if f"{m}." in text]
    if words & CHECK_NAMES:
        target = f"{type(adapter).__module__}:{type(adapter).__qualname__}"
        lines += [
            "from conformance.checks import for_adapter",
            f"globals().update(for_adapter({target!r}))  # same(), write(), all_equal()...",
        ]
    if dtype and "dtype" in words:
        lines.append(f"dtype = torch.{dtype}")
    if "out=out" in text:
        lines.append(f"out = torch.empty(0, dtype=torch.{dtype or 'float32'})")
    return lines


def render_steps(steps: list[Step], indent: str = "") -> list[str]:
    """Scenario or property steps as plain Python."""
    out: list[str] = []
    for step in steps:
        out += [indent + line for line in _render(step)]
    return out


def _render(step: Step) -> list[str]:
    action = step.action
    if action == "let":
        return [f"{name} = {expr.source}" for name, expr in (step.let or {}).items()]
    if action == "check":
        note = f", {step.message!r}" if step.message else ""
        return [f"assert {step.check.source}{note}"]  # type: ignore[union-attr]
    if action == "do":
        return [step.do.source]  # type: ignore[union-attr]
    if action in ("raises", "warns"):
        kind, cls = ("raises", step.error) if action == "raises" else ("warns", step.warning)
        expr = step.raises if action == "raises" else step.warns
        match = f", match={step.match!r}" if step.match else ""
        return [f"with pytest.{kind}({cls}{match}):", f"    {expr.source}"]  # type: ignore[union-attr]
    if action == "with":
        target = f" as {step.as_}" if step.as_ else ""
        return [
            f"with {step.with_.source}{target}:",  # type: ignore[union-attr]
            *render_steps(step.steps or [], "    "),
        ]
    return [
        "def in_thread():",
        *render_steps(step.thread or [], "    "),
        "worker = threading.Thread(target=in_thread)",
        "worker.start()",
        "worker.join()",
    ]
