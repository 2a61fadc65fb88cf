"""Starts the whole-spec runs of tests/test_suite_passes.py when the session begins, so that
they use the other cores while the rest of the tests run.

The tests and the two runs share the machine's cores, so torch computes on one thread in
each: with torch's default of a thread per core, its OpenMP threads spin against each other
(measured on 2 cores beside two busy processes: InstanceNorm3d and GroupNorm took 159 s with
the default threads, 38 s with one). Results do not depend on it; speed does.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before torch loads, here and in the runs started below
if "torch" in sys.modules:
    sys.modules["torch"].set_num_threads(1)

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
