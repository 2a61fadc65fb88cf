"""The bootstrap tier: conversion round trips and tensor creation, checked before anything.

A case whose prerequisite failed here is *blocked*, not failed, so one broken primitive does
not paint the whole report red.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from adapters.base import Adapter
from conformance.cases import TENSOR_FROM_LIST, roundtrip
from conformance.compare import CheckFailed, assert_equal, numpy_dtype
from spec.dtypes import ALL, COMPLEX

_SAMPLE = np.array([[0, 1, 2], [3, 4, 5]])


def sample(dtype: str) -> np.ndarray:
    """Small values every dtype holds; fractions and a sign where the dtype has them."""
    target = numpy_dtype(dtype)
    if target.kind == "b":
        return (_SAMPLE % 2).astype(target)
    if target.kind in "fc":
        return ((_SAMPLE - 2.5) / 4).astype(target) * (1 + 1j if target.kind == "c" else 1)
    return _SAMPLE.astype(target)


def check_roundtrip(adapter: Adapter, dtype: str) -> None:
    """``to_numpy(from_numpy(a))`` gives back ``a``: shape, dtype and values."""
    base = sample(dtype)
    for array in (base, base[:, ::2], base[0, 0]):
        got = adapter.to_numpy(adapter.from_numpy(np.array(array)))
        assert_equal(np.asarray(got), np.asarray(array), what=f"round trip of {dtype}")


def check_tensor_from_list(adapter: Adapter) -> None:
    """``torch.tensor([[1, 2], [3, 4]])`` is an integer tensor holding those values. Its
    default dtype (int64 in torch) is ``torch.tensor``'s own check: a library that picks
    int32 fails those, not every example built with ``torch.tensor``."""
    got = adapter.to_numpy(adapter.resolve("torch.tensor")([[1, 2], [3, 4]]))
    if got.dtype.kind not in "iu":
        raise CheckFailed(f"torch.tensor([[1, 2], [3, 4]]) has dtype {got.dtype}, not an integer")
    want = np.array([[1, 2], [3, 4]])
    assert_equal(got.astype(np.int64), want, what="torch.tensor([[1, 2], [3, 4]])")


def reproducer(adapter: Adapter, name: str) -> str:
    """A script that repeats the prerequisite ``name`` through the adapter."""
    path = f"{type(adapter).__module__}:{type(adapter).__qualname__}"
    lines = [
        "import numpy as np",
        "from adapters import load_adapter",
        f"adapter = load_adapter({path!r})",
    ]
    if name == TENSOR_FROM_LIST:
        return "\n".join(
            [*lines, "print(adapter.to_numpy(adapter.resolve('torch.tensor')([[1, 2], [3, 4]])))"]
        )
    dtype = name.split(":", 1)[1]
    return "\n".join(
        [
            *lines,
            "from conformance.bootstrap import sample",
            f"a = sample({dtype!r})",
            "print(a, adapter.to_numpy(adapter.from_numpy(a)), sep='\\n')",
        ]
    )


class Bootstrap:
    """Runs each prerequisite once, on demand, and remembers the failures."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter

    def unclaimed(self, name: str) -> bool:
        """Whether ``name`` is a round trip of a dtype the adapter does not claim (complex
        without ``complex``, or one outside its ``dtypes``): not checked, blocking nothing."""
        return name.startswith(roundtrip("")) and self.adapter.lacks_dtype(name.split(":", 1)[1])

    def why(self, name: str) -> str:
        """What the adapter does not claim for the unclaimed round trip ``name``."""
        dtype = name.split(":", 1)[1]
        return (
            "complex" if dtype in COMPLEX and "complex" not in self.adapter.capabilities else dtype
        )

    @cached_property
    def failures(self) -> dict[str, str]:
        """Prerequisite name -> why it failed."""
        claimed = [d for d in ALL if not self.unclaimed(roundtrip(d))]
        checks = {roundtrip(d): (lambda d=d: check_roundtrip(self.adapter, d)) for d in claimed}
        checks[TENSOR_FROM_LIST] = lambda: check_tensor_from_list(self.adapter)
        failed: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
            except CheckFailed as exc:
                failed[name] = str(exc)
            except Exception as exc:  # noqa: BLE001 - any failure blocks the dependants
                failed[name] = f"raised {type(exc).__name__}: {exc}"
        return failed

    def blockers(self, requires: tuple[str, ...]) -> list[str]:
        """The failed prerequisites among ``requires``, with reasons."""
        return [f"{name}: {self.failures[name]}" for name in requires if name in self.failures]
