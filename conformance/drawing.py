"""Drawing a case's inputs with hypothesis, and carrying them into the library and numpy worlds.

Shared by every check kind: the runner's pure-call checks, the gradient checks and the stateful
(module, optimizer, scheduler) checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from adapters.base import Adapter
from conformance import layouts
from conformance.generators import Raw, Strided
from conformance.namespaces import generator_env
from conformance.profiles import PROFILES
from spec.schema import Step


@dataclass
class Settings:
    """How hard to look: examples per case and the recorded seed."""

    max_examples: int = PROFILES["quick"]
    seed: int = 0
    shrink: bool = True


@dataclass
class Trace:
    """The inputs of the example being run (the last one is the shrunk counterexample)."""

    values: dict[str, Any] = field(default_factory=dict)
    call: str | None = None
    steps: list[Step] | None = None
    dtype: str | None = None
    #: what a passing case was compared with, when the check says (gradients do)
    witness: str | None = None


def explore_examples(opts: Settings, body: Any) -> None:
    """Run ``body(data)`` under hypothesis with the profile's settings and the fixed seed."""

    phases = [p for p in Phase if opts.shrink or p is not Phase.shrink]

    @settings(
        max_examples=opts.max_examples,
        database=None,
        deadline=None,
        phases=phases,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @seed(opts.seed)
    @given(st.data())
    def explore(data: st.DataObject) -> None:
        body(data)

    try:
        explore()
    except BaseExceptionGroup as group:  # hypothesis may wrap a flaky failure
        raise group.exceptions[0] from None


def draw(data: st.DataObject, inputs: dict[str, Any], dtype: str | None, trace: Trace) -> dict:
    """Draw the inputs in order; later generators see earlier values."""
    trace.values = {}
    for name, expr in inputs.items():
        if (expr.source, dtype) in _STRATEGIES and not expr.names & trace.values.keys():
            value = _STRATEGIES[expr.source, dtype]
        else:
            seen = {k: v.array if isinstance(v, Strided) else v for k, v in trace.values.items()}
            value = _remember(expr, dtype, expr.evaluate(generator_env(seen, dtype)), seen)
        if isinstance(value, st.SearchStrategy):
            value = data.draw(value, label=name)
        trace.values[name] = value
    return trace.values


#: (generator source, dtype) -> its strategy, for generators that read no earlier draw: a
#: strategy is immutable, and building one anew for every example costs more than drawing
_STRATEGIES: dict[tuple[str, str | None], st.SearchStrategy] = {}
_STRATEGIES_MAX = 10_000


def _remember(expr: Any, dtype: str | None, value: Any, seen: dict[str, Any]) -> Any:
    """``value``, kept for the next example when it is a strategy of ``expr`` alone."""
    independent = not expr.names & seen.keys()
    if independent and isinstance(value, st.SearchStrategy) and len(_STRATEGIES) < _STRATEGIES_MAX:
        _STRATEGIES[expr.source, dtype] = value
    return value


def to_library(value: Any, adapter: Adapter) -> Any:
    if isinstance(value, Raw):
        return value.array
    if isinstance(value, Strided):
        return layouts.to_library(value, adapter)
    if isinstance(value, np.ndarray):
        return layouts.from_numpy(value, adapter)
    if isinstance(value, list):
        return [to_library(v, adapter) for v in value]
    if isinstance(value, tuple):
        return tuple(to_library(v, adapter) for v in value)
    return value


def numpy_world(values: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def plain(value: Any) -> Any:
    """The numpy world sees arrays: Raw and Strided inputs unwrapped (copied)."""
    if isinstance(value, (Raw, Strided)):
        return value.array.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def widen64(value: Any) -> Any:
    """Floating inputs as float64 (complex as complex128), for recomputing the oracle."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return value.astype(np.complex128 if value.dtype.kind == "c" else np.float64)
    if isinstance(value, (list, tuple)):
        return type(value)(widen64(v) for v in value)
    return value
