"""A conformance run: configuration, the cases, their outcomes, and the files written."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TextIO

from adapters import Adapter, load_adapter
from adapters.base import MissingItem
from conformance import expectations as expect
from conformance.bootstrap import Bootstrap
from conformance.bootstrap import reproducer as bootstrap_reproducer
from conformance.cases import Case, build_cases, dtypes_needed, unmatched
from conformance.drawing import Settings
from conformance.errors import UsageError
from conformance.profiles import PROFILES
from conformance.report import write_results
from conformance.results import BOOTSTRAP_SECTION, SCHEMA_VERSION, Results, summarize
from conformance.results import Case as CaseRecord
from conformance.runner import Outcome, absent_outcome, run_case, static_reproducer
from conformance.shards import shard_of
from spec.loader import Entry, Spec, load_spec


@dataclass
class RunConfig:
    """What to run: adapter, spec folder, selection, profile, seed, output folder."""

    adapter: str
    spec_dir: str | None = None
    ops: list[str] | None = None
    profile: str = "quick"
    seed: int = 0
    out: Path | None = None
    #: (K, N): run only shard K of N (see :mod:`conformance.shards`)
    shard: tuple[int, int] | None = None
    #: shrink counterexamples (off: a failure reports the first failing example, faster)
    shrink: bool = True


@dataclass
class Session:
    """A configured run; ``run`` executes cases and records their outcomes."""

    config: RunConfig
    adapter: Adapter
    spec: Spec
    cases: list[Case]
    expectations: list[expect.Expectation]
    settings: Settings
    #: the selected entries, whole: a shard's results list every item of the run
    selected: list[Entry] = field(default_factory=list)
    outcomes: dict[str, tuple[Case, Outcome]] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)
    #: outcomes of cases an earlier child finished (answered from here, not run again)
    finished: dict[str, Outcome] = field(default_factory=dict)
    journal: TextIO | None = None
    finished_journal: TextIO | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    _absent: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def open(cls, config: RunConfig) -> Session:
        """Validate everything before any test runs; raises UsageError or SpecError."""
        if config.profile not in PROFILES:
            raise UsageError(
                f"unknown profile {config.profile!r} (choose from {', '.join(PROFILES)})"
            )
        spec = load_spec(config.spec_dir)
        if config.ops and (missing := unmatched(spec, config.ops)):
            raise UsageError(f"--ops pattern matches no spec'd item: {', '.join(missing)}")
        try:
            adapter = load_adapter(config.adapter)
            expectations = expect.load_expectations(adapter.expectations_file())
        except Exception as exc:  # noqa: BLE001 - any failure to load is bad usage
            raise UsageError(str(exc)) from None
        cases = build_cases(spec, config.ops)
        if not cases:
            raise UsageError("the selection has no test cases")
        selected = list({id(c.entry): c.entry for c in cases}.values())
        if config.shard is not None:
            cases = shard_of(cases, *config.shard)
        settings = Settings(PROFILES[config.profile], config.seed, config.shrink)
        return cls(config, adapter, spec, cases, expectations, settings, selected)

    @property
    def bootstrap(self) -> Bootstrap:
        if not hasattr(self, "_bootstrap"):
            self._bootstrap = Bootstrap(self.adapter)
        return self._bootstrap

    def run(self, case: Case) -> Outcome:
        """Run one case, honouring prerequisites and expectations; records the outcome."""
        if self.journal is not None:  # a supervisor watches this to catch crashes and hangs
            self.journal.write(case.id + "\n")
            self.journal.flush()
        found = expect.find(self.expectations, case, self.adapter.version())
        blockers = self.bootstrap.blockers(case.requires)
        claimed = self.adapter.capabilities_for(case.item)
        lacking = [c for c in case.capabilities if c not in claimed]
        if self.adapter.dtypes is not None:
            lacking += sorted(d for d in dtypes_needed(case) if d not in self.adapter.dtypes)
        if case.id in self.finished:
            outcome = self.finished[case.id]
        elif case.id in self.crashed:
            outcome = Outcome("error", self.crashed[case.id])
            outcome.reproducer = static_reproducer(case, self.adapter)
        elif absent := self.absent(case.item):
            outcome = absent_outcome(self.adapter, absent)
        elif found is not None and found.status == "crash":
            outcome = Outcome("skipped", f"not run (crashes): {found.reason}")
        elif lacking:
            outcome = Outcome("skipped", f"the adapter does not claim {', '.join(lacking)}")
        elif blockers:
            outcome = Outcome("blocked", "prerequisite failed: " + "; ".join(blockers))
        else:
            outcome = run_case(case, self.adapter, self.settings)
            if found is not None:
                outcome = _apply_expectation(outcome, found)
        self.outcomes[case.id] = (case, outcome)
        if self.finished_journal is not None and case.id not in self.finished:
            self.finished_journal.write(json.dumps({"id": case.id, **asdict(outcome)}) + "\n")
            self.finished_journal.flush()
        return outcome

    def absent(self, item: str) -> str | None:
        """Why the library has no ``item`` (it does not resolve), or None when it has it."""
        if item not in self._absent:
            try:
                self.adapter.resolve(item)
                self._absent[item] = None
            except MissingItem as exc:
                self._absent[item] = str(exc)
        return self._absent[item]

    def follow(self, journal: Path, finished: Path | None) -> None:
        """Write each case id to ``journal`` before it runs and, when ``finished`` is given,
        each outcome to it after; outcomes already there are answered without running."""
        self.journal = open(journal, "a", encoding="utf-8")  # noqa: SIM115 - closed at the end
        if finished is None:
            return
        if finished.exists():
            for line in finished.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                case_id = record.pop("id")
                self.finished[case_id] = Outcome(**record)
        self.finished_journal = open(finished, "a", encoding="utf-8")  # noqa: SIM115

    def close(self) -> None:
        """Close the journals."""
        for handle in (self.journal, self.finished_journal):
            if handle is not None:
                handle.close()

    def results(self) -> Results:
        """The run's results, valid against ``results.schema.json``."""
        cases = [_case_record(c, o) for c, o in self.outcomes.values()]
        cases += self._bootstrap_records()
        sections = [{"id": s, "title": t} for s, t in self.spec.sections()]
        items = [
            {
                "name": e.item.name,
                "section": e.section,
                "kind": e.item.kind,
                "checks": e.item.checks,
            }
            for e in self.selected
        ]
        sections = [s for s in sections if any(i["section"] == s["id"] for i in items)]
        if any(c["section"] == "0" for c in cases):
            sections.insert(0, {"id": BOOTSTRAP_SECTION[0], "title": BOOTSTRAP_SECTION[1]})
            items.insert(
                0,
                {
                    "name": "bootstrap",
                    "section": "0",
                    "kind": "bootstrap",
                    "checks": ["roundtrip", "tensor_from_list"],
                },
            )
        data = {
            "schema_version": SCHEMA_VERSION,
            "environment": self._environment(),
            "summary": {},
            "sections": sections,
            "items": items,
            "cases": cases,
        }
        data["summary"] = summarize(CaseRecord(**c) for c in cases).model_dump()
        return Results.model_validate(data)

    def _bootstrap_records(self) -> list[dict]:
        if "_bootstrap" not in self.__dict__:
            return []
        names = sorted({r for c, _ in self.outcomes.values() for r in c.requires})
        records = []
        for name in names:
            failure = self.bootstrap.failures.get(name)
            status = "failed" if failure else "passed"
            if self.bootstrap.unclaimed(name):
                status, failure = (
                    "skipped",
                    f"the adapter does not claim {self.bootstrap.why(name)}",
                )
            records.append(
                {
                    "id": f"bootstrap[{name}]",
                    "item": "bootstrap",
                    "section": "0",
                    "variant": None,
                    "dtype": name.split(":", 1)[1] if ":" in name else None,
                    "check": name.split(":")[0],
                    "status": status,
                    "message": failure or "",
                    "counterexample": None,
                    "reproducer": bootstrap_reproducer(self.adapter, name)
                    if status == "failed"
                    else None,
                    "expectation": None,
                    "duration_s": 0.0,
                }
            )
        return records

    def _environment(self) -> dict:
        described = self.adapter.describe()
        return {
            "adapter": self.adapter.name,
            "library": described["library"],
            "library_version": described["library_version"],
            "device": described["device"],
            "seed": self.settings.seed,
            "profile": self.config.profile,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "torchconform_version": _own_version(),
            "spec": "builtin" if self.config.spec_dir is None else str(self.config.spec_dir),
            "ops": self.config.ops or None,
            "shard": "/".join(map(str, self.config.shard)) if self.config.shard else None,
            "started": self.started.isoformat(),
            "duration_s": (datetime.now(UTC) - self.started).total_seconds(),
        }

    def write(self, out: Path) -> Results:
        """Write the run's files (:func:`conformance.report.write_results`) into ``out``."""
        results = self.results()
        write_results(results, out)
        return results


def _apply_expectation(outcome: Outcome, found: expect.Expectation) -> Outcome:
    """A failure the expectation covers is xfailed; a pass is xpassed (a failure of the run:
    update the expectations), except for a ``flaky`` one, whose deviation only some drawn
    inputs expose."""
    info = {"reason": found.reason, "status": "xfail"}
    if outcome.status in ("failed", "error"):
        outcome.status, outcome.expectation = "xfailed", info
    elif outcome.status == "passed" and found.status != "flaky":
        outcome.status, outcome.expectation = "xpassed", info
        outcome.message = f"expected to fail ({found.reason}) but passed"
    return outcome


def _case_record(case: Case, outcome: Outcome) -> dict:
    return {
        "id": case.id,
        "item": case.item,
        "section": case.entry.section,
        "variant": case.variant if case.check != "scenario" else "scenario",
        "dtype": case.dtype,
        "check": case.check,
        "status": outcome.status,
        "message": outcome.message,
        "counterexample": outcome.counterexample,
        "reproducer": outcome.reproducer,
        "expectation": outcome.expectation,
        "duration_s": round(outcome.duration_s, 6),
    }


def _own_version() -> str:
    try:
        return version("torchconform")
    except PackageNotFoundError:
        return "unknown"
