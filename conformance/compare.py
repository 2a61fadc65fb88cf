"""Compare results after conversion to numpy: shape, then dtype (exactly), then values."""

from __future__ import annotations

import functools
from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import Adapter

#: Default (rtol, atol) per dtype, as ``torch.testing.assert_close`` uses them.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}

NUMPY_DTYPES: dict[str, np.dtype] = {
    "bool": np.dtype(np.bool_),
    "uint8": np.dtype(np.uint8),
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16),
    "int32": np.dtype(np.int32),
    "int64": np.dtype(np.int64),
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
    "complex64": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128),
}
_NAMES = {dt: name for name, dt in NUMPY_DTYPES.items()}


class CheckFailed(AssertionError):
    """A conformance check found a disagreement; the message says what and where."""


class CheckSkipped(Exception):
    """A check that cannot run in this setting (its oracle lacks a feature); reported skipped."""


def dtype_name(dtype: Any) -> str:
    """Spec name of a numpy dtype (``float32``); strings pass through."""
    if isinstance(dtype, str):
        return dtype
    try:
        return _NAMES[np.dtype(dtype)]
    except (KeyError, TypeError):
        return str(dtype)


def library_dtype_name(adapter: Adapter, dtype: Any) -> str:
    """Spec name of a library dtype object: the name :meth:`Adapter.dtype` maps to it, else
    the adapter's own :meth:`Adapter.dtype_name`."""
    for name, known in _dtype_table(adapter):
        if known == dtype:
            return name
    return adapter.dtype_name(dtype)


@functools.lru_cache(maxsize=16)
def _dtype_table(adapter: Adapter) -> tuple[tuple[str, Any], ...]:
    """(spec name, library dtype) for every dtype the adapter maps, looked up once."""
    table = []
    for name in NUMPY_DTYPES:
        try:
            table.append((name, adapter.dtype(name)))
        except Exception:  # noqa: BLE001 - a dtype the library lacks is not in the table
            continue
    return tuple(table)


def numpy_dtype(name: str) -> np.dtype:
    """numpy dtype of a spec dtype name."""
    return NUMPY_DTYPES[name]


def assert_same_shape(actual: np.ndarray, expected_shape: Any, what: str = "result") -> None:
    """Shapes must be equal exactly."""
    if tuple(actual.shape) != tuple(expected_shape):
        raise CheckFailed(
            f"{what}: shape {tuple(actual.shape)} != expected {tuple(expected_shape)}"
        )


def assert_same_dtype(actual: np.ndarray, expected: str, what: str = "result") -> None:
    """Dtypes must be equal exactly."""
    got = dtype_name(actual.dtype)
    if got != expected:
        raise CheckFailed(f"{what}: dtype {got} != expected {expected}")


def assert_values(
    actual: np.ndarray,
    expected: np.ndarray,
    tolerance: tuple[float, float] | None = None,
    what: str = "result",
    equal_nan: bool = True,
    work: Any = None,
) -> None:
    """Values equal (integers, bool) or close (floating, complex); infinities exactly.

    ``work`` (terms x magnitude per element, see :class:`spec.schema.Accuracy`) widens the
    tolerance of floating results by ``work * eps(dtype)``: the rounding error that
    accumulating that many terms of that size may carry.
    """
    name = dtype_name(actual.dtype)
    rtol, atol = tolerance or TOLERANCES.get(name, (0.0, 0.0))
    a, e = _widen(actual), _widen(np.asarray(expected))
    if a.shape != e.shape:
        raise CheckFailed(f"{what}: shape {a.shape} != expected {e.shape}")
    if a.dtype.kind in "fc" or e.dtype.kind in "fc":
        ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
        if work is not None and a.dtype.kind in "fc":  # bfloat16 (kind "V") widened too
            bound = atol + rtol * np.abs(e) + np.abs(work) * eps(actual.dtype)
            with np.errstate(invalid="ignore", over="ignore"):
                ok |= np.abs(a.astype(np.complex128) - e) <= bound
        ok &= ~(np.isinf(a) | np.isinf(e)) | (a == e)
    else:
        ok = a == e
    if not np.all(ok):
        raise CheckFailed(_mismatch(what, a, e, ok, rtol, atol))


def eps(dtype: Any) -> float:
    """Machine epsilon of a floating or complex dtype (bfloat16 included)."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        dt = np.dtype(np.float32 if dt.itemsize == 8 else np.float64)
    return float(ml_dtypes.finfo(dt).eps)


def assert_equal(actual: np.ndarray, expected: np.ndarray, what: str = "result") -> None:
    """Shape, dtype and values all equal exactly (NaN equals NaN)."""
    assert_same_shape(actual, expected.shape, what)
    assert_same_dtype(actual, dtype_name(expected.dtype), what)
    assert_values(actual, expected, (0.0, 0.0), what)


def assert_special(actual: np.ndarray, expect: float, what: str) -> None:
    """One special-value result: NaN for NaN, the same infinity, the same signed zero, or close."""
    value = complex(_widen(np.asarray(actual)).reshape(-1)[0]) if actual.size == 1 else None
    if value is None:
        raise CheckFailed(f"{what}: expected one value, got shape {actual.shape}")
    got = value.real if actual.dtype.kind != "c" else value
    want = float(expect)
    if np.isnan(want):
        ok = bool(np.isnan(got))
    elif np.isinf(want) or want == 0:
        ok = got == want and (want != 0 or np.signbit(np.real(got)) == np.signbit(want))
    else:
        rtol, atol = TOLERANCES.get(dtype_name(actual.dtype), (0.0, 0.0))
        ok = bool(np.isclose(got, want, rtol=rtol, atol=atol))
    if not ok:
        raise CheckFailed(f"{what}: got {got!r}, expected {want!r}")


def _widen(array: np.ndarray) -> np.ndarray:
    """float16/bfloat16 to float32 so numpy can compare them."""
    if array.dtype in (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16)):
        return array.astype(np.float32)
    return array


def _mismatch(
    what: str, a: np.ndarray, e: np.ndarray, ok: np.ndarray, rtol: float, atol: float
) -> str:
    bad = np.argwhere(~np.asarray(ok))
    first = tuple(int(i) for i in bad[0]) if bad.size else ()
    got = a[first] if a.ndim else a[()]
    want = e[first] if e.ndim else e[()]
    tol = f" (rtol={rtol:g}, atol={atol:g})" if rtol or atol else ""
    return (
        f"{what}: {len(bad)} of {max(a.size, 1)} values differ{tol}; "
        f"first at index {list(first)}: got {got!r}, expected {want!r}"
    )
