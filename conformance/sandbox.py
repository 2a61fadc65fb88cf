"""What keeps a spec expression inside its sandbox: attribute access that cannot write or read
files, reach a module or run a shell, and builtins and numpy functions whose cost is bounded
before they run.

Spec files are untrusted data. The expression evaluator (:mod:`spec.expr`) already refuses
private names, statements and imports; the environments of :mod:`conformance.namespaces` bind
:func:`guarded_getattr` under ``spec.expr.ATTRIBUTE_HOOK``, so every ``a.b`` of an expression
passes through it.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
import types
from collections.abc import Callable
from typing import Any

#: most elements an array built by a spec expression may hold (before it is built)
MAX_ELEMENTS = 50_000_000
#: longest ``range`` an expression may make (``sum(range(10**12))`` would run for hours)
MAX_RANGE = 10_000_000

#: methods that write, read or delete files, run programs or serialize objects: no spec
#: expression calls them, whatever object it holds (files go through conformance.files)
REFUSED_ATTRIBUTES = frozenset(
    {
        "tofile",
        "dump",
        "dumps",
        "fromfile",
        "write",
        "writelines",
        "truncate",
        "read",
        "readline",
        "readlines",
        "readinto",
        "read_bytes",
        "read_text",
        "write_bytes",
        "write_text",
        "touch",
        "mkdir",
        "unlink",
        "rmdir",
        "rename",
        "replace",
        "symlink_to",
        "hardlink_to",
        "chmod",
        "lchmod",
        "open",
        "fileno",
        "system",
        "popen",
        "setflags",
    }
)


class SandboxError(Exception):
    """An expression reached for something a spec may not use."""


def guarded_getattr(obj: Any, name: str, trusted: tuple[type, ...] = ()) -> Any:
    """``getattr(obj, name)`` unless ``name`` is a refused method or the value is a module.

    Objects of a ``trusted`` type (the library namespace, which checks names itself) are
    exempt from the method names.
    """
    if name in REFUSED_ATTRIBUTES and not isinstance(obj, trusted):
        raise SandboxError(f"spec expressions may not use .{name} (it reaches files or programs)")
    value = getattr(obj, name)
    if isinstance(value, types.ModuleType):
        raise SandboxError(f".{name} is a module; spec expressions reach modules only as torch.*")
    return value


def bounded_range(*args: int) -> range:
    """``range`` of at most :data:`MAX_RANGE` numbers."""
    made = range(*args)
    if len(made) > MAX_RANGE:
        raise SandboxError(f"range of {len(made):,} numbers (the limit is {MAX_RANGE:,})")
    return made


def _count(shape: Any) -> int:
    """Elements of an array of ``shape`` (an int or a sequence of ints)."""
    dims = [shape] if isinstance(shape, int) else list(shape)
    return math.prod(operator.index(d) for d in dims)


def _check_count(count: float, what: str) -> None:
    if count > MAX_ELEMENTS:
        raise SandboxError(f"{what} of {count:,.0f} elements (the limit is {MAX_ELEMENTS:,})")


def _by_shape(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(shape, ...)`` (zeros, ones, empty, full) refused past :data:`MAX_ELEMENTS`."""

    @functools.wraps(fn)
    def bounded(shape: Any, *args: Any, **kwargs: Any) -> Any:
        _check_count(_count(shape), f"np.{fn.__name__}")
        return fn(shape, *args, **kwargs)

    return bounded


def _arange(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        step = kwargs.get("step", step)
        if step and all(isinstance(v, (int, float)) for v in (start, stop, step)):
            _check_count(max(0.0, math.ceil((stop - start) / step)), "np.arange")
        return fn(*args, **kwargs)

    return bounded


def _by_num(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def bounded(start: Any, stop: Any, num: int = 50, *args: Any, **kwargs: Any) -> Any:
        _check_count(operator.index(kwargs.get("num", num)), f"np.{fn.__name__}")
        return fn(start, stop, num, *args, **kwargs)

    return bounded


def _broadcast_to(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def bounded(array: Any, shape: Any, *args: Any, **kwargs: Any) -> Any:
        _check_count(_count(shape), "np.broadcast_to")
        return fn(array, shape, *args, **kwargs)

    return bounded


#: numpy functions whose size an argument decides, with the wrapper bounding it
SIZED_NUMPY = {
    "zeros": _by_shape,
    "ones": _by_shape,
    "empty": _by_shape,
    "full": _by_shape,
    "arange": _arange,
    "linspace": _by_num,
    "logspace": _by_num,
    "broadcast_to": _broadcast_to,
}


def bounded_numpy(name: str, fn: Any) -> Any:
    """``fn`` (numpy's ``name``) with its size bounded where an argument decides it."""
    wrap = SIZED_NUMPY.get(name)
    return wrap(fn) if wrap else fn


#: the builtins expressions see, with ``range`` bounded
def safe_builtins(names: list[str]) -> dict[str, Any]:
    """The named builtins, ``range`` replaced by :func:`bounded_range`."""
    table = {name: getattr(builtins, name) for name in names}
    if "range" in table:
        table["range"] = bounded_range
    return table
