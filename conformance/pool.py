"""Run a selection's shards side by side, each under its own supervisor, with a progress line.

Each shard is a separate pytest process (``--shard K/N``) watched by
:func:`conformance.supervisor.run`, so a crash or a hang stays one case's result and the other
shards go on. A shard's journals live in its own folder; the progress line counts the finished
outcomes in all of them, and is shown only when stderr is a terminal.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance import supervisor
from conformance.report import RESULTS_FILE
from conformance.results import UNEXPECTED, Results, load_results
from conformance.session import UsageError

#: a shard: (K, N), or None for the whole selection in one process
Part = tuple[int, int] | None
REFRESH_S = 1.0
LOG = "pytest.log"


def run_shards(
    pytest_args: list[str],
    workdir: Path,
    parts: list[Part],
    timeout_s: float,
    total: int,
    verbose: bool = False,
) -> list[Results] | None:
    """Run every part and return their results in order: ``[]`` when the run was interrupted
    or a part wrote nothing, None on an internal error of the suite's process."""
    stop = threading.Event()
    folders = [workdir / (f"shard-{p[0]}" if p else "run") for p in parts]
    progress = Progress(folders, total) if sys.stderr.isatty() and not verbose else None
    with ThreadPoolExecutor(len(parts)) as executor:
        futures = [
            executor.submit(_run_part, pytest_args, folder, part, timeout_s, stop, verbose)
            for folder, part in zip(folders, parts, strict=True)
        ]
        try:
            while not all(f.done() for f in futures):
                time.sleep(0.1)
                if progress:
                    progress.show()
            codes = [f.result() for f in futures]
        except BaseException:
            stop.set()
            raise
        finally:
            if progress:
                progress.close()
    if pytest.ExitCode.USAGE_ERROR in codes:
        raise UsageError(
            f"pytest could not run the suite (exit {int(pytest.ExitCode.USAGE_ERROR)})"
        )
    if any(c == pytest.ExitCode.INTERNAL_ERROR for c in codes):
        print("torchconform: internal error in the suite's process", file=sys.stderr)
        return None
    written = [folder / RESULTS_FILE for folder in folders]
    if pytest.ExitCode.INTERRUPTED in codes or not all(p.exists() for p in written):
        return []
    return [load_results(p) for p in written]


def _run_part(
    pytest_args: list[str],
    folder: Path,
    part: Part,
    timeout_s: float,
    stop: threading.Event,
    verbose: bool,
) -> int:
    folder.mkdir()
    args = [*pytest_args, "--tc-out", str(folder)]
    if part is not None:
        args += ["--shard", f"{part[0]}/{part[1]}"]
    log = None if verbose else folder / LOG
    return supervisor.run(args, folder, timeout_s, stop=stop, log=log)


def _last_line(log: Path) -> str:
    """``: <the last line>`` of a shard's pytest output, to say why it stopped."""
    lines = log.read_text(encoding="utf-8", errors="replace").split("\n") if log.exists() else []
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return f": {last}" if last else ""


class Progress:
    """``done/total cases, N unexpected, about M s left`` on one refreshed terminal line."""

    def __init__(self, folders: list[Path], total: int) -> None:
        self.journals = [f / supervisor.FINISHED for f in folders]
        self.total, self.started, self.last = total, time.monotonic(), 0.0
        self.offsets = [0] * len(folders)
        self.done = self.unexpected = 0

    def show(self) -> None:
        """Read what the shards finished since the last call and redraw the line."""
        now = time.monotonic()
        if now - self.last < REFRESH_S:
            return
        self.last = now
        for i, journal in enumerate(self.journals):
            self._read(i, journal)
        elapsed = now - self.started
        left = elapsed * (self.total - self.done) / self.done if self.done else None
        eta = f", about {left:.0f} s left" if left is not None else ""
        line = f"{self.done}/{self.total} cases, {self.unexpected} unexpected{eta}"
        sys.stderr.write(f"\r\033[K{line}")
        sys.stderr.flush()

    def _read(self, index: int, journal: Path) -> None:
        if not journal.exists():
            return
        with open(journal, "rb") as handle:
            handle.seek(self.offsets[index])
            lines = handle.readlines()
        if lines and not lines[-1].endswith(b"\n"):  # a record being written: next time
            lines.pop()
        self.offsets[index] += sum(len(line) for line in lines)
        for line in lines:
            self.done += 1
            self.unexpected += json.loads(line).get("status") in UNEXPECTED

    def close(self) -> None:
        """Clear the line."""
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
