"""``torchconform board``: one HTML page comparing runs of several libraries, item by item."""

from __future__ import annotations

import argparse
import os
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from packaging.version import InvalidVersion, Version

from conformance import atomic
from conformance.errors import UsageError
from conformance.report import (
    REPORT_FILE,
    RESULTS_FILE,
    Counts,
    capability_skips,
    jinja_env,
)
from conformance.results import Case, Results, Section, read_results

BOARD_FILE = "board.html"
BOARD_TEMPLATE = "board.html.j2"


@dataclass
class Run:
    """One run's results and where its report is, as seen from the board's folder."""

    results: Results
    source: Path
    report: str | None
    """The report's address relative to the board's folder; None when there is no report."""

    @property
    def library(self) -> tuple[str, str]:
        """What makes runs one library at several versions: its name and device."""
        env = self.results.environment
        return env.library, env.device

    @cached_property
    def cases(self) -> dict[str, list[Case]]:
        """The run's cases by item name, every item of the run included."""
        by_item: dict[str, list[Case]] = {item.name: [] for item in self.results.items}
        for case in self.results.cases:
            by_item[case.item].append(case)
        return by_item

    @cached_property
    def section_ids(self) -> set[str]:
        return {section.id for section in self.results.sections}

    def link(self, anchor: str) -> str | None:
        """The address of ``anchor`` in this run's report, or None without a report."""
        if self.report is None or not anchor:
            return self.report
        return f"{self.report}#{quote(anchor, safe='')}"


@dataclass
class Trend:
    """A cell's rate beside the same library's rate at its previous version."""

    version: str
    rate: float | None
    now: float | None

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``same``, or ``new`` when either rate is missing."""
        if self.rate is None or self.now is None:
            return "new"
        return "up" if self.now > self.rate else "down" if self.now < self.rate else "same"


@dataclass
class Cell:
    """One item (or section) of one run."""

    counts: Counts | None
    """None when the run did not have the item at all (not selected, another spec)."""
    href: str | None
    lacking: list[tuple[str, int]]
    """Capabilities skipped for and how many cases, most first."""
    trend: Trend | None = None

    @property
    def kind(self) -> str:
        """The cell's style: ``missing``, ``empty``, ``unsupported``, ``skipped`` (nothing
        ran), else by pass rate ``full`` (all passed), ``high`` (90 % or more), ``mid`` (50 %
        or more) or ``low``."""
        if self.counts is None:
            return "missing"
        rate, by = self.counts.pass_rate, self.counts.by_status
        if rate is None:
            if not self.counts.total:
                return "empty"
            return "unsupported" if by.get("unsupported") == self.counts.total else "skipped"
        return "full" if rate == 1 else "high" if rate >= 0.9 else "mid" if rate >= 0.5 else "low"

    @property
    def rate(self) -> float | None:
        return None if self.counts is None else self.counts.pass_rate


@dataclass
class Row:
    """An item (or a section's or the whole runs' total) across the runs."""

    name: str
    kind: str
    cells: list[Cell]


@dataclass
class SectionRows:
    """A section's total row and its items' rows."""

    section: Section
    total: Row
    items: list[Row]


@dataclass
class Board:
    """Everything the board's template shows."""

    runs: list[Run]
    total: Row
    sections: list[SectionRows]

    @property
    def item_count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    def detail(self, run: Run) -> str:
        """What tells ``run`` apart from runs of the same library, version and device
        (adapter, profile and seed), or '' when no other run has those three."""
        env = run.results.environment
        same = [
            r
            for r in self.runs
            if r.library == run.library
            and r.results.environment.library_version == env.library_version
        ]
        return f"{env.adapter}, {env.profile}, seed {env.seed}" if len(same) > 1 else ""


def read_run(path: str, out: Path) -> Run:
    """The run of ``path`` (a results.json or a folder holding one), or a usage error."""
    given = Path(path)
    file = given / RESULTS_FILE if given.is_dir() else given
    if given.is_dir() and not file.exists():
        raise UsageError(f"{path}: a folder without {RESULTS_FILE}")
    results = read_results(str(file), path)
    report = file.parent / REPORT_FILE
    return Run(results, file, _relative(report, out) if report.is_file() else None)


def _relative(target: Path, start: Path) -> str:
    """``target`` as a URL path relative to the folder ``start``."""
    try:
        relative = os.path.relpath(target.resolve(), start.resolve())
    except ValueError:  # another drive
        return target.resolve().as_uri()
    return quote(Path(relative).as_posix())


def _version_key(run: Run) -> tuple[int, Version | str, str]:
    env = run.results.environment
    try:
        return 0, Version(env.library_version), env.started
    except InvalidVersion:
        return 1, env.library_version, env.started


def order_runs(runs: list[Run]) -> list[Run]:
    """Runs grouped by library and device (in order of first appearance), each library's
    runs from the oldest version to the newest (then by start time)."""
    groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in runs:
        groups[run.library].append(run)
    return [run for group in groups.values() for run in sorted(group, key=_version_key)]


def _cell(run: Run, cases: list[Case] | None, anchor: str) -> Cell:
    if cases is None:
        return Cell(None, None, [])
    lacking = [(name, n) for name, n, _ in capability_skips(cases)]
    return Cell(Counts.of(cases), run.link(anchor), lacking)


def _add_trends(runs: list[Run], row: Row) -> None:
    """Give each cell of a library's later version the rate of its previous version (none
    where neither version ran a case of the row)."""
    for i, run in enumerate(runs):
        before = [j for j in range(i) if runs[j].library == run.library]
        earlier = [j for j in before if _differs(runs[j], run)]
        cell = row.cells[i]
        if not earlier or cell.counts is None:
            continue
        prev = earlier[-1]
        if cell.rate is not None or row.cells[prev].rate is not None:
            version = runs[prev].results.environment.library_version
            cell.trend = Trend(version, row.cells[prev].rate, cell.rate)


def _differs(a: Run, b: Run) -> bool:
    return a.results.environment.library_version != b.results.environment.library_version


def _layout(runs: list[Run]) -> tuple[dict[str, Section], dict[str, dict[str, str]]]:
    """The sections of all runs, and per section its items' names and kinds, in the order
    the runs list them (a later run's new ones after the earlier runs')."""
    sections: dict[str, Section] = {}
    items: dict[str, dict[str, str]] = defaultdict(dict)
    for run in runs:
        for section in run.results.sections:
            sections.setdefault(section.id, section)
        for item in run.results.items:
            items[item.section].setdefault(item.name, item.kind)
    return sections, items


def _section_rows(section: Section, items: dict[str, str], runs: list[Run]) -> SectionRows:
    """A section's total row and item rows; a run without the item has a missing cell."""
    rows = [
        Row(name, kind, [_cell(r, r.cases.get(name), name) for r in runs])
        for name, kind in items.items()
    ]
    anchor = f"section-{section.id}"
    totals = [
        _cell(r, [c for name in items for c in r.cases.get(name, [])], anchor)
        if section.id in r.section_ids
        else _cell(r, None, "")
        for r in runs
    ]
    return SectionRows(section, Row(section.title, "section", totals), rows)


def build_board(runs: list[Run]) -> Board:
    """The board of ``runs``: ordered by :func:`order_runs`, sections and items in the order
    the runs list them, and the cells of later versions with their trend."""
    runs = order_runs(runs)
    sections, items = _layout(runs)
    rows = [_section_rows(section, items[sid], runs) for sid, section in sections.items()]
    total = Row("All items", "total", [_cell(run, run.results.cases, "") for run in runs])
    for row in [total, *(r for s in rows for r in (s.total, *s.items))]:
        _add_trends(runs, row)
    return Board(runs, total, rows)


def render_board(board: Board) -> str:
    """The board as one self-contained HTML page."""
    return jinja_env().get_template(BOARD_TEMPLATE).render(board=board)


def cmd_board(args: argparse.Namespace) -> int:
    """Write DIR/board.html from the given runs."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    runs = [read_run(path, out) for path in args.results]
    seen: dict[Path, str] = {}
    for path, run in zip(args.results, runs, strict=True):
        if (key := run.source.resolve()) in seen:
            raise UsageError(f"{path}: the same results as {seen[key]}")
        seen[key] = path
    board = build_board(runs)
    atomic.write_text(out / BOARD_FILE, render_board(board))
    print(
        f"torchconform: board of {len(runs)} runs, {board.item_count} items -> {out}/{BOARD_FILE}"
    )
    return 0
