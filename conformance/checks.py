"""Named checks that spec properties and scenarios call on library values.

They convert through the adapter and compare in numpy; a failing check raises
:class:`CheckFailed` with what differs, rather than returning False.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from adapters.base import Adapter
from conformance import files, onnx_checks
from conformance.compare import CheckFailed, assert_equal, assert_values, dtype_name
from conformance.generators import Raw
from conformance.statistics import CHECK_NAMES as STATISTICS
from conformance.statistics import vocabulary as statistics
from spec.oracles import ORACLES

CHECK_NAMES = frozenset(
    {
        "to_np",
        "same",
        "close",
        "write",
        "all_equal",
        "dtype_of",
        "shape_of",
        "is_tensor",
        "lib_dtype",
        "assign",
        "set_item",
        "del_item",
        "ordered_dict",
        "repeat",
        "oracle",
    }
)
#: Expressions have no assignment statement: ``assign(x, "grad", g)`` is ``x.grad = g``, for
#: public attribute names (a module's submodules and parameters, a tensor's grad...).
ASSIGNABLE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
CHECK_NAMES |= files.NAMES  # temp_path(), bytes_io(), fixture()... (section 2.3)
CHECK_NAMES |= STATISTICS  # ks_uniform(), chi_square_uniform()... (section 2.2)
CHECK_NAMES |= onnx_checks.NAMES  # onnx_check(), onnx_graph(), onnx_run() (section 9)


def _compare(a: Any, e: Any, arrays: Callable[..., None], where: str) -> None:
    """``a`` against ``e``: arrays with ``arrays``, containers part by part (``where`` names
    the part), anything else (None, strings, options) by ``==``."""
    if isinstance(a, dict) or isinstance(e, dict):
        if not isinstance(a, dict) or not isinstance(e, dict) or list(a) != list(e):
            keys = list(a) if isinstance(a, dict) else type(a).__name__
            raise CheckFailed(f"{where or 'value'}: keys {keys} != expected {list(e)}")
        for key in e:
            _compare(a[key], e[key], arrays, f"{where}[{key!r}]")
        return
    if isinstance(a, (list, tuple)) or isinstance(e, (list, tuple)):
        if len(a) != len(e):
            raise CheckFailed(f"{where or 'value'}: {len(a)} parts != expected {len(e)}")
        for i, (x, y) in enumerate(zip(a, e, strict=True)):
            _compare(x, y, arrays, f"{where}[{i}]" if where else f"part {i}")
        return
    if isinstance(a, np.ndarray) or isinstance(e, np.ndarray) or _numeric(a) and _numeric(e):
        arrays(np.asarray(a), np.asarray(e), what=where or "result")
    elif not (a == e and type(a) is type(e)):
        raise CheckFailed(f"{where or 'value'}: {a!r} != expected {e!r}")


class _Oracles:
    """``oracle.<name>``: the numpy oracles, for scenarios that hold a library's result
    against one (arguments go through ``to_np``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return ORACLES[name]
        except KeyError:
            raise AttributeError(f"there is no oracle named {name!r}") from None


ORACLE_NAMESPACE = _Oracles()
#: The most calls ``repeat`` makes
MAX_REPEATS = 10_000


def repeat(times: int, fn: Callable[[], Any]) -> list[Any]:
    """``[fn(), fn(), ...]``: ``times`` calls in order (a scenario's loop: epochs, training
    steps), at most :data:`MAX_REPEATS`."""
    if not isinstance(times, int) or not 0 <= times <= MAX_REPEATS:
        raise CheckFailed(f"repeat() takes 0 to {MAX_REPEATS:,} times, got {times!r}")
    return [fn() for _ in range(times)]


def _numeric(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex, np.generic))


def for_adapter(target: str) -> dict[str, Any]:
    """The checks bound to an adapter given as a name or ``module:attr`` (for reproducers)."""
    from adapters import load_adapter

    return vocabulary(load_adapter(target))


def vocabulary(adapter: Adapter) -> dict[str, Any]:
    """The check functions bound to ``adapter``."""

    def to_np(value: Any) -> Any:
        """numpy copy of a tensor; lists, tuples and dicts element-wise; numpy and scalars
        unchanged."""
        if isinstance(value, Raw):
            return value.array
        if adapter.is_tensor(value):
            return adapter.to_numpy(value)
        if isinstance(value, (list, tuple)):
            return type(value)(to_np(v) for v in value)
        if isinstance(value, dict):
            return {k: to_np(v) for k, v in value.items()}
        return value

    def same(actual: Any, expected: Any) -> bool:
        """Equal shape, dtype and values (NaN equals NaN), after conversion; lists, tuples
        and dicts (an optimizer's state_dict) part by part, other values by ``==``."""
        _compare(to_np(actual), to_np(expected), assert_equal, "")
        return True

    def close(
        actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None
    ) -> bool:
        """Equal shape and dtype, values within the dtype's tolerance; containers part by
        part."""
        tol = None if rtol is None and atol is None else (rtol or 0.0, atol or 0.0)

        def values(a: np.ndarray, e: np.ndarray, what: str) -> None:
            if a.shape != e.shape:
                raise CheckFailed(f"{what}: shape {a.shape} != expected {e.shape}")
            assert_values(a, e, tol, what)

        _compare(to_np(actual), to_np(expected), values, "")
        return True

    def write(target: Any, value: Any) -> Any:
        """Overwrite every element of a tensor (``fill_``) or a numpy array in place."""
        if isinstance(target, np.ndarray):
            target[...] = value
        else:
            target.fill_(value)
        return target

    def all_equal(value: Any, scalar: Any) -> bool:
        """Every element equals ``scalar`` (after converting to the value's dtype)."""
        a = np.asarray(to_np(value))
        want = np.asarray(scalar).astype(a.dtype)
        if not np.all(a == want):
            raise CheckFailed(f"expected every element to be {scalar!r}, got {a.tolist()!r}")
        return True

    def dtype_of(value: Any) -> str:
        """Spec name of a tensor's or array's dtype."""
        return dtype_name(np.asarray(to_np(value)).dtype)

    def shape_of(value: Any) -> tuple[int, ...]:
        """Shape of a tensor or array as a tuple."""
        return tuple(np.asarray(to_np(value)).shape)

    def assign(target: Any, name: str, value: Any) -> Any:
        """``target.<name> = value`` for a public attribute name; returns ``target``."""
        if not isinstance(name, str) or not ASSIGNABLE.fullmatch(name):
            raise CheckFailed(f"assign(): {name!r} is not a public attribute name")
        setattr(target, name, value)
        return target

    def set_item(target: Any, key: Any, value: Any) -> Any:
        """``target[key] = value`` (containers: ModuleDict, Sequential...); returns ``target``."""
        target[key] = value
        return target

    def del_item(target: Any, key: Any) -> Any:
        """``del target[key]``; returns ``target``."""
        del target[key]
        return target

    return files.VOCABULARY | {
        "assign": assign,
        "set_item": set_item,
        "ordered_dict": lambda pairs=(): OrderedDict(pairs),
        "repeat": repeat,
        "oracle": ORACLE_NAMESPACE,
        "del_item": del_item,
        "to_np": to_np,
        "same": same,
        "close": close,
        "write": write,
        "all_equal": all_equal,
        "dtype_of": dtype_of,
        "shape_of": shape_of,
        "is_tensor": adapter.is_tensor,
        "lib_dtype": adapter.dtype,
        **statistics(adapter),  # ks_uniform(), chi_square_uniform()... (section 2.2)
        **onnx_checks.vocabulary(to_np),  # onnx_check(), onnx_graph(), onnx_run() (section 9)
    }
