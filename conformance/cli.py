"""The ``torchconform`` command: ``list`` the spec'd items; ``run``, ``merge`` and ``diff``
(in :mod:`conformance.runs`) run the suite on an adapter and compare runs; ``board``
(in :mod:`conformance.board`) puts several runs side by side; ``opinfo`` (in
:mod:`conformance.opinfo_command`) runs PyTorch's own sample inputs through a library.

Exit status: 0 when nothing failed unexpectedly, 1 when something did, 2 on bad usage or a
bad spec (one line per problem on stderr, nothing written), 3 on an internal error of
torchconform itself, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError
from conformance.profiles import PROFILES
from spec.files import BUILTIN_DIR, SpecError

if TYPE_CHECKING:  # the spec's models are loaded when a command needs them
    import yaml

    from spec.loader import Entry, Spec

#: problems of a bad spec printed before "N more problems not shown"
MAX_PROBLEMS_SHOWN = 20


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
    listing.add_argument(
        "--reach",
        action="store_true",
        help="the kinds of value and dtype combinations the generators draw (with --json: 'reach')",
    )
    listing.add_argument("--profile", default="quick", choices=list(PROFILES), help="for --reach")
    listing.add_argument("--seed", type=int, default=0, help="for --reach")
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
    run.add_argument(
        "--jobs",
        default="auto",
        help="processes running shards of the cases side by side (default auto: one per core)",
    )
    run.add_argument("--shard", help="K/N: run only shard K of N (join them with merge)")
    run.add_argument(
        "--no-shrink",
        action="store_true",
        help="report the first failing example instead of shrinking it (faster on a new library)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="pytest's verbose output")
    merge = sub.add_parser("merge", help="join the results.json of a run's shards")
    merge.add_argument("results", nargs="+", help="results.json of every shard")
    merge.add_argument("--out", required=True, help="output folder")
    diff = sub.add_parser("diff", help="the cases whose status changed between two runs")
    diff.add_argument("old", help="results.json of the earlier run")
    diff.add_argument("new", help="results.json of the later run")
    diff.add_argument("--json", action="store_true", help="JSON records instead of lines")
    opinfo = sub.add_parser(
        "opinfo", help="PyTorch's own OpInfo sample inputs through a library, beside torch"
    )
    opinfo.add_argument("--adapter", required=True, help="as for run")
    opinfo.add_argument("--ops", nargs="+", help="names or fnmatch patterns of spec'd items")
    opinfo.add_argument("--spec", help="spec folder instead of the built-in one")
    opinfo.add_argument(
        "--all", action="store_true", help="every op of the database the library has, spec'd or not"
    )
    opinfo.add_argument("--out", help="output folder for opinfo.json (default reports/ADAPTER)")
    board = sub.add_parser("board", help="one HTML page comparing runs of several libraries")
    board.add_argument("results", nargs="+", help="results.json files, or folders holding one")
    board.add_argument("--out", required=True, help="output folder (gets board.html)")
    return parser


def _records(spec: Spec, patterns: list[str] | None) -> list[dict]:
    from conformance.cases import select

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
    """``list``: the command line's listings are kept and found again (``list_cache``)."""
    if args.reach:
        return _list_reach(_loaded(args), args)
    if not args.cache:
        print(_listing(args), end="")
        return 0
    from conformance import list_cache

    options = {name: getattr(args, name) for name in ("json", "ops", "expand")}
    key = list_cache.key(Path(args.spec) if args.spec else BUILTIN_DIR, options)
    output = list_cache.lookup(key) if key else None
    if output is None:
        output = _listing(args)
        if key:
            list_cache.store(key, output)
    print(output, end="")
    return 0


def _loaded(args: argparse.Namespace) -> Spec:
    """The spec ``--spec`` names (the built-in one by default), checked against ``--ops``."""
    from conformance.cases import unmatched
    from spec.loader import load_spec

    spec = load_spec(args.spec)
    if args.ops and (missing := unmatched(spec, args.ops)):
        raise UsageError(f"--ops pattern matches no spec'd item: {', '.join(missing)}")
    return spec


def _listing(args: argparse.Namespace) -> str:
    """What ``list`` prints (but ``--reach``): a table, JSON records, or expanded entries."""
    from conformance.cases import select

    spec = _loaded(args)
    records = _records(spec, args.ops)
    if args.json:
        if args.expand:
            for record, entry in zip(records, select(spec, args.ops), strict=True):
                record.update(family=entry.family, entry=entry.data)
        return json.dumps(records, indent=1, default=str) + "\n"
    if args.expand:
        return "\n".join(_expanded(spec, e) for e in select(spec, args.ops))
    width = max(len(r["name"]) for r in records)
    lines = [
        f"{r['section']:<7} {r['name']:<{width}}  {r['kind']:<15} "
        f"{', '.join(r['checks']):<50} {r['file']}"
        for r in records
    ]
    return "\n".join([*lines, f"{len(records)} items", ""])


def _list_reach(spec: Spec, args: argparse.Namespace) -> int:
    """``list --reach``: what each entry's generators draw at the profile and seed."""
    from conformance.cases import select
    from conformance.drawing import Settings
    from conformance.reach import describe, reach

    records = _records(spec, args.ops)
    settings = Settings(PROFILES[args.profile], args.seed)
    for record, entry in zip(records, select(spec, args.ops), strict=True):
        record["reach"] = reach(entry, settings)
        if not args.json:
            print("\n".join(describe(record["name"], record["reach"])))
    if args.json:
        print(json.dumps(records, indent=1))
    return 0


def _expanded(spec: Spec, entry: Entry) -> str:
    """The entry as YAML (a one-item list, as under ``items:``), after a comment of its origin."""
    import yaml

    origin = f"{entry.file.relative_to(spec.root)}:{entry.line}"
    family = f", family {entry.family}" if entry.family else ""
    dumper = _dumper()
    text = yaml.dump([entry.data], Dumper=dumper, sort_keys=False, allow_unicode=True, width=10**6)
    return f"# {entry.item.name} ({origin}{family})\n{text}"


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    """Block style, except lists of plain values: ``variants: [function, method]``."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(
        list,
        lambda dumper, data: dumper.represent_sequence(
            "tag:yaml.org,2002:seq",
            data,
            flow_style=not any(isinstance(v, dict | list) for v in data),
        ),
    )
    return Dumper


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``timeout``, CI cancellation) and SIGINT end the run alike: the child is killed
    and the working folder removed on the way out."""
    raise KeyboardInterrupt


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function of a subcommand; the others than listing load their modules only then."""
    if name == "list":
        return cmd_list
    if name == "board":
        from conformance.board import cmd_board

        return cmd_board
    if name == "opinfo":
        from conformance.opinfo_command import cmd_opinfo

        return cmd_opinfo
    from conformance import runs

    return {"run": runs.cmd_run, "merge": runs.cmd_merge, "diff": runs.cmd_diff}[name]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``torchconform`` console script (``argv`` None: the process's own
    command line, and the process ends when it returns)."""
    if argv is None and sys.argv[1:2] == ["list"]:
        # a listing allocates the loaded spec (600,000 objects, no cycles) and exits: the
        # collector would only go through them again, twice, once loading re-enables it
        gc.disable()
    code = _main(argv)
    if argv is None:
        # what is alive now lives until the exit: frozen, the collector does not go through
        # it again while the interpreter shuts down (a second with the spec loaded)
        gc.freeze()
    return code


def _main(argv: list[str] | None) -> int:
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: a background job ignores it
            signal.signal(signum, _terminate)
    try:
        args = _parser().parse_args(argv)
        args.cache = argv is None  # the command line's listings are kept (conformance.list_cache)
        return _command(args.command)(args)
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
