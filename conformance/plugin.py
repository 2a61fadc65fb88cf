"""The pytest plugin (entry point ``pytest11: torchconform``): with ``--adapter NAME``, the
conformance tests (``pytest --pyargs conformance --adapter NAME``, from any folder) run the
cases the spec generates. Without ``--adapter`` it stays out of the way of other test runs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from conformance.results import summary_line
from conformance.session import RunConfig, Session, UsageError
from conformance.shards import parse_shard
from spec.loader import SpecError

SESSION = pytest.StashKey[Session]()
#: the one generated test's module
SUITE_MODULE = Path(__file__).with_name("test_api.py")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torchconform")
    group.addoption("--adapter", help="adapter name, module:attr, or entry point (required)")
    group.addoption("--ops", action="append", help="item names or fnmatch patterns (repeatable)")
    group.addoption("--spec", help="spec folder instead of the built-in one")
    group.addoption("--profile", default="quick", help="quick, standard or thorough")
    group.addoption("--seed", type=int, default=0, help="hypothesis seed (recorded in results)")
    group.addoption(
        "--no-shrink",
        action="store_true",
        help="report the first failing example instead of shrinking it (a faster first survey)",
    )
    group.addoption("--shard", help="K/N: run only shard K of N (merge with torchconform merge)")
    group.addoption("--tc-out", help="folder for results.json and report.html")
    group.addoption("--tc-journal", help="file to append each case id to before it runs")
    group.addoption("--tc-crashed", help="JSON file: case id -> why it crashed (not run again)")
    group.addoption("--tc-finished", help="JSON lines: outcomes of finished cases (not run again)")
    group.addoption("--tc-started", help="ISO time the run began (before any restart)")


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--adapter")
    if not name:
        return
    try:
        shard = parse_shard(config.getoption("--shard")) if config.getoption("--shard") else None
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    run = RunConfig(
        adapter=name,
        spec_dir=config.getoption("--spec"),
        ops=config.getoption("--ops"),
        profile=config.getoption("--profile"),
        seed=config.getoption("--seed"),
        shard=shard,
        shrink=not config.getoption("--no-shrink"),
    )
    try:
        session = Session.open(run)
    except (UsageError, SpecError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("--tc-started"):
        session.started = datetime.fromisoformat(config.getoption("--tc-started"))
    if config.getoption("--tc-crashed"):
        session.crashed = json.loads(Path(config.getoption("--tc-crashed")).read_text())
    if config.getoption("--tc-journal"):
        finished = config.getoption("--tc-finished")
        session.follow(Path(config.getoption("--tc-journal")), Path(finished) if finished else None)
    config.stash[SESSION] = session


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames and Path(metafunc.module.__file__) == SUITE_MODULE:
        if SESSION not in metafunc.config.stash:
            raise pytest.UsageError("--adapter is required (e.g. --adapter torch)")
        cases = metafunc.config.stash[SESSION].cases
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


@pytest.fixture(scope="session")
def conformance_session(request: pytest.FixtureRequest) -> Session:
    return request.config.stash[SESSION]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The run's counts as the report and ``torchconform run`` give them (bootstrap included)."""
    run = terminalreporter.config.stash.get(SESSION, None)
    if run is not None and run.outcomes:
        line = summary_line(run.results())
        terminalreporter.write_line(f"torchconform: {run.adapter.name}: {line}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = session.config.getoption("--tc-out")
    run = session.config.stash.get(SESSION, None)
    ran = run is not None and (run.outcomes or run.config.shard)  # a shard may be empty
    if out and ran and exitstatus != pytest.ExitCode.INTERRUPTED:
        run.write(Path(out))
    if run is not None:
        run.close()
