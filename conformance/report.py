"""Render ``results.json`` as a self-contained HTML report."""

from __future__ import annotations

import json
import re
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

FAILURES = ("failed", "error", "blocked")
"""Statuses whose cases are grouped by cause (the library's failures)."""

NOT_RUN = ("skipped", "unsupported")
"""Statuses left out of the pass rate: nothing of the library was checked."""

CAPABILITY_SKIP = "the adapter does not claim "
"""How the message of a case skipped for missing capabilities starts (then their names)."""

_ORDER = {s: i for i, s in enumerate(("failed", "error", "xpassed", "blocked", "xfailed"))}
#: numbers (decimal, scientific, hexadecimal), nan and inf, not inside a word such as float32
_VALUE = re.compile(
    r"(?<![\w.])[-+]?(?:0x[0-9a-f]+|(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf)(?![\w])",
    re.IGNORECASE,
)
#: a list of masked values, or one in brackets: collapsed until nothing changes
_VALUES = re.compile(r"…(?:,\s*…)+,?|\[\s*…\s*\]|(?<!\w)\(\s*…\s*,?\s*\)")


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
    def ran(self) -> int:
        """Cases that checked something: neither skipped nor unsupported."""
        return self.total - sum(self.by_status.get(s, 0) for s in NOT_RUN)

    @property
    def pass_rate(self) -> float | None:
        """Passed cases over the cases that ran, or None if none ran."""
        return self.by_status["passed"] / self.ran if self.ran else None

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
    unsupported: list[Case]
    passed: list[Case]

    @property
    def absent(self) -> str:
        """Why the library lacks the item (its unsupported cases' messages), or ''."""
        return "; ".join(dict.fromkeys(c.message for c in self.unsupported))


@dataclass
class CauseGroup:
    """Failing cases whose messages are the same once their values are masked."""

    cause: str
    cases: list[Case]

    @property
    def items(self) -> list[tuple[str, int]]:
        """The items of the cases and how many cases each has here, in case order."""
        return list(Counter(c.item for c in self.cases).items())

    @property
    def statuses(self) -> list[tuple[str, int]]:
        """How many cases of each status the group has, in status order."""
        counts = Counter(c.status for c in self.cases)
        return [(s, counts[s]) for s in STATUSES if counts[s]]


@dataclass
class Lacks:
    """What the library does not have: absent items, missing capabilities, other skips."""

    unsupported: list[ItemView]
    capabilities: list[tuple[str, int, int]]
    """(capability, skipped cases, items), most skipped cases first."""
    other_skips: list[CauseGroup]

    def __bool__(self) -> bool:
        return bool(self.unsupported or self.capabilities or self.other_skips)


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
        unsupported=[c for c in cases if c.status == "unsupported"],
        passed=[c for c in cases if c.status == "passed"],
    )


def case_anchor(case_id: str) -> str:
    """The report's anchor of a case: ``case-`` and its id with every character outside
    ``[A-Za-z0-9._-]`` written ``~xx`` (its UTF-8 bytes in hex), so distinct ids stay distinct."""
    escaped = re.sub(
        r"[^A-Za-z0-9._-]", lambda m: "".join(f"~{b:02x}" for b in m[0].encode()), case_id
    )
    return f"case-{escaped}"


def mask_values(message: str) -> str:
    """``message`` with numbers, nan and inf written ``…`` and lists of them one ``…``."""
    masked = _VALUE.sub("…", message)
    while (shorter := _VALUES.sub("…", masked)) != masked:
        masked = shorter
    return masked


def group_causes(cases: Iterable[Case]) -> list[CauseGroup]:
    """``cases`` grouped by their masked message, largest groups first (then by cause)."""
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[mask_values(case.message.strip()) or "(no message)"].append(case)
    return sorted(
        (CauseGroup(cause, members) for cause, members in groups.items()),
        key=lambda g: (-len(g.cases), g.cause),
    )


def failure_causes(results: Results) -> list[CauseGroup]:
    """The failed, error and blocked cases of ``results`` grouped by cause."""
    return group_causes(c for c in results.cases if c.status in FAILURES)


def capability_skips(cases: Iterable[Case]) -> list[tuple[str, int, int]]:
    """(capability, cases, items) for the cases skipped because the adapter lacks a
    capability, most cases first; a case lacking two capabilities counts for each."""
    per_case: Counter[str] = Counter()
    items: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        if case.status == "skipped" and case.message.startswith(CAPABILITY_SKIP):
            for capability in case.message.removeprefix(CAPABILITY_SKIP).split(", "):
                per_case[capability] += 1
                items[capability].add(case.item)
    return [(c, n, len(items[c])) for c, n in sorted(per_case.items(), key=lambda x: -x[1])]


def lacks(results: Results, sections: list[SectionView]) -> Lacks:
    """What the library of ``results`` does not have, for the report's summary."""
    other = (
        c
        for c in results.cases
        if c.status == "skipped" and not c.message.startswith(CAPABILITY_SKIP)
    )
    return Lacks(
        unsupported=[iv for sv in sections for iv in sv.items if iv.unsupported],
        capabilities=capability_skips(results.cases),
        other_skips=group_causes(other),
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


def jinja_env() -> Environment:
    """The templates' environment: autoescaped, strict, with the report's filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["seconds"] = _format_seconds
    env.filters["rate"] = _format_rate
    env.filters["anchor"] = case_anchor
    return env


def render_report(results: Results) -> str:
    """Return the HTML report of ``results`` as one self-contained page."""
    template = jinja_env().get_template(TEMPLATE_NAME)
    sections = build_sections(results)
    return template.render(
        results=results,
        env=results.environment,
        counts=Counts.from_summary(results.summary),
        sections=sections,
        causes=failure_causes(results),
        lacks=lacks(results, sections),
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
