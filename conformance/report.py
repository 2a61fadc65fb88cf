"""Render ``results.json`` as a self-contained HTML report."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from conformance import atomic
from conformance.junit import write_junit
from conformance.results import STATUSES, UNEXPECTED, Case, Item, Results, Section, Summary

#: the files a run writes into its output folder
RESULTS_FILE, REPORT_FILE, JUNIT_FILE = "results.json", "report.html", "junit.xml"
OUTPUT_FILES = (RESULTS_FILE, REPORT_FILE, JUNIT_FILE)
TEMPLATE_DIR = Path(__file__).with_name("templates")
TEMPLATE_NAME = "report.html.j2"

ATTENTION = UNEXPECTED | {"blocked"}
"""Statuses whose cases are shown in full (message, counterexample, reproducer)."""

_ORDER = {s: i for i, s in enumerate(("failed", "error", "xpassed", "blocked", "xfailed"))}


@dataclass
class Counts:
    """Cases per status, with helpers for the template."""

    by_status: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, cases: Iterable[Case]) -> Counts:
        """Count ``cases`` per status."""
        counts = Counter(c.status for c in cases)
        return cls({s: counts.get(s, 0) for s in STATUSES})

    @classmethod
    def from_summary(cls, summary: Summary) -> Counts:
        """Counts taken from a run's summary."""
        return cls({s: summary.count(s) for s in STATUSES})

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def unexpected(self) -> int:
        return sum(self.by_status[s] for s in UNEXPECTED)

    @property
    def attention(self) -> int:
        return sum(self.by_status[s] for s in ATTENTION)

    @property
    def pass_rate(self) -> float | None:
        """Passed cases over all cases that were not skipped, or None if there are none."""
        ran = self.total - self.by_status["skipped"]
        return self.by_status["passed"] / ran if ran else None

    def percent(self, status: str) -> float:
        """Share of ``status`` among all cases, in percent (for bar widths)."""
        return 100.0 * self.by_status[status] / self.total if self.total else 0.0


@dataclass
class ItemView:
    """One API item with its cases."""

    item: Item
    counts: Counts
    shown: list[Case]
    xfailed: list[Case]
    skipped: list[Case]


@dataclass
class SectionView:
    """One spec section with its items."""

    section: Section
    counts: Counts
    items: list[ItemView]

    @property
    def anchor(self) -> str:
        return f"section-{self.section.id}"


def _sort_key(case: Case) -> tuple[int, str]:
    return _ORDER.get(case.status, len(_ORDER)), case.id


def _item_view(item: Item, cases: list[Case]) -> ItemView:
    ordered = sorted(cases, key=_sort_key)
    return ItemView(
        item=item,
        counts=Counts.of(cases),
        shown=[c for c in ordered if c.status in ATTENTION],
        xfailed=[c for c in ordered if c.status == "xfailed"],
        skipped=[c for c in ordered if c.status == "skipped"],
    )


def build_sections(results: Results) -> list[SectionView]:
    """Group the items and cases of ``results`` by section, in file order."""
    cases_by_item: dict[str, list[Case]] = defaultdict(list)
    for case in results.cases:
        cases_by_item[case.item].append(case)
    items_by_section: dict[str, list[ItemView]] = defaultdict(list)
    for item in results.items:
        items_by_section[item.section].append(_item_view(item, cases_by_item[item.name]))
    views = []
    for section in results.sections:
        items = items_by_section[section.id]
        section_cases = [c for view in items for c in cases_by_item[view.item.name]]
        views.append(SectionView(section, Counts.of(section_cases), items))
    return views


def _format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _format_rate(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f}%"


def _jinja_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["seconds"] = _format_seconds
    env.filters["rate"] = _format_rate
    return env


def render_report(results: Results) -> str:
    """Return the HTML report of ``results`` as one self-contained page."""
    template = _jinja_env().get_template(TEMPLATE_NAME)
    return template.render(
        results=results,
        env=results.environment,
        counts=Counts.from_summary(results.summary),
        sections=build_sections(results),
        statuses=STATUSES,
        unexpected_statuses=[s for s in STATUSES if s in UNEXPECTED],
    )


def write_results(results: Results, out: Path) -> None:
    """Write ``results.json``, ``report.html`` and ``junit.xml`` into ``out``, each atomically."""
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / RESULTS_FILE, json.dumps(results.model_dump(mode="json"), indent=1))
    write_report(results, out / REPORT_FILE)
    write_junit(results, out / JUNIT_FILE)


def write_report(results: Results, path: Path) -> None:
    """Write the report to ``path`` atomically (temp file in the same folder, then replace)."""
    atomic.write_text(Path(path), render_report(results))
