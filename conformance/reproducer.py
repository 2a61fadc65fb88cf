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
        return f"np.array({data}, dtype=np.float32).astype(ml_dtypes.bfloat16)"
    return (
        f"{prefix}.tensor({data}, dtype={prefix}.{name})"
        if prefix == "torch"
        else (f"np.array({data}, dtype=np.{name})")
    )


def _tensor(array: np.ndarray, adapter: Adapter | None) -> str:
    """A library tensor holding ``array``: ``torch.tensor(...)``, or built as the run built
    it, by ``adapter.from_numpy``."""
    if adapter is None:
        return _array_literal(array, "torch")
    return f"adapter.from_numpy({_array_literal(array, 'np')})"


def literal(value: Any, adapter: Adapter | None = None) -> str:
    """Python source that rebuilds ``value`` as the library would receive it: with
    ``torch.tensor`` when ``adapter`` is None, else through the adapter, as the run did."""
    if hasattr(value, "reproduce"):  # gradient leaves and other wrapped inputs
        return value.reproduce(adapter)
    if isinstance(value, Raw):
        return _array_literal(value.array, "np")
    if isinstance(value, Strided):
        if adapter is None:
            return _array_literal(layouts.storage(value), "torch") + layouts.view_suffix(value)
        if "strided_views" not in adapter.capabilities:
            return _tensor(value.array, adapter)
        base = _tensor(layouts.storage(value), adapter)
        return f"adapter.view({base}, {value.layout!r}, {tuple(value.array.shape)})"
    if isinstance(value, np.ndarray):
        return _tensor(value, adapter)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, adapter) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v, adapter) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return _number(value)
    return repr(value)


def describe(values: dict[str, Any], adapter: Adapter | None = None) -> str:
    """The counterexample: one ``name = literal`` line per input (see :func:`literal`)."""
    return "\n".join(f"{name} = {literal(value, adapter)}" for name, value in values.items())


def script(
    adapter: Adapter,
    values: dict[str, Any],
    call: str | None,
    steps: list[Step] | None = None,
    dtype: str | None = None,
) -> str:
    """A script that rebuilds the inputs as the run built them and repeats the call (or the
    steps) on the library."""
    builder = None if adapter.tensor_literals else adapter
    body = [describe(values, builder)] if values else []
    if call:
        body.append(f"print({call})")
    body += render_steps(steps or [])
    text = "\n".join(body)
    lines = ["import numpy as np", *(["import ml_dtypes"] if "ml_dtypes." in text else [])]
    if builder is not None or not adapter.import_line:
        lines += [
            "from adapters import load_adapter",
            f"adapter = load_adapter({_adapter_path(adapter)!r})",
        ]
    lines += _import_library(adapter)
    lines += _preamble(adapter, text, dtype)
    return "\n".join(lines + body)


def _adapter_path(adapter: Adapter) -> str:
    return f"{type(adapter).__module__}:{type(adapter).__qualname__}"


def _import_library(adapter: Adapter) -> list[str]:
    """``import torch``, or the library seen through its adapter when it has no import line."""
    if adapter.import_line:
        return [adapter.import_line]
    return [
        "from conformance.namespaces import LibraryNamespace",
        "torch = LibraryNamespace(adapter)",
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
