"""Starts the whole-spec runs of tests/test_suite_passes.py when the session begins, so that
they use the other cores while the rest of the tests run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITE_TESTS = "tests/test_suite_passes.py"

#: adapter -> (the running ``torchconform run``, its output folder)
RUNS: dict[str, tuple[subprocess.Popen, Path]] = {}


def start_run(adapter: str) -> tuple[subprocess.Popen, Path]:
    """``python -m conformance.cli run --adapter ADAPTER`` in the background."""
    out = Path(tempfile.mkdtemp(prefix=f"torchconform-{adapter}-"))
    with open(out / "run.log", "w", encoding="utf-8") as log:
        argv = ["-m", "conformance.cli", "run", "--adapter", adapter, "--out", str(out)]
        proc = subprocess.Popen(
            [sys.executable, *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    RUNS[adapter] = (proc, out)
    return RUNS[adapter]


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(item.nodeid.startswith(SUITE_TESTS) for item in session.items):
        return
    for adapter in ("torch", "reference"):
        if adapter == "torch" and importlib.util.find_spec("torch") is None:
            continue
        start_run(adapter)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for proc, _ in RUNS.values():
        if proc.poll() is None:
            proc.kill()
