"""The ``torchconform`` command: ``list`` the spec'd items, ``run`` the suite on an adapter.

Exit status: 0 when nothing failed unexpectedly, 1 when something did, 2 on bad usage or a
bad spec (one line per problem on stderr, nothing written), 3 on an internal error of
torchconform itself, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conformance import supervisor
from conformance.cases import select, unmatched
from conformance.drawing import PROFILES
from conformance.results import STATUSES, Results, load_results
from conformance.session import BOOTSTRAP_SECTION, RunConfig, Session, UsageError
from spec.loader import Entry, Spec, SpecError, load_spec

SUITE_DIR = Path(__file__).resolve().parent
#: prefix of a run's working folder (then the pid of the torchconform process)
WORKDIR_PREFIX = "torchconform-run-"
#: exit statuses beyond 0 (all passed) and 1 (the library failed checks)
EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 130
#: problems of a bad spec printed before "N more problems not shown"
MAX_PROBLEMS_SHOWN = 20
REPORTS_DIR = Path("reports")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="torchconform", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="one record per spec'd API item")
    listing.add_argument("--json", action="store_true", help="JSON records instead of a table")
    listing.add_argument("--spec", help="spec folder instead of the built-in one")
    listing.add_argument("--ops", nargs="+", help="names or fnmatch patterns")
    listing.add_argument(
        "--expand",
        action="store_true",
        help="each entry as validated (its family merged in), as YAML; with --json: 'entry'",
    )
    run = sub.add_parser("run", help="run the suite against an adapter")
    run.add_argument("--adapter", required=True, help="torch, reference, module:attr, entry point")
    run.add_argument("--ops", nargs="+", help="names or fnmatch patterns (torch.nn.*)")
    run.add_argument("--spec", help="spec folder instead of the built-in one")
    run.add_argument("--profile", default="quick", choices=list(PROFILES))
    run.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    run.add_argument("--out", help="output folder (default reports/ADAPTER)")
    run.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds one case may run before it counts as hung (default 300)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's verbose output")
    return parser


def _records(spec: Spec, patterns: list[str] | None) -> list[dict]:
    return [
        {
            "name": e.item.name,
            "section": e.section,
            "kind": e.item.kind,
            "checks": e.item.checks,
            "variants": e.item.tested_variants,
            "dtypes": list(e.item.dtype_list),
            "file": f"{e.file.relative_to(spec.root)}:{e.line}",
        }
        for e in select(spec, patterns)
    ]


def cmd_list(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    if args.ops and (missing := unmatched(spec, args.ops)):
        raise UsageError(f"--ops pattern matches no spec'd item: {', '.join(missing)}")
    records = _records(spec, args.ops)
    if args.json:
        if args.expand:
            for record, entry in zip(records, select(spec, args.ops), strict=True):
                record.update(family=entry.family, entry=entry.data)
        print(json.dumps(records, indent=1, default=str))
        return 0
    if args.expand:
        print("\n".join(_expanded(spec, e) for e in select(spec, args.ops)), end="")
        return 0
    width = max(len(r["name"]) for r in records)
    for r in records:
        checks = ", ".join(r["checks"])
        print(f"{r['section']:<7} {r['name']:<{width}}  {r['kind']:<15} {checks:<50} {r['file']}")
    print(f"{len(records)} items")
    return 0


def _expanded(spec: Spec, entry: Entry) -> str:
    """The entry as YAML (a one-item list, as under ``items:``), after a comment of its origin."""
    origin = f"{entry.file.relative_to(spec.root)}:{entry.line}"
    family = f", family {entry.family}" if entry.family else ""
    text = yaml.dump([entry.data], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)
    return f"# {entry.item.name} ({origin}{family})\n{text}"


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain values: ``variants: [function, method]``."""


_Dumper.add_representer(
    list,
    lambda dumper, data: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", data, flow_style=not any(isinstance(v, dict | list) for v in data)
    ),
)


def cmd_run(args: argparse.Namespace) -> int:
    config = RunConfig(args.adapter, args.spec, args.ops, args.profile, args.seed)
    session = Session.open(config)  # validates spec, adapter, selection before anything runs
    out = Path(args.out) if args.out else REPORTS_DIR / session.adapter.name
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    _remove_stale_workdirs()
    with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-") as tmp:
        code = supervisor.run(_pytest_args(args, Path(tmp)), Path(tmp), args.timeout)
        if code == pytest.ExitCode.USAGE_ERROR:
            raise UsageError(f"pytest could not run the suite (exit {int(code)})")
        if code == pytest.ExitCode.INTERNAL_ERROR:
            print("torchconform: internal error in the suite's process", file=sys.stderr)
            return EXIT_INTERNAL
        if code == pytest.ExitCode.INTERRUPTED or not (Path(tmp) / "results.json").exists():
            print("torchconform: run interrupted; nothing written", file=sys.stderr)
            return 1
        out.mkdir(parents=True, exist_ok=True)
        for name in ("results.json", "report.html"):
            _place(Path(tmp) / name, out / name)
    results = load_results(out / "results.json")
    report = out / "report.html"
    print(f"torchconform: {session.adapter.name}: {_summary_line(results)} -> {report}")
    return 1 if results.summary.unexpected else 0


def _place(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing whatever ``target`` is (a symlink included)
    rather than writing through it, so nothing lands outside ``--out``."""
    if target.is_symlink() or target.exists():
        if target.is_dir() and not target.is_symlink():
            raise UsageError(f"--out: {target} is a folder")
        target.unlink()
    shutil.move(str(source), target)


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


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``timeout``, CI cancellation) and SIGINT end the run alike: the child is killed
    and the working folder removed on the way out."""
    raise KeyboardInterrupt


def _summary_line(results: Results) -> str:
    """Counts of the spec's cases by status, then the bootstrap prerequisites."""
    spec_cases = Counter(c.status for c in results.cases if c.section != BOOTSTRAP_SECTION[0])
    boot = [c.status for c in results.cases if c.section == BOOTSTRAP_SECTION[0]]
    text = ", ".join(f"{spec_cases[s]} {s}" for s in STATUSES if spec_cases[s])
    return f"{text}; bootstrap {boot.count('passed')}/{len(boot)} passed"


def _pytest_args(args: argparse.Namespace, out: Path) -> list[str]:
    argv = [
        str(SUITE_DIR),
        "--adapter",
        args.adapter,
        "--profile",
        args.profile,
        "--seed",
        str(args.seed),
        "--tc-out",
        str(out),
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
    for pattern in args.ops or []:
        argv += ["--ops", pattern]
    return argv


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``torchconform`` console script."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: a background job ignores it
            signal.signal(signum, _terminate)
    try:
        args = _parser().parse_args(argv)
        return cmd_list(args) if args.command == "list" else cmd_run(args)
    except SpecError as exc:
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            print(problem, file=sys.stderr)
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            more = len(exc.problems) - MAX_PROBLEMS_SHOWN
            print(f"torchconform: {more} more problem{'s' * (more > 1)} not shown", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"torchconform: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("torchconform: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug of torchconform, told apart from 1 and 2
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(
            f"torchconform: internal error: {type(exc).__name__}: {exc} "
            f"({Path(where.filename).name}:{where.lineno})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
