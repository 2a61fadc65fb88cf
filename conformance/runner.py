"""Run one case against an adapter and classify what happened."""

from __future__ import annotations

import ast
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from adapters.base import Adapter, MissingItem
from conformance import gradients, layouts, modules, reproducer, trajectories
from conformance.cases import Case, sweep_dtypes
from conformance.checks import vocabulary
from conformance.compare import (
    TOLERANCES,
    CheckFailed,
    CheckSkipped,
    assert_same_dtype,
    assert_same_shape,
    assert_special,
    assert_values,
    dtype_name,
    eps,
    numpy_dtype,
)
from conformance.drawing import (
    Settings,
    Trace,
    draw,
    explore_examples,
    numpy_world,
    to_library,
    widen64,
)
from conformance.namespaces import library_env, numpy_env
from conformance.outputs import (
    accumulated_work,
    check_contract,
    compare,
    expected_dtype,
    tolerances_of,
    walk,
)
from conformance.steps import expect_raises, run_steps
from conformance.sweeps import run_sweep
from conformance.variants import OUT_NAME, receiver, variant_call
from spec.dtypes import COMPLEX
from spec.expr import EvalError, Expr, where


@dataclass
class Outcome:
    """What a case did: one of the result statuses, with evidence for failures."""

    status: str
    message: str = ""
    counterexample: str | None = None
    reproducer: str | None = None
    duration_s: float = 0.0
    expectation: dict[str, Any] | None = None


def run_case(case: Case, adapter: Adapter, opts: Settings) -> Outcome:
    """Run ``case``; failures become ``failed``, unexpected exceptions ``error``."""
    trace = Trace(dtype=case.dtype)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # checks that expect a warning record their own
            checks_for(case)[case.check](case, adapter, opts, trace)
        outcome = Outcome("passed", f"witness: {trace.witness}" if trace.witness else "")
    except CheckFailed as exc:
        outcome = _with_evidence(Outcome("failed", str(exc)), trace, adapter)
    except CheckSkipped as exc:
        outcome = Outcome("skipped", str(exc))
    except MissingItem as exc:  # the item has a method or a helper item the library lacks
        outcome = absent_outcome(adapter, f"the library lacks what this case needs: {exc}")
    except (HypothesisException, EvalError) as exc:
        outcome = Outcome("error", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - the library under test may raise anything
        if lacked := _missing_attribute(exc, adapter):
            outcome = absent_outcome(adapter, f"the library lacks what this case needs: {lacked}")
        else:
            outcome = _with_evidence(Outcome("error", _raised(exc)), trace, adapter)
    outcome.duration_s = time.perf_counter() - start
    return outcome


def absent_outcome(adapter: Adapter, why: str) -> Outcome:
    """The outcome of a case the library lacks an item for: ``unsupported``, or ``error`` for
    a library meant to have every item (:attr:`Adapter.complete`)."""
    return Outcome("error" if adapter.complete else "unsupported", why)


def static_reproducer(case: Case, adapter: Adapter) -> str | None:
    """The reproducer of a case that draws nothing (an example, error, scenario or a property
    without ``given``), written without running it: for cases that crashed or hung."""
    item = case.entry.item
    call, steps = None, None
    if case.check in ("example", "error"):
        call = (item.examples if case.check == "example" else item.errors)[case.index or 0].call
    elif case.check == "scenario" and case.name:
        steps = next(s for s in item.scenarios if s.name == case.name).steps
    elif case.check == "property":
        prop = next(p for p in item.properties if p.name == case.name)
        steps = None if prop.given else prop.body
    if call is None and steps is None:
        return None
    return reproducer.script(adapter, {}, call.source if call else None, steps, case.dtype)


def _missing_attribute(exc: BaseException, adapter: Adapter) -> str | None:
    """``"<library>'s tensors have no attribute stride"`` when ``exc`` is an attribute
    lookup on one of the library's tensors that failed (a method the library lacks)."""
    if isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    if not isinstance(exc, AttributeError) or not exc.name:
        return None
    if not adapter.is_tensor(getattr(exc, "obj", None)):
        return None
    return f"{adapter.library}'s tensors have no attribute {exc.name}"


def _raised(exc: BaseException) -> str:
    """What raised, naming the call inside the spec expression (or the engine's input step)
    that did, so a helper's failure is not blamed on the op under test."""
    if isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    inside = f" (in {place})" if (place := where(exc)) else ""
    return f"raised {type(exc).__name__}: {exc}{inside}"


def _with_evidence(outcome: Outcome, trace: Trace, adapter: Adapter) -> Outcome:
    if trace.values or trace.call or trace.steps:
        outcome.counterexample = reproducer.describe(trace.values) or None
        outcome.reproducer = reproducer.script(
            adapter, trace.values, trace.call, trace.steps, trace.dtype
        )
    return outcome


def _check_call(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    item = case.entry.item
    call = variant_call(item.call, case.variant or "function")
    trace.call = call.source

    def body(data: st.DataObject) -> None:
        drawn = draw(data, item.inputs, case.dtype, trace)
        if case.variant == "inplace":
            target = receiver(item.call) or ""
            if target in drawn:
                drawn[target] = layouts.writable(drawn[target])
        lib_values = {k: to_library(v, adapter) for k, v in drawn.items()}
        np_env = numpy_env(numpy_world(drawn), case.dtype)
        want_dtype = expected_dtype(case.entry.item, np_env)
        if case.variant == "out":
            empty = adapter.resolve("torch.empty")
            lib_values[OUT_NAME] = empty(0, dtype=adapter.dtype(want_dtype or case.dtype))
        env = library_env(adapter, lib_values, case.dtype)
        method = case.variant in ("method", "inplace")
        result = _evaluate_method(call, env, adapter) if method else call.evaluate(env)
        result = _variant_result(case, call, result, lib_values)
        if case.check == "contract":
            check_contract(result, case.entry.item, np_env, want_dtype, adapter)
        else:
            expected = item.oracle.evaluate(np_env)  # type: ignore[union-attr]
            work = accumulated_work(item, np_env)
            try:
                compare(
                    result,
                    expected,
                    want_dtype,
                    adapter,
                    tolerances_of(case.entry.item),
                    "result",
                    work,
                )
            except CheckFailed as exc:
                _recheck_in_float64(exc, result, drawn, case, adapter, work)

    explore_examples(opts, body)


def _evaluate_method(call: Expr, env: dict[str, Any], adapter: Adapter) -> Any:
    """A method variant's ``call`` in ``env``; a tensor without that method is an item the
    library lacks (:class:`MissingItem`), not a failure of the op."""
    try:
        return call.evaluate(env)
    except MissingItem:
        raise
    except AttributeError as exc:
        func = call.tree.func if isinstance(call.tree, ast.Call) else None
        if isinstance(func, ast.Attribute) and where(exc) == ast.unparse(func):
            raise MissingItem(f"{adapter.library}'s tensors have no method {func.attr}") from exc
        raise


def _recheck_in_float64(
    first: CheckFailed, result: Any, drawn: dict[str, Any], case: Case, adapter: Adapter, work: Any
) -> None:
    """Before a float mismatch counts, compare against the oracle recomputed in float64.

    An oracle that computes in the input's own precision can be less accurate than the
    library; the mismatch stands only if the float64 value (allowing one rounding to the
    result dtype) disagrees too.
    """
    wide = {k: widen64(v) for k, v in numpy_world(drawn).items()}
    try:
        expected = case.entry.item.oracle.evaluate(numpy_env(wide, case.dtype))  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - the oracle may not accept wider inputs
        raise first from None
    tolerances = tolerances_of(case.entry.item)

    def one(actual: np.ndarray, exp: Any, where: str) -> None:
        exp = np.asarray(exp)
        assert_same_shape(actual, exp.shape, where)
        name = dtype_name(actual.dtype)
        if actual.dtype.kind not in "fc":
            raise first
        rtol, atol = tolerances.get(name) or TOLERANCES.get(name, (0.0, 0.0))
        assert_values(actual, exp, (rtol + eps(actual.dtype), atol), where, work=work)

    try:
        walk(result, expected, one, adapter, "result")
    except CheckFailed as exc:
        if exc is first:
            raise
        raise CheckFailed(f"{first} (the oracle recomputed in float64 disagrees too)") from None


def _variant_result(case: Case, call: Any, result: Any, lib_values: dict[str, Any]) -> Any:
    """For out= and in-place variants, the result must be the tensor written to."""
    target = None
    if case.variant == "out":
        target = lib_values[OUT_NAME]
    elif case.variant == "inplace":
        target = lib_values.get(receiver(case.entry.item.call) or "")
    if target is not None and result is not target:
        raise CheckFailed(f"{case.variant} variant must return the tensor it wrote to")
    return result


def _check_example(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    ex = case.entry.item.examples[case.index or 0]
    trace.call = ex.call.source
    env = library_env(adapter, {}, None)
    result = ex.call.evaluate(env)
    to_np = vocabulary(adapter)["to_np"]
    if ex.type is not None and type(result).__name__ != ex.type:
        raise CheckFailed(
            f"{ex.call.source} returned a {type(result).__name__}, expected {ex.type}"
        )
    if ex.shape is not None:
        shape = tuple(np.asarray(to_np(result)).shape)
        if shape != tuple(ex.shape):
            raise CheckFailed(f"{ex.call.source}: shape {shape} != expected {tuple(ex.shape)}")
    if ex.dtype is not None:
        assert_same_dtype(np.asarray(to_np(result)), ex.dtype, ex.call.source)
    if "expect" in ex.model_fields_set:
        _match_literal(result, ex.expect, adapter, ex.call.source)


def _match_literal(result: Any, expect: Any, adapter: Adapter, what: str) -> None:
    if adapter.is_tensor(result):
        actual = adapter.to_numpy(result)
        assert_values(actual, np.asarray(expect, dtype=_literal_dtype(actual)), None, what)
    elif (
        isinstance(result, (list, tuple))
        and isinstance(expect, list)
        and any(adapter.is_tensor(r) for r in result)
    ):
        if len(result) != len(expect):
            raise CheckFailed(f"{what}: {len(result)} parts != expected {len(expect)}")
        for i, (r, e) in enumerate(zip(result, expect, strict=True)):
            _match_literal(r, e, adapter, f"{what}[{i}]")
    elif not _literal_equal(result, expect):
        raise CheckFailed(f"{what} returned {result!r}, expected {expect!r}")


def _literal_dtype(actual: np.ndarray) -> Any:
    return np.complex128 if actual.dtype.kind == "c" else None


def _literal_equal(result: Any, expect: Any) -> bool:
    if isinstance(expect, (list, tuple)) and isinstance(result, (list, tuple)):
        return len(result) == len(expect) and all(map(_literal_equal, result, expect))
    if isinstance(expect, float) and isinstance(result, float) and np.isnan(expect):
        return bool(np.isnan(result))
    if isinstance(expect, bool) != isinstance(result, bool):
        return False
    try:
        return bool(result == expect)
    except Exception:  # noqa: BLE001 - incomparable means unequal
        return False


def _check_special(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    item = case.entry.item
    record = item.special_values[case.index or 0]
    np_dtype = numpy_dtype(case.dtype or "float32")
    trace.values = {k: np.asarray(v).astype(np_dtype) for k, v in record.values.items()}
    trace.call = item.call.source  # type: ignore[union-attr]
    values = {k: adapter.from_numpy(v) for k, v in trace.values.items()}
    result = item.call.evaluate(library_env(adapter, values, case.dtype))  # type: ignore[union-attr]
    if not adapter.is_tensor(result):
        raise CheckFailed(f"expected a tensor, got {type(result).__name__}")
    assert_special(adapter.to_numpy(result), record.expect, f"{item.name} of {record.values}")


def _check_error(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    err = case.entry.item.errors[case.index or 0]
    trace.call = err.call.source
    env = library_env(adapter, {}, None)
    expect_raises(err.call, env, err.raises, err.match, "error_messages" in adapter.capabilities)


def _check_property(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    prop = next(p for p in case.entry.item.properties if p.name == case.name)
    trace.steps = prop.body
    messages = "error_messages" in adapter.capabilities

    def body(data: st.DataObject) -> None:
        drawn = draw(data, prop.given, case.dtype, trace)
        values = {k: to_library(v, adapter) for k, v in drawn.items()}
        run_steps(prop.body, library_env(adapter, values, case.dtype), messages)

    if prop.given:
        explore_examples(opts, body)
    else:
        run_steps(prop.body, library_env(adapter, {}, case.dtype), messages)


def _check_promotion(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    item = case.entry.item
    sweep = next(s for s in item.promotion if s.name == case.name)
    trace.call = sweep.call.source
    dtypes = sweep_dtypes(sweep, item.dtype_list)
    if "complex" not in adapter.capabilities:  # the combinations it can have
        dtypes = tuple(d for d in dtypes if d not in COMPLEX)
    run_sweep(sweep, dtypes, adapter)


def _check_scenario(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    scenario = next(s for s in case.entry.item.scenarios if s.name == case.name)
    trace.steps = scenario.steps
    run_steps(
        scenario.steps, library_env(adapter, {}, None), "error_messages" in adapter.capabilities
    )


_CHECKS = {
    "contract": _check_call,
    "oracle": _check_call,
    "example": _check_example,
    "special": _check_special,
    "error": _check_error,
    "property": _check_property,
    "scenario": _check_scenario,
    "promotion": _check_promotion,
} | gradients.CHECKS

#: Check tables per entry kind: the shared checks and the kind's own.
_KIND_CHECKS = {
    "nn_module": _CHECKS | modules.CHECKS,
    "optimizer": _CHECKS | trajectories.CHECKS,
    "lr_scheduler": _CHECKS | trajectories.CHECKS,
}


def checks_for(case: Case) -> dict[str, Callable[[Case, Adapter, Settings, Trace], None]]:
    """The check functions of the case's entry kind."""
    return _KIND_CHECKS.get(case.entry.item.kind, _CHECKS)
