"""Run the ordered steps of scenarios and properties against a library environment."""

from __future__ import annotations

import builtins
import re
import threading
import warnings
from typing import Any

from conformance.compare import CheckFailed
from conformance.files import EXCEPTIONS
from spec.expr import Expr
from spec.schema import Step


def expect_raises(
    call: Expr, env: dict[str, Any], error: str, match: str | None, check_message: bool
) -> BaseException:
    """Evaluate ``call`` and require it to raise ``error`` (a builtin exception class name)."""
    wanted = EXCEPTIONS[error] if error in EXCEPTIONS else getattr(builtins, error)
    try:
        value = call.evaluate(env)
    except wanted as exc:
        if check_message and match and not re.search(match, str(exc)):
            raise CheckFailed(
                f"{call.source} raised {error} as expected, but its message {str(exc)!r} "
                f"does not match {match!r}"
            ) from None
        return exc
    except Exception as exc:  # noqa: BLE001 - any other class is the finding
        raise CheckFailed(
            f"{call.source} raised {type(exc).__name__}({exc}) instead of {error}"
        ) from None
    raise CheckFailed(f"{call.source} should raise {error}, but returned {_short(value)}")


def expect_warns(
    call: Expr, env: dict[str, Any], warning: str, match: str | None, check_message: bool
) -> Any:
    """Evaluate ``call`` and require it to emit ``warning``; returns the call's value."""
    wanted = getattr(builtins, warning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call.evaluate(env)
    hits = [w for w in caught if issubclass(w.category, wanted)]
    if not hits:
        seen = [f"{w.category.__name__}: {w.message}" for w in caught]
        raise CheckFailed(f"{call.source} should warn {warning}; warnings seen: {seen}")
    if check_message and match and not any(re.search(match, str(w.message)) for w in hits):
        raise CheckFailed(f"{call.source} warned {warning}, but no message matches {match!r}")
    return value


def run_steps(steps: list[Step], env: dict[str, Any], check_messages: bool) -> None:
    """Run steps in order; a failing check raises :class:`CheckFailed`."""
    for step in steps:
        _run_step(step, env, check_messages)


def _run_step(step: Step, env: dict[str, Any], check_messages: bool) -> None:
    action = step.action
    if action == "let":
        for name, expr in (step.let or {}).items():
            env[name] = expr.evaluate(env)
    elif action == "check":
        value = step.check.evaluate(env)  # type: ignore[union-attr]
        if not bool(value):
            note = f" ({step.message})" if step.message else ""
            raise CheckFailed(f"check failed: {step.check.source}{note}")  # type: ignore[union-attr]
    elif action == "do":
        step.do.evaluate(env)  # type: ignore[union-attr]
    elif action == "raises":
        expect_raises(step.raises, env, step.error, step.match, check_messages)  # type: ignore[arg-type]
    elif action == "warns":
        expect_warns(step.warns, env, step.warning, step.match, check_messages)  # type: ignore[arg-type]
    elif action == "with":
        with step.with_.evaluate(env) as value:  # type: ignore[union-attr]
            if step.as_:
                env[step.as_] = value
            run_steps(step.steps or [], env, check_messages)
    elif action == "thread":
        _in_thread(step.thread or [], env, check_messages)


def _in_thread(steps: list[Step], env: dict[str, Any], check_messages: bool) -> None:
    """Run steps in a fresh thread (for thread-local state); its failure is re-raised here."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            run_steps(steps, env, check_messages)
        except BaseException as exc:  # noqa: BLE001 - carried to the calling thread
            failure.append(exc)

    worker = threading.Thread(target=target, name="torchconform-step")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
