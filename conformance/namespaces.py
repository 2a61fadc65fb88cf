"""The names a spec expression can see, per world: generators, numpy oracles, the library.

Each environment is a plain dict; the expression evaluator sees nothing else.  ``torch``
in the library world is a proxy that resolves spec names through the adapter. Every
attribute access goes through :mod:`conformance.sandbox` (bound under ``spec.expr.ATTRIBUTE_HOOK``).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import Adapter
from conformance import checks, files
from conformance.compare import NUMPY_DTYPES, numpy_dtype
from conformance.derivatives import DERIVATIVE_HELPERS
from conformance.generators import VOCABULARY
from conformance.oracles import ORACLE_HELPERS
from conformance.sandbox import bounded_numpy, guarded_getattr, safe_builtins
from spec.expr import ATTRIBUTE_HOOK
from spec.oracles import ORACLES

_NUMPY_NAMES = [
    "array",
    "asarray",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "arange",
    "linspace",
    "logspace",
    "concatenate",
    "stack",
    "take_along_axis",
    "squeeze",
    "expand_dims",
    "array_split",
    "split",
    "swapaxes",
    "transpose",
    "moveaxis",
    "flip",
    "reshape",
    "ravel",
    "broadcast_to",
    "shape",
    "ndim",
    "size",
    "copy",
    "where",
    "isnan",
    "isinf",
    "isfinite",
    "all",
    "any",
    "sum",
    "prod",
    "cumsum",
    "mean",
    "max",
    "min",
    "abs",
    "ceil",
    "floor",
    "trunc",
    "round",
    "sign",
    "sqrt",
    "exp",
    "log",
    "power",
    "dtype",
    "iinfo",
    "finfo",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool_",
    "nan",
    "inf",
    "pi",
    "e",
    "array_equal",
    "result_type",
    "promote_types",
    "can_cast",
    "shares_memory",
    "may_share_memory",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "arctan2",
    "broadcast_shapes",
    "broadcast_arrays",
    "signbit",
    "copysign",
    "maximum",
    "minimum",
    "argmax",
    "argmin",
    "amax",
    "amin",
    "sort",
    "argsort",
    "searchsorted",
    "isclose",
    "allclose",
]

SAFE_BUILTINS = safe_builtins(
    [
        "len",
        "abs",
        "min",
        "max",
        "sum",
        "all",
        "any",
        "int",
        "float",
        "bool",
        "complex",
        "str",
        "repr",
        "list",
        "tuple",
        "dict",
        "set",
        "range",
        "isinstance",
        "issubclass",
        "type",
        "round",
        "sorted",
        "reversed",
        "zip",
        "enumerate",
        "callable",
        "hasattr",
    ]
)


class _Whitelist:
    """Attribute access limited to a fixed set of names of one module."""

    def __init__(self, module: Any, names: list[str], extra: dict[str, Any]):
        self._members = {n: bounded_numpy(n, getattr(module, n)) for n in names} | extra

    def __getattr__(self, name: str) -> Any:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(f"np.{name} is not available to spec expressions") from None


NP = _Whitelist(np, _NUMPY_NAMES, {"bfloat16": ml_dtypes.bfloat16})


#: library functions that read or write the paths they are given: a spec's paths must lie in
#: the run's temporary folder (or spec/fixtures), like those of the file helpers
#: (name -> position and keyword of the file argument)
FILE_FUNCTIONS = {"torch.save": (1, "f"), "torch.load": (0, "f"), "torch.onnx.export": (2, "f")}


class LibraryNamespace:
    """``torch`` (and ``torch.nn``...) resolved through the adapter, one attribute at a time."""

    def __init__(self, adapter: Adapter, prefix: str = "torch"):
        self._adapter = adapter
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        full = f"{self._prefix}.{name}"
        value = self._adapter.resolve(full)
        if isinstance(value, type(np)):  # a submodule: keep resolving through the adapter
            return LibraryNamespace(self._adapter, full)
        if full in FILE_FUNCTIONS:
            return files.confined(value, full, *FILE_FUNCTIONS[full])
        return value

    def __repr__(self) -> str:
        return f"<{self._prefix} of {self._adapter.name}>"


@functools.cache
def _with_default_dtype(fn: Any, dtype: str) -> Any:
    """``fn`` with its ``dtype`` parameter defaulting to the case's dtype."""
    position = list(inspect.signature(fn).parameters).index("dtype")

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "dtype" not in kwargs and len(args) <= position:
            kwargs["dtype"] = dtype
        return fn(*args, **kwargs)

    return wrapped


def generator_env(values: dict[str, Any], dtype: str | None) -> dict[Any, Any]:
    """Generators see the vocabulary, earlier draws, ``dtype`` (a spec name) and ``np``."""
    env: dict[Any, Any] = dict(SAFE_BUILTINS) | dict(VOCABULARY)
    if dtype is not None:
        for name in ("tensor", "ndarray", "scalar", "stackable", "concatenable"):
            env[name] = _with_default_dtype(VOCABULARY[name], dtype)
    env.update(np=NP, dtype=dtype or "float32")
    env.update(values)
    env[ATTRIBUTE_HOOK] = guarded_getattr
    return env


def numpy_env(values: dict[str, Any], dtype: str | None) -> dict[Any, Any]:
    """Oracles see numpy arrays, ``np``, dtype names bound to numpy dtypes, ``dtype``, the
    numpy oracles of ``spec/oracles`` and the helpers of derivative formulas."""
    env: dict[Any, Any] = dict(SAFE_BUILTINS) | dict(NUMPY_DTYPES) | ORACLE_HELPERS | ORACLES
    env.update(DERIVATIVE_HELPERS)
    env.update(np=NP, dtype=numpy_dtype(dtype) if dtype else None)
    env.update(values)
    env[ATTRIBUTE_HOOK] = guarded_getattr
    return env


def library_env(adapter: Adapter, values: dict[str, Any], dtype: str | None) -> dict[Any, Any]:
    """Calls and checks see ``torch`` (the library), ``np``, the check vocabulary, values."""
    env: dict[Any, Any] = dict(SAFE_BUILTINS) | checks.vocabulary(adapter)
    env.update(torch=LibraryNamespace(adapter), np=NP)
    env["dtype"] = adapter.dtype(dtype) if dtype else None
    env.update(values)
    env[ATTRIBUTE_HOOK] = _library_getattr
    return env


def _library_getattr(obj: Any, name: str) -> Any:
    """:func:`guarded_getattr`; ``torch.save`` & co. are API names the adapter vets itself."""
    return guarded_getattr(obj, name, trusted=(LibraryNamespace,))
