"""Run the suite in a child process, so a crash or a hang in the library under test becomes
that case's result and the run goes on.

The child (pytest with the conformance plugin) writes each case id to a journal before running
it.  When the child dies from a signal, or the journal stands still longer than the per-case
timeout, the last case started is recorded as ``error`` (crashed or hung) and the suite is run
again with that case answered from the record instead of run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MAX_RESTARTS = 25
STARTUP_S = 300.0  # importing, loading the spec and collecting, before the first case
JOURNAL = "journal.txt"
CRASHED = "crashed.json"


def last_started(journal: Path) -> str | None:
    """The id of the last case the child began."""
    if not journal.exists():
        return None
    lines = journal.read_text(encoding="utf-8").splitlines()
    return lines[-1] if lines else None


def _wait(proc: subprocess.Popen, journal: Path, timeout_s: float) -> str | None:
    """Wait for the child; kill it when one case runs longer than ``timeout_s``."""
    seen, since = None, time.monotonic()
    while proc.poll() is None:
        time.sleep(0.2)
        current = journal.stat().st_mtime_ns if journal.exists() else None
        limit = timeout_s if current is not None else max(timeout_s, STARTUP_S)
        if current != seen:
            seen, since = current, time.monotonic()
        elif time.monotonic() - since > limit:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return f"hung: no result within {limit:g} s; the process was killed"
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        return f"crashed: the process died from {name}"
    return None


def run(pytest_args: list[str], workdir: Path, timeout_s: float) -> int:
    """Run pytest until it finishes without crashing; returns its exit status."""
    journal, crashed_file = workdir / JOURNAL, workdir / CRASHED
    crashed: dict[str, str] = {}
    args = [*pytest_args, "--tc-journal", str(journal), "--tc-crashed", str(crashed_file)]
    for _ in range(MAX_RESTARTS + 1):
        crashed_file.write_text(json.dumps(crashed), encoding="utf-8")
        journal.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "pytest", "-p", "no:faulthandler", *args]
        proc = subprocess.Popen(cmd, start_new_session=True)
        try:
            failure = _wait(proc, journal, timeout_s)
        except KeyboardInterrupt:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        culprit = last_started(journal)
        if failure is None:
            return proc.returncode
        if culprit is None or culprit in crashed:
            where = f"again in {culprit}" if culprit else "before the first case"
            print(f"torchconform: the suite {failure.split(':')[0]} {where}", file=sys.stderr)
            return 1
        print(f"torchconform: {culprit}: {failure}; running the rest again", file=sys.stderr)
        crashed[culprit] = failure
    return 1
