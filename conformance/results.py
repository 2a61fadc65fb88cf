"""Pydantic models of ``results.json`` (mirrors ``conformance/results.schema.json``)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from conformance.errors import UsageError

SCHEMA_VERSION = 3
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")

Status = Literal[
    "passed", "failed", "error", "skipped", "xfailed", "xpassed", "blocked", "unsupported"
]
Variant = Literal["function", "method", "inplace", "out", "scenario", "train", "eval"]

STATUSES: tuple[str, ...] = get_args(Status)
UNEXPECTED = {"failed", "error", "xpassed"}
"""Statuses that make a run fail."""

Name = Annotated[str, Field(min_length=1)]
Seconds = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Environment(_Model):
    """Where and how the run happened."""

    adapter: Name
    library: Name
    library_version: str
    device: Name
    seed: int
    profile: Name
    python: str
    platform: str
    torchconform_version: str
    spec: Name
    ops: list[str] | None
    shard: str | None = Field(pattern=r"^[1-9][0-9]*/[1-9][0-9]*$")
    started: str = Field(json_schema_extra={"format": "date-time"})
    duration_s: Seconds

    @field_validator("started")
    @classmethod
    def _check_started(cls, value: str) -> str:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from exc
        if parsed.tzinfo is None:
            raise ValueError(f"timestamp has no UTC offset: {value!r}")
        return value


class Summary(_Model):
    """Number of cases per status; ``total`` is their sum."""

    passed: Count
    failed: Count
    error: Count
    skipped: Count
    xfailed: Count
    xpassed: Count
    blocked: Count
    unsupported: Count
    total: Count

    @model_validator(mode="after")
    def _check_total(self) -> Summary:
        if self.total != sum(self.count(s) for s in STATUSES):
            raise ValueError(f"summary total {self.total} is not the sum of the status counts")
        return self

    def count(self, status: str) -> int:
        """Cases with ``status``."""
        return int(getattr(self, status))

    @property
    def unexpected(self) -> int:
        """Cases whose status makes the run fail (failed, error, xpassed)."""
        return sum(self.count(s) for s in UNEXPECTED)


class Section(_Model):
    """A section of the spec."""

    id: Name
    title: str


class Item(_Model):
    """An API item (function, method, class...) under test."""

    name: Name
    section: Name
    kind: Name
    checks: list[str]


class Expectation(_Model):
    """The expectations-file entry that matched a case."""

    reason: str
    status: Literal["xfail"]


class Case(_Model):
    """One check of one item in one variant and dtype."""

    id: Name
    item: Name
    section: Name
    variant: Variant | None
    dtype: str | None
    check: Name
    status: Status
    message: str
    counterexample: str | None
    reproducer: str | None
    expectation: Expectation | None
    duration_s: Seconds


class Results(_Model):
    """The whole ``results.json``."""

    schema_version: Literal[3]
    environment: Environment
    summary: Summary
    sections: list[Section]
    items: list[Item]
    cases: list[Case]

    @model_validator(mode="after")
    def _check_consistency(self) -> Results:
        problems = list(_consistency_problems(self))
        if problems:
            raise ValueError("; ".join(problems[:10]))
        return self


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _consistency_problems(results: Results) -> Iterable[str]:
    """Cross-references JSON Schema cannot express: unique ids, links, summary."""
    for label, values in (
        ("section id", [s.id for s in results.sections]),
        ("item name", [i.name for i in results.items]),
        ("case id", [c.id for c in results.cases]),
    ):
        if dups := _duplicates(values):
            yield f"duplicate {label}s: {', '.join(dups[:5])}"
    sections = {s.id for s in results.sections}
    item_section = {i.name: i.section for i in results.items}
    for item in results.items:
        if item.section not in sections:
            yield f"item {item.name!r} names unknown section {item.section!r}"
    for case in results.cases:
        if case.item not in item_section:
            yield f"case {case.id!r} names unknown item {case.item!r}"
        elif case.section != item_section[case.item]:
            yield f"case {case.id!r} has section {case.section!r}, its item another"
    if results.summary != summarize(results.cases):
        yield "summary does not match the statuses of the cases"


def summarize(cases: Iterable[Case]) -> Summary:
    """Count ``cases`` per status."""
    counts = Counter(c.status for c in cases)
    return Summary(**{s: counts.get(s, 0) for s in STATUSES}, total=sum(counts.values()))


def load_results(path: str | os.PathLike[str]) -> Results:
    """Read and validate a ``results.json``."""
    return Results.model_validate_json(Path(path).read_text(encoding="utf-8"))


def read_results(path: str, shown: str | None = None) -> Results:
    """``load_results``, or a one-line :class:`UsageError` naming the file (as ``shown``)."""
    shown = shown or path
    try:
        return load_results(path)
    except OSError as exc:
        raise UsageError(f"{shown}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{shown}: not a results.json: not UTF-8 text") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "file"
        raise UsageError(f"{shown}: not a valid results.json: {where}: {first['msg']}") from None


def status_changes(old: Results, new: Results) -> list[tuple[str, str | None, str | None]]:
    """``(case id, old status, new status)`` for every case whose status differs between two
    runs, None where a run lacks the case; in the new run's order, then the cases it lost."""
    before = {c.id: c.status for c in old.cases}
    after = {c.id: c.status for c in new.cases}
    changed = [(i, before.get(i), s) for i, s in after.items() if before.get(i) != s]
    return changed + [(i, s, None) for i, s in before.items() if i not in after]


#: the section (id, title) of the bootstrap checks' cases
BOOTSTRAP_SECTION = ("0", "Bootstrap: conversions every other check relies on")


def summary_line(results: Results) -> str:
    """The counts of ``results.summary`` (what the report and junit.xml count too), how many
    of the cases are bootstrap checks, and how many items the library lacks."""
    summary = results.summary
    text = ", ".join(f"{summary.count(s)} {s}" for s in STATUSES if summary.count(s))
    boot = sum(c.section == BOOTSTRAP_SECTION[0] for c in results.cases)
    text += f" of {summary.total} cases ({boot} of them bootstrap checks)"
    if missing := {c.item for c in results.cases if c.status == "unsupported"}:
        text += f"; {len(missing)} items with unsupported cases"
    return text
