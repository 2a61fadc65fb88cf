"""``junit.xml``: a run's cases in the JUnit XML format that CI systems display.

One ``<testsuite>`` per spec section and one ``<testcase>`` per case (``classname`` the item,
``name`` the rest of the case id). Failed and xpassed cases are ``<failure>``, errors
``<error>``, skipped, blocked and xfailed cases ``<skipped>`` with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from conformance import atomic
from conformance.results import Case, Results

#: status -> (child element, its ``type`` attribute); passed cases have none
_ELEMENT = {
    "failed": ("failure", "failed"),
    "xpassed": ("failure", "xpassed"),
    "error": ("error", "error"),
    "skipped": ("skipped", "skipped"),
    "blocked": ("skipped", "blocked"),
    "unsupported": ("skipped", "unsupported"),
    "xfailed": ("skipped", "xfailed"),
}


def render_junit(results: Results) -> str:
    """The results as a JUnit XML document."""
    by_section: dict[str, list[Case]] = defaultdict(list)
    for case in results.cases:
        by_section[case.section].append(case)
    root = ET.Element("testsuites", name=f"torchconform {results.environment.adapter}")
    titles = {s.id: s.title for s in results.sections}
    for section, cases in by_section.items():
        suite = ET.SubElement(root, "testsuite", _suite_attributes(section, titles, cases))
        for case in cases:
            _add_case(suite, case)
    _count(root, [c for cases in by_section.values() for c in cases])
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite_attributes(section: str, titles: dict[str, str], cases: list[Case]) -> dict[str, str]:
    name = f"{section} {titles.get(section, '')}".strip()
    attributes = {"name": name}
    _count_into(attributes, cases)
    return attributes


def _count(element: ET.Element, cases: list[Case]) -> None:
    counts: dict[str, str] = {}
    _count_into(counts, cases)
    element.attrib.update(counts)


def _count_into(attributes: dict[str, str], cases: list[Case]) -> None:
    kinds = [_ELEMENT.get(c.status, ("", ""))[0] for c in cases]
    attributes.update(
        tests=str(len(cases)),
        failures=str(kinds.count("failure")),
        errors=str(kinds.count("error")),
        skipped=str(kinds.count("skipped")),
        time=f"{sum(c.duration_s for c in cases):.3f}",
    )


def _add_case(suite: ET.Element, case: Case) -> None:
    name = case.id[len(case.item) :].strip("[]") if case.id.startswith(case.item) else case.id
    element = ET.SubElement(
        suite, "testcase", classname=case.item, name=name, time=f"{case.duration_s:.6f}"
    )
    if case.status not in _ELEMENT:
        return
    tag, kind = _ELEMENT[case.status]
    child = ET.SubElement(element, tag, type=kind, message=case.message[:500])
    details = [case.message, case.counterexample or "", case.reproducer or ""]
    if tag != "skipped":
        child.text = "\n\n".join(d for d in details if d)


def write_junit(results: Results, path: Path) -> None:
    """Write ``junit.xml`` atomically."""
    atomic.write_text(Path(path), render_junit(results))
