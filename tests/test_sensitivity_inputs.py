"""The bugs of tests/broken/inputs.py live only in kinds of argument the generators once never
drew: each broken adapter agrees with torch on a call of the kinds drawn before, and not on a
call of a kind drawn now. That they are caught is tests/test_sensitivity.py's (their CAUGHT
table joins the others)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conformance.namespaces import LibraryNamespace
from tests.broken import inputs

torch = pytest.importorskip("torch")

#: adapter -> (a call of a kind drawn before, the same call with an argument of a new kind)
CALLS = {
    "LinspaceRoundsEndpoints": (
        lambda t: t.linspace(-2.7, 3.2, 7, dtype=t.float64),
        lambda t: t.linspace(-2.7, 3.2, 7, dtype=t.int64),
    ),
    "LinspaceRejectsTensorSteps": (
        lambda t: t.linspace(0.5, 3.0, 6),
        lambda t: t.linspace(0.5, 3.0, t.tensor(6)),
    ),
    "ArangeCountsTruncated": (
        lambda t: t.arange(-2, 3, 1, dtype=t.int32),
        lambda t: t.arange(-2.5, 3, 1, dtype=t.int32),
    ),
    "GatherRejectsEmptyIndexOfOtherDtype": (
        lambda t: t.gather(t.arange(5.0), 0, t.tensor([], dtype=t.int64)),
        lambda t: t.gather(t.arange(5.0), 0, t.tensor([], dtype=t.uint8)),
    ),
    "GatherOnlyInt64Index": (
        lambda t: t.gather(t.arange(5.0), 0, t.tensor([3, 1])),
        lambda t: t.gather(t.arange(5.0), 0, t.tensor([3, 1], dtype=t.int32)),
    ),
    "SumListDimReducesFirst": (
        lambda t: t.sum(t.ones(2, 3), (0, 1)),
        lambda t: t.sum(t.ones(2, 3), [0, 1]),
    ),
    "AmaxNegativeDimsInTuple": (
        lambda t: t.amax(t.arange(24.0).reshape(2, 3, 4), -1),
        lambda t: t.amax(t.arange(24.0).reshape(2, 3, 4), (-1,)),
    ),
    "StackRejectsTuple": (
        lambda t: t.stack([t.ones(2), t.zeros(2)]),
        lambda t: t.stack((t.ones(2), t.zeros(2))),
    ),
    "ManualSeedRefusesHighSeeds": (
        lambda t: (t.manual_seed(2**63 - 1), t.rand(3))[1],
        lambda t: (t.manual_seed(2**63), t.rand(3))[1],
    ),
    "RandintRejectsTensorBounds": (
        lambda t: t.randint(3, 4, (2,)),
        lambda t: t.randint(t.tensor(3), t.tensor(4), (2,)),
    ),
    "FullInfersFromTensorDtype": (
        lambda t: t.full((2,), t.tensor(2.5, dtype=t.float64), dtype=t.float64),
        lambda t: t.full((2,), t.tensor(2.5, dtype=t.float64)),
    ),
    "SinComputesInOutDtype": (
        lambda t: t.sin(t.tensor([1000.3, 0.5], dtype=t.float64), out=t.empty(0, dtype=t.float64)),
        lambda t: t.sin(t.tensor([1000.3, 0.5], dtype=t.float64), out=t.empty(0, dtype=t.float16)),
    ),
    "Atan2CastsOtherToInputDtype": (
        lambda t: t.atan2(t.tensor([1.0, 2.0]).double(), t.tensor([0.5, 5.5]).double()),
        lambda t: t.atan2(t.tensor([1, 2]), t.tensor([0.5, 5.5], dtype=t.float64)),
    ),
    "NoGradDecoratorEnablesAfter": (
        lambda t: t.tensor([t.no_grad()(t.is_grad_enabled)(), t.is_grad_enabled()]),
        lambda t: _decorated_inside_no_grad(t),
    ),
}


def _decorated_inside_no_grad(t: Any) -> Any:
    """A no_grad-decorated call made inside a no_grad block, and the mode after it."""
    with t.no_grad():
        return t.tensor([t.no_grad()(t.is_grad_enabled)(), t.is_grad_enabled()])


def _outcome(call: Any, lib: Any, to_numpy: Any) -> Any:
    """The call's result as a numpy array, or the class of what it raised."""
    try:
        return to_numpy(call(lib))
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome
        return type(exc)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return a is b


def test_every_broken_adapter_has_its_calls() -> None:
    assert set(CALLS) == set(inputs.CAUGHT)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_bug_lives_only_in_the_new_kind(name: str) -> None:
    adapter = getattr(inputs, name)()
    broken = LibraryNamespace(adapter)
    old, new = CALLS[name]
    assert _same(_outcome(old, broken, adapter.to_numpy), _outcome(old, torch, np.asarray))
    assert not _same(_outcome(new, broken, adapter.to_numpy), _outcome(new, torch, np.asarray))
