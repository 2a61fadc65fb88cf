"""Floating results compared within a few units in the last place (ulp).

torch picks a CPU kernel at start-up (default, AVX2, AVX-512, ...), and the kernels may round
a transcendental function or a fused multiply-add differently; results of torch's float
kernels are therefore compared within a few ulp, never bit for bit.
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

#: ulp allowed by default: an ulp or two from each side's kernel, with room to spare
ULPS = 4


def finfo(dtype: Any) -> Any | None:
    """``ml_dtypes.finfo`` of a floating or complex dtype (of its parts); None otherwise."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        dt = np.dtype(np.float32 if dt.itemsize == 8 else np.float64)
    try:
        return ml_dtypes.finfo(dt)
    except ValueError:
        return None


def assert_close_ulp(
    actual: Any,
    expected: Any,
    ulps: float = ULPS,
    *,
    dtype: Any = None,
    scale: Any = 0.0,
    err_msg: str = "",
) -> None:
    """``|actual - expected| <= ulps`` ulp of ``dtype``, element by element.

    The ulp is taken at ``max(|actual|, |expected|, scale)``: pass ``scale`` where a result
    comes out of cancellation (``start + i * step``), whose error follows its operands (an
    array of scales, one per element, for sums of terms).
    ``dtype`` defaults to ``expected``'s; name it when the values were widened (bfloat16 as
    float32). NaN must meet NaN and infinities must be equal; integer and bool values are
    compared exactly.
    """
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape, f"{err_msg}: shape {a.shape} != expected {e.shape}"
    info = finfo(e.dtype if dtype is None else dtype)
    if info is None:
        np.testing.assert_array_equal(a, e, err_msg=err_msg)
        return
    a, e = a.astype(np.complex128), e.astype(np.complex128)
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.maximum(
            np.maximum(abs(a), abs(e)),
            np.maximum(abs(np.asarray(scale, np.float64)), float(info.smallest_normal)),
        )
        bound = ulps * float(info.eps) * size
        ok = (abs(a.real - e.real) <= bound) & (abs(a.imag - e.imag) <= bound)
    ok |= a == e  # infinities
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    ok = np.where(nan_a | nan_e, nan_a == nan_e, ok)
    if not ok.all():
        bad = [tuple(i) for i in np.argwhere(~ok)]
        shown = ", ".join(f"{i}: {_real(a[i])} != {_real(e[i])}" for i in bad[:5])
        raise AssertionError(
            f"{err_msg}: {len(bad)} of {a.size} values differ by more than {ulps} ulp of "
            f"{np.dtype(info.dtype)} (actual != expected): {shown}"
        )


def _real(z: complex) -> complex | float:
    return z.real if z.imag == 0 else z
