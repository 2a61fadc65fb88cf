"""The spec's oracles agree with PyTorch on the extremal values that once gave false alarms.

Each case is an entry's own ``oracle`` and ``call`` evaluated on fixed inputs, compared as the
suite compares them (the entry's dtype, tolerance and accumulated rounding): the largest
finite values, subnormals and their neighbours, where an oracle written without care overflows,
underflows or loses precision although torch does not (or the other way around).
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest
from hypothesis import strategies as st

from adapters.registry import load_adapter
from conformance.compare import numpy_dtype
from conformance.drawing import to_library
from conformance.namespaces import generator_env, library_env, numpy_env
from conformance.outputs import accumulated_work, compare, expected_dtype, tolerances_of
from spec.loader import load_spec

torch = pytest.importorskip("torch")

F32, F64 = float(np.finfo(np.float32).max), float(np.finfo(np.float64).max)
BF16 = float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)


def _vector_norm(
    x: Any, dtype: str, ord: float = 2, dim: Any = None, keepdim: bool = False  # noqa: A002
) -> tuple[str, str, dict[str, Any]]:
    x = np.asarray(x).astype(numpy_dtype(dtype))
    values = {"ord": ord, "shape": x.shape, "x": x, "dim": dim, "keepdim": keepdim}
    values |= {"dim_arg": dim, "ord_arg": ord}  # the arguments as the call passes them
    return ("torch.linalg.vector_norm", dtype, values)


#: (entry, dtype, inputs): each a counterexample a run reported against torch.
CASES = {
    # |x| of a complex number is finite where |x|**2 is not: torch returns |x| itself when
    # every reduced dim has size 1 (issue: complex(0, 1.8e308), expected inf).
    "complex128-one-element": _vector_norm([complex(0.0, F64)], "complex128"),
    "complex64-one-element": _vector_norm([complex(0.0, F32)], "complex64"),
    "float32-size-one-dim": _vector_norm([[F32], [-F32]], "float32", 3, 1),
    "float64-size-one-dims-kept": _vector_norm([[F64]], "float64", 0.5, None, True),
    # ... but a 0-dim input with an explicit dim goes through |x|**ord, which overflows.
    "float64-0dim-with-dim": _vector_norm(F64, "float64", 2, 0),
    "float32-0dim-with-dim": _vector_norm(F32, "float32", 2, 0),
    "complex64-0dim-with-dim": _vector_norm(complex(0.0, F32), "complex64", 2, 0),
    "bfloat16-0dim-with-dim": _vector_norm(BF16, "bfloat16", 2, 0),
    "float32-0dim-ord-1.5": _vector_norm(F32, "float32", 1.5),
    # float32 accumulates in float32: 1 / max**2 underflows to 0, and 0 ** -1/2 is inf.
    "float32-negative-order-underflow": _vector_norm([F32, F32], "float32", -2),
    "float64-negative-order-subnormal": _vector_norm([F64, 1.0], "float64", -1),
    # ... and max**2 overflows to inf.
    "float32-sum-overflow": _vector_norm([F32, 1.0], "float32", 2),
    "complex128-sum-overflow": _vector_norm([complex(0.0, F64), 1.0], "complex128", 2),
}


def _derived(item: Any, given: dict[str, Any], dtype: str) -> dict[str, Any]:
    """``given`` and the entry's derived inputs (plain expressions such as ``axis``)."""
    values = dict(given)
    for name, expr in item.inputs.items():
        if name not in values:
            values[name] = expr.evaluate(generator_env(values, dtype))
            assert not isinstance(values[name], st.SearchStrategy), f"{name} must be given"
    return values


@pytest.fixture(scope="module")
def entries() -> dict[str, Any]:
    return load_spec().by_name()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in the bounds, as in a run
@pytest.mark.parametrize("case", CASES)
def test_oracle_agrees_with_torch(case: str, entries: dict[str, Any]) -> None:
    name, dtype, given = CASES[case]
    item = entries[name].item
    values = _derived(item, given, dtype)
    adapter = load_adapter("torch")
    env = numpy_env(values, dtype)
    result = item.call.evaluate(
        library_env(adapter, {k: to_library(v, adapter) for k, v in values.items()}, dtype)
    )
    compare(
        result,
        item.oracle.evaluate(env),
        expected_dtype(item, env),
        adapter,
        tolerances_of(item),
        f"{name} at {case}",
        accumulated_work(item, env),
    )
