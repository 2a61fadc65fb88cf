"""The one generated test: each parameter is a spec case (item x variant x dtype x check)."""

from __future__ import annotations

import pytest

from conformance.cases import Case
from conformance.session import Session


def test_api(case: Case, conformance_session: Session) -> None:
    outcome = conformance_session.run(case)
    if outcome.status in ("failed", "error", "xpassed"):
        evidence = f"\n{outcome.counterexample}" if outcome.counterexample else ""
        pytest.fail(f"[{outcome.status}] {outcome.message}{evidence}", pytrace=False)
    if outcome.status == "xfailed":
        pytest.xfail(outcome.expectation["reason"] if outcome.expectation else outcome.message)
    if outcome.status in ("skipped", "blocked", "unsupported"):
        pytest.skip(f"[{outcome.status}] {outcome.message}")
