"""Helpers for the ``reference.nn`` tests: run the same function against ``reference`` and
real ``torch`` and compare results, errors and warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import reference
from tests import pinned_torch
from tests.ulp import assert_close_ulp

try:
    import torch
except ImportError:  # the tests importorskip torch themselves
    torch = None


def to_np(t: Any) -> np.ndarray:
    """The values of a reference or torch tensor (a copy, detached)."""
    if isinstance(t, reference.Tensor):
        return np.array(t.detach().numpy())
    return t.detach().numpy().copy()


def to_ref(t: Any) -> reference.Tensor:
    """A reference tensor with a torch tensor's values and dtype."""
    return reference.tensor(t.detach().numpy())


def to_torch(t: reference.Tensor) -> Any:
    """A torch tensor with a reference tensor's values and dtype."""
    return torch.from_numpy(np.array(t.detach().numpy()))


def plain(x: Any) -> Any:
    """A library-neutral, exactly comparable description of ``x``."""
    if isinstance(x, (reference.Tensor, torch.Tensor)):
        kind = type(x).__name__
        return ("tensor", kind, str(x.dtype), tuple(x.shape), x.requires_grad, to_np(x).tolist())
    if isinstance(x, (reference.nn.Module, torch.nn.Module)):
        return ("module", type(x).__name__, repr(x))
    if isinstance(x, (reference.Size, torch.Size)):
        return ("size", tuple(x))
    if isinstance(x, (reference.dtype, torch.dtype)):
        return ("dtype", str(x))
    if isinstance(x, dict):
        return (type(x).__name__, [(k, plain(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [plain(v) for v in x])
    return x


def outcome(fn: Callable, mod: Any, seed: int | None = 0) -> tuple:
    """``(result or error, warnings)`` of ``fn(mod)``, after ``mod.manual_seed(seed)``."""
    if seed is not None:
        mod.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value: tuple = ("ok", plain(fn(mod)))
        except Exception as exc:  # noqa: BLE001 - compared with torch's
            value = ("err", type(exc).__name__, str(exc))
    return value, [(w.category.__name__, str(w.message)) for w in caught]


def torch_outcome(torch_module: Any, fn: Callable, seed: int | None) -> tuple:
    """:func:`outcome` on torch (run by :func:`tests.pinned_torch.run`)."""
    return outcome(fn, torch_module, seed)


def same(fn: Callable, *, warns: bool = True, seed: int | None = 0) -> None:
    """``fn(reference)`` and ``fn(torch)`` give the same result (or error) and warnings.

    With a ``seed``, torch runs on the kernel the reference's random numbers follow
    (``tests/pinned_torch``): results are compared exactly, and modules draw their initial
    values from the generator.
    """
    if seed is None:  # nothing drawn: torch in this process (messages that print a set agree)
        (r, rw), (t, tw) = outcome(fn, reference, seed), outcome(fn, torch, seed)
    else:
        (r, rw), (t, tw) = outcome(fn, reference, seed), pinned_torch.run(torch_outcome, fn, seed)
    assert r == t, f"reference: {first_difference(r, t)}"
    if warns:
        assert rw == tw, f"warnings: {rw} != {tw}"


def first_difference(r: Any, t: Any, path: str = "") -> str:
    """Where two ``plain`` descriptions first differ, and how."""
    if isinstance(r, (list, tuple)) and isinstance(t, (list, tuple)) and len(r) == len(t):
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
    return f"{path}: {r!r} != torch's {t!r}"


def assert_close(r: Any, t: Any, scale: Any = None, ulps: float = 8) -> None:
    """Same shape and dtype, floating values within ``ulps`` ulp of ``max(|t|, scale)``
    (:func:`tests.ulp.assert_close_ulp`): forward values are never compared bit for bit."""
    a, b = to_np(r), to_np(t)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    assert_close_ulp(a, b, ulps, scale=0.0 if scale is None else to_np_or_value(scale))


def to_np_or_value(x: Any) -> Any:
    """A tensor's values, or ``x`` itself (a number or an array)."""
    return to_np(x) if isinstance(x, (reference.Tensor, torch.Tensor)) else x
