"""Run the suite in a child process, so a crash or a hang in the library under test becomes
that case's result and the run goes on.

The child (pytest with the conformance plugin) writes each case id to a journal before running
it, and each finished case's outcome to a second journal after.  When the child dies from a
signal, or the journal stands still longer than the per-case timeout, the last case started is
recorded as ``error`` (crashed or hung) and the suite is started again: every case already
finished or crashed is answered from the journals, so no case runs twice and however many
cases crash, each stays one result.

The child dies with its parent (``PR_SET_PDEATHSIG`` on Linux, and a kill of its process
group when the parent is interrupted or terminated), and keeps its temporary files and
hypothesis's storage inside the run's working folder, which the caller removes.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

STARTUP_S = 300.0  # importing, loading the spec and collecting, before the first case
JOURNAL = "journal.txt"
FINISHED = "finished.jsonl"
CRASHED = "crashed.json"
_PR_SET_PDEATHSIG = 1


def last_started(journal: Path) -> str | None:
    """The id of the last case the child began."""
    if not journal.exists():
        return None
    lines = journal.read_text(encoding="utf-8").splitlines()
    return lines[-1] if lines else None


def _wait(
    proc: subprocess.Popen, journal: Path, timeout_s: float, stop: threading.Event | None
) -> str | None:
    """Wait for the child; kill it when one case runs longer than ``timeout_s``, and raise
    KeyboardInterrupt when ``stop`` is set (another shard's run was interrupted)."""
    seen, since = None, time.monotonic()
    while proc.poll() is None:
        time.sleep(0.2)
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt
        current = journal.stat().st_mtime_ns if journal.exists() else None
        limit = timeout_s if current is not None else max(timeout_s, STARTUP_S)
        if current != seen:
            seen, since = current, time.monotonic()
        elif time.monotonic() - since > limit:
            _kill(proc)
            return f"hung: no result within {limit:g} s; the process was killed"
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        return f"crashed: the process died from {name}"
    return None


def _kill(proc: subprocess.Popen) -> None:
    """Kill the child's whole process group and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _die_with_parent() -> None:
    """In the child, before exec: be killed when the parent dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _child_env(workdir: Path) -> dict[str, str]:
    """The child's environment: temporary files and hypothesis's storage in ``workdir``."""
    scratch = workdir / "tmp"
    scratch.mkdir(exist_ok=True)
    return {
        **os.environ,
        "TMPDIR": str(scratch),
        "HYPOTHESIS_STORAGE_DIRECTORY": str(workdir / "hypothesis"),
    }


def run(
    pytest_args: list[str],
    workdir: Path,
    timeout_s: float,
    stop: threading.Event | None = None,
    log: Path | None = None,
) -> int:
    """Run pytest until it finishes without crashing; returns its exit status. Its output goes
    to ``log`` when given (appended across restarts), else to this process's."""
    journal, crashed_file = workdir / JOURNAL, workdir / CRASHED
    finished = workdir / FINISHED
    crashed: dict[str, str] = {}
    args = [*pytest_args, "--tc-journal", str(journal), "--tc-crashed", str(crashed_file)]
    args += ["--tc-finished", str(finished), "--tc-started", datetime.now(UTC).isoformat()]
    env = _child_env(workdir)
    while True:
        crashed_file.write_text(json.dumps(crashed), encoding="utf-8")
        journal.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "pytest", "-p", "no:faulthandler", "-p", "no:benchmark"]
        with open(log, "a", encoding="utf-8") if log else contextlib.nullcontext() as out:
            proc = subprocess.Popen(
                [*cmd, *args],
                start_new_session=True,
                preexec_fn=_die_with_parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
            )
        try:
            failure = _wait(proc, journal, timeout_s, stop)
        except BaseException:  # interrupted or terminated: the child goes too
            _kill(proc)
            raise
        culprit = last_started(journal)
        if failure is None:
            return proc.returncode
        if culprit is None or culprit in crashed:
            where = f"again in {culprit}" if culprit else "before the first case"
            print(f"torchconform: the suite {failure.split(':')[0]} {where}", file=sys.stderr)
            return 1
        print(f"torchconform: {culprit}: {failure}; running the rest", file=sys.stderr)
        crashed[culprit] = failure
