"""Type-promotion sweeps: one call per combination of operand dtypes, result dtypes checked."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance.compare import CheckFailed, dtype_name, numpy_dtype
from conformance.namespaces import library_env, numpy_env
from spec import promotion
from spec.schema import Sweep

#: The Python scalar that stands for each dtype category.
SCALARS = {"bool": True, "integral": 2, "floating": 2.5, "complex": 1 + 1j}


def _choices(kind: str, dtypes: tuple[str, ...]) -> list[Any]:
    """The operand values a sweep tries for one operand of ``kind``."""
    if kind == "tensor":
        return [np.ones(2, dtype=numpy_dtype(d)) for d in dtypes]
    if kind == "zero_dim":
        return [np.ones((), dtype=numpy_dtype(d)) for d in dtypes]
    if kind == "scalar":
        categories = dict.fromkeys(promotion.category(d) for d in dtypes)
        return [SCALARS[c] for c in categories]
    return list(dtypes)


def _describe(values: dict[str, Any], kinds: dict[str, str]) -> str:
    parts = []
    for name, value in values.items():
        if kinds[name] == "tensor":
            parts.append(f"{name}={dtype_name(value.dtype)} tensor")
        elif kinds[name] == "zero_dim":
            parts.append(f"{name}={dtype_name(value.dtype)} 0-dim")
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)


def _library_value(value: Any, kind: str, adapter: Adapter) -> Any:
    if kind in ("tensor", "zero_dim"):
        return adapter.from_numpy(value)
    return adapter.dtype(value) if kind == "dtype" else value


def _result_dtype(result: Any, adapter: Adapter) -> str:
    first = result[0] if isinstance(result, (tuple, list)) and result else result
    if not adapter.is_tensor(first):
        raise TypeError(f"returned a {type(first).__name__}, not a tensor")
    return dtype_name(adapter.to_numpy(first).dtype)


def run_sweep(sweep: Sweep, dtypes: tuple[str, ...], adapter: Adapter) -> int:
    """Call ``sweep.call`` for every operand combination; raise CheckFailed listing mismatches."""
    names, kinds = list(sweep.operands), sweep.operands
    combos = list(itertools.product(*(_choices(kinds[n], dtypes) for n in names)))
    bad = []
    for combo in combos:
        values = dict(zip(names, combo, strict=True))
        want = dtype_name(sweep.expect.evaluate(numpy_env(values, None)))
        lib = {n: _library_value(v, kinds[n], adapter) for n, v in values.items()}
        try:
            got = _result_dtype(sweep.call.evaluate(library_env(adapter, lib, None)), adapter)
        except Exception as exc:  # noqa: BLE001 - the library under test may raise anything
            got = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if got != want:
            bad.append(f"{_describe(values, kinds)} -> {got}, expected {want}")
    if bad:
        shown = "; ".join(bad[:6]) + ("; ..." if len(bad) > 6 else "")
        raise CheckFailed(
            f"{sweep.call.source}: {len(bad)} of {len(combos)} dtype combinations differ: {shown}"
        )
    return len(combos)
