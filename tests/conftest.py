"""Starts the whole-spec runs of tests/test_suite_passes.py when the session begins, so that
they use the other cores while the rest of the tests run (in this process, or in
pytest-xdist's workers: the main process starts the runs, the workers wait for their files).

The tests and the two runs share the machine's cores, so torch computes on one thread in
each: with torch's default of a thread per core, its OpenMP threads spin against each other
(measured on 2 cores beside two busy processes: InstanceNorm3d and GroupNorm took 159 s with
the default threads, 38 s with one). Results do not depend on it; speed does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from conformance.atomic import write_text

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before torch loads, here and in the runs started below
if "torch" in sys.modules:
    sys.modules["torch"].set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]
SUITE_TESTS = "tests/test_suite_passes.py"
ADAPTERS = ("torch", "reference")
#: the folder holding one output folder per whole-spec run, shared with pytest-xdist's workers
RUNS_DIR = pytest.StashKey[Path]()
WORKER_KEY = "torchconform_runs_dir"
#: the runs this process started: their exit statuses land in ``OUT/rc`` when they end
STARTED: list[subprocess.Popen] = []


def start_run(adapter: str, runs_dir: Path) -> Path:
    """``python -m conformance.cli run --adapter ADAPTER`` in the background, into
    ``runs_dir/ADAPTER``; a thread writes its exit status to ``rc`` there when it ends."""
    out = runs_dir / adapter
    out.mkdir(parents=True)
    with open(out / "run.log", "w", encoding="utf-8") as log:
        argv = ["-m", "conformance.cli", "run", "--adapter", adapter, "--out", str(out)]
        proc = subprocess.Popen(
            [sys.executable, *argv, "--jobs", "1"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    STARTED.append(proc)
    done = threading.Thread(target=lambda: write_text(out / "rc", str(proc.wait())), daemon=True)
    done.start()
    return out


def runs_dir(config: pytest.Config) -> Path:
    """The whole-spec runs' folder: made by the main process, told to xdist's workers."""
    workerinput = getattr(config, "workerinput", None)
    return Path(workerinput[WORKER_KEY]) if workerinput else config.stash[RUNS_DIR]


def _start_all(config: pytest.Config) -> None:
    folder = config.stash[RUNS_DIR]
    for adapter in ADAPTERS:
        if adapter == "torch" and importlib.util.find_spec("torch") is None:
            continue
        if not (folder / adapter).exists():
            start_run(adapter, folder)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.stash[RUNS_DIR] = Path(tempfile.mkdtemp(prefix="torchconform-tests-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the main process: tell each worker where the runs write."""
    node.workerinput[WORKER_KEY] = str(node.config.stash[RUNS_DIR])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Without xdist: start the runs as soon as the selection includes the suite's tests."""
    if hasattr(session.config, "workerinput"):
        return
    if any(item.nodeid.startswith(SUITE_TESTS) for item in session.items):
        _start_all(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """With xdist, in the main process: the same, once a worker has collected."""
    if any(i.startswith(SUITE_TESTS) for i in ids):
        _start_all(node.config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for proc in STARTED:
        if proc.poll() is None:
            proc.kill()
    if RUNS_DIR in session.config.stash:  # kept when runs wrote there: their logs and results
        with contextlib.suppress(OSError):
            session.config.stash[RUNS_DIR].rmdir()
