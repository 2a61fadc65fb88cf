"""Expected failures are strict: xfailed when they fail, xpassed (a failure) when they pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expectations import Expectation, ExpectationsError, load_expectations
from conformance.session import RunConfig, Session


def _statuses(expectations: list[Expectation], adapter: str = "reference") -> dict[str, str]:
    session = Session.open(RunConfig(adapter=adapter, ops=["torch.gather"]))
    session.expectations = expectations
    return {c.id: session.run(c).status for c in session.cases if c.check == "example"}


def test_xpassed_when_an_expected_failure_passes() -> None:
    found = _statuses(
        [Expectation(item="torch.gather", id="torch.gather[example-0]", reason="believed broken")]
    )
    assert found["torch.gather[example-0]"] == "xpassed"
    assert found["torch.gather[example-1]"] == "passed"


def test_xfailed_when_it_fails() -> None:
    session = Session.open(
        RunConfig(adapter="tests.broken.core:ChunkLikeTensorSplit", ops=["torch.chunk"])
    )
    session.expectations = [Expectation(item="torch.chunk", check="example", reason="known")]
    statuses = {session.run(c).status for c in session.cases if c.check == "example"}
    assert "xfailed" in statuses and "failed" not in statuses


def test_crash_expectations_are_never_run() -> None:
    found = _statuses(
        [Expectation(item="torch.gather", check="example", status="crash", reason="segfaults")]
    )
    assert set(found.values()) == {"skipped"}


def test_version_ranges() -> None:
    exp = Expectation(item="*", reason="r", versions=">=3")
    session = Session.open(RunConfig(adapter="reference", ops=["torch.gather"]))
    assert not exp.matches(session.cases[0], "2.13.0+cpu")
    assert exp.matches(session.cases[0], "3.1")


def test_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("expectations:\n  - item: torch.gather\n    colour: red\n")
    with pytest.raises(ExpectationsError, match="x.yaml"):
        load_expectations(path)


def test_torch_expectations_are_empty() -> None:
    root = Path(__file__).resolve().parents[1]
    assert load_expectations(root / "adapters" / "expectations" / "torch.yaml") == []


def test_flaky_expectations_xfail_failures_and_let_passes_pass() -> None:
    flaky = [Expectation(item="torch.gather", check="example", status="flaky", reason="some")]
    assert set(_statuses(flaky).values()) == {"passed"}
    session = Session.open(
        RunConfig(adapter="tests.broken.core:ChunkLikeTensorSplit", ops=["torch.chunk"])
    )
    session.expectations = [
        Expectation(item="torch.chunk", check="example", status="flaky", reason="known")
    ]
    statuses = {session.run(c).status for c in session.cases if c.check == "example"}
    assert "xfailed" in statuses and not statuses & {"failed", "xpassed"}


def test_a_scenario_expectation_matches_the_variant_results_json_records() -> None:
    session = Session.open(RunConfig(adapter="reference", ops=["torch.no_grad"]))
    scenario = next(c for c in session.cases if c.check == "scenario")
    assert Expectation(item="torch.no_grad", variant="scenario", reason="x").matches(scenario, "1")
