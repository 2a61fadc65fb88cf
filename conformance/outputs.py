"""Matching a library's result (a tensor or nested sequences of them) with expectations."""

from __future__ import annotations

from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance.compare import (
    CheckFailed,
    assert_same_dtype,
    assert_same_shape,
    assert_values,
    dtype_name,
)


def tolerances_of(item: Any) -> dict[str, tuple[float, float]]:
    """An entry's per-dtype ``(rtol, atol)`` overrides."""
    return {k: (t.rtol, t.atol) for k, t in item.tolerance.items()}


def compare(
    result: Any,
    expected: Any,
    want_dtype: str | None,
    adapter: Adapter,
    tolerances: dict[str, tuple[float, float]],
    what: str,
    work: Any = None,
) -> None:
    """Shape, dtype (``want_dtype``, else the expectation's) and values of every tensor."""

    def one(actual: np.ndarray, exp: Any, where: str) -> None:
        exp = np.asarray(exp)
        assert_same_shape(actual, exp.shape, where)
        assert_same_dtype(actual, want_dtype or dtype_name(exp.dtype), where)
        assert_values(actual, exp, tolerances.get(dtype_name(actual.dtype)), where, work=work)

    walk(result, expected, one, adapter, what)


def walk(result: Any, expected: Any, check: Any, adapter: Adapter, what: str) -> None:
    """Apply ``check`` to each (tensor, expectation) pair of possibly nested sequences."""
    if isinstance(expected, (list, tuple)) and not is_shape(expected):
        if not isinstance(result, (list, tuple)):
            raise CheckFailed(
                f"{what}: expected a sequence of {len(expected)}, got {type(result).__name__}"
            )
        if len(result) != len(expected):
            raise CheckFailed(f"{what}: {len(result)} parts != expected {len(expected)}")
        for i, (r, e) in enumerate(zip(result, expected, strict=True)):
            walk(r, e, check, adapter, f"{what}[{i}]")
        return
    if not adapter.is_tensor(result):
        raise CheckFailed(f"{what}: expected a tensor, got {type(result).__name__}")
    check(adapter.to_numpy(result), expected, what)


def is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value)


def expected_dtype(item: Any, env: dict[str, Any]) -> str | None:
    """The dtype name the entry's ``result.dtype`` gives, if it gives one."""
    contract = item.result
    if contract is None or contract.dtype is None:
        return None
    return dtype_name(np.dtype(contract.dtype.evaluate(env)))


def check_contract(
    result: Any, item: Any, env: dict[str, Any], want_dtype: str | None, adapter: Adapter
) -> None:
    """Every tensor of ``result`` has the entry's ``result.shape`` and the wanted dtype."""
    contract = item.result
    shape = contract.shape.evaluate(env) if contract and contract.shape else None

    def one(actual: np.ndarray, expected_shape: Any, where: str) -> None:
        if expected_shape is not None:
            assert_same_shape(actual, expected_shape, where)
        if want_dtype:
            assert_same_dtype(actual, want_dtype, where)

    walk(result, shape, one, adapter, "result")


def accumulated_work(item: Any, env: dict[str, Any]) -> Any:
    """terms x magnitude per output element, when the entry declares its ``accuracy``."""
    if item.accuracy is None:
        return None
    terms = np.asarray(item.accuracy.terms.evaluate(env), dtype=np.float64)
    magnitude = np.asarray(item.accuracy.magnitude.evaluate(env))
    return np.maximum(terms, 1) * np.abs(magnitude.astype(np.complex128))
