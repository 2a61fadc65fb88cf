"""``torchconform run``, ``merge`` and ``diff``: a run on an adapter, its shards, two runs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from conformance import pool
from conformance.errors import EXIT_INTERNAL, UsageError
from conformance.report import OUTPUT_FILES, REPORT_FILE, write_results
from conformance.results import (
    UNEXPECTED,
    read_results,
    status_changes,
    summary_line,
)
from conformance.session import RunConfig, Session
from conformance.shards import merge_results, parse_shard

SUITE_DIR = Path(__file__).resolve().parent
#: prefix of a run's working folder (then the pid of the torchconform process)
WORKDIR_PREFIX = "torchconform-run-"
REPORTS_DIR = Path("reports")


def cmd_run(args: argparse.Namespace) -> int:
    shard = _parse_shard(args.shard)
    config = RunConfig(args.adapter, args.spec, args.ops, args.profile, args.seed, shard=shard)
    session = Session.open(config)  # validates spec, adapter, selection before anything runs
    out = Path(args.out) if args.out else REPORTS_DIR / session.adapter.name
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    if folders := [name for name in OUTPUT_FILES if _is_folder(out / name)]:
        raise UsageError(f"--out: {out / folders[0]} is a folder")
    jobs = _jobs(args.jobs, len(session.cases), shard is not None)
    _share_cores(jobs)
    _remove_stale_workdirs()
    with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-") as tmp:
        parts = [(k, jobs) for k in range(1, jobs + 1)] if jobs > 1 else [shard]
        argv = _pytest_args(args)
        total = len(session.cases)
        shards = pool.run_shards(argv, Path(tmp), parts, args.timeout, total, args.verbose)
        if shards is None:
            return EXIT_INTERNAL
        if not shards:
            print("torchconform: run interrupted; nothing written", file=sys.stderr)
            return 1
        results = merge_results(shards) if jobs > 1 else shards[0]
        write_results(results, out)
    print(f"torchconform: {session.adapter.name}: {summary_line(results)} -> {out / REPORT_FILE}")
    return 1 if results.summary.unexpected else 0


def cmd_merge(args: argparse.Namespace) -> int:
    shards = [read_results(path) for path in args.results]
    try:
        results = merge_results(shards)
    except ValueError as exc:
        raise UsageError(f"merge: {exc}") from None
    out = Path(args.out)
    write_results(results, out)
    env = results.environment
    print(f"torchconform: {env.adapter}: {summary_line(results)} -> {out / REPORT_FILE}")
    return 1 if results.summary.unexpected else 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Cases whose status changed; exit 1 when one became unexpected (a regression)."""
    changes = status_changes(read_results(args.old), read_results(args.new))
    regressions = [c for c in changes if c[2] in UNEXPECTED and c[1] not in UNEXPECTED]
    if args.json:
        print(json.dumps([dict(zip(("id", "old", "new"), c, strict=True)) for c in changes]))
        return 1 if regressions else 0
    for case_id, old, new in changes:
        print(f"{case_id}: {old or 'absent'} -> {new or 'absent'}")
    print(f"{len(changes)} changed, {len(regressions)} newly unexpected", file=sys.stderr)
    return 1 if regressions else 0


def _share_cores(jobs: int) -> None:
    """Unless told otherwise, each of ``jobs`` processes computes on its share of the cores:
    threads beyond the cores spin against each other (torch's OpenMP, BLAS)."""
    share = max(1, len(os.sched_getaffinity(0)) // jobs)
    if jobs > 1:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(name, str(share))


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    try:
        return parse_shard(text) if text else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _jobs(text: str, cases: int, sharded: bool) -> int:
    """How many processes share the cases: ``auto`` is one per usable core (one for a shard)."""
    if text == "auto":
        return 1 if sharded else max(1, min(len(os.sched_getaffinity(0)), cases))
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--jobs {text!r}: expected a positive integer or auto")
    if sharded and int(text) > 1:
        raise UsageError("--jobs above 1 and --shard exclude each other: run each shard alone")
    return max(1, min(int(text), cases))


def _is_folder(path: Path) -> bool:
    """A real folder (a symlink is replaced, never written through)."""
    return path.is_dir() and not path.is_symlink()


def _remove_stale_workdirs() -> None:
    """Remove the working folders of runs whose process is gone (killed with SIGKILL, which
    leaves no chance to clean up)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        pid = folder.name[len(WORKDIR_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pytest_args(args: argparse.Namespace) -> list[str]:
    argv = [
        str(SUITE_DIR),
        "--adapter",
        args.adapter,
        "--profile",
        args.profile,
        "--seed",
        str(args.seed),
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(SUITE_DIR),
        "-c",
        str(SUITE_DIR / "pytest.ini"),
    ]
    argv += ["-v"] if args.verbose else ["-q", "--no-header", "-rN", "--tb=no"]
    if args.spec:
        argv += ["--spec", args.spec]
    if args.no_shrink:
        argv.append("--no-shrink")
    for pattern in args.ops or []:
        argv += ["--ops", pattern]
    return argv
