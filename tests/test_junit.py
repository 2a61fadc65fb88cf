"""junit.xml: every case once, its status as CI systems read it, hostile text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.junit import render_junit
from conformance.results import Results
from tests.test_report import results_dict


def test_junit_has_every_case_with_its_status() -> None:
    results = Results.model_validate(results_dict())
    root = ET.fromstring(render_junit(results))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == results.summary.total == int(root.get("tests"))
    kinds = {}
    for element, case in zip(cases, results.cases, strict=True):
        assert element.get("classname") == case.item
        assert case.id == f"{case.item}[{element.get('name')}]"
        kinds[case.status] = [child.tag for child in element]
    assert kinds["passed"] == []
    assert kinds["failed"] == kinds["xpassed"] == ["failure"]
    assert kinds["error"] == ["error"]
    assert kinds["skipped"] == kinds["blocked"] == kinds["xfailed"] == ["skipped"]
    assert kinds["unsupported"] == ["skipped"]
    summary = results.summary
    assert int(root.get("failures")) == summary.failed + summary.xpassed
    assert int(root.get("errors")) == summary.error
    skipped = summary.skipped + summary.blocked + summary.xfailed + summary.unsupported
    assert int(root.get("skipped")) == skipped
    suites = root.findall("testsuite")
    assert sum(int(s.get("tests")) for s in suites) == summary.total


def test_failure_text_keeps_message_and_reproducer() -> None:
    results = Results.model_validate(results_dict())
    failed = next(c for c in results.cases if c.status == "failed")
    root = ET.fromstring(render_junit(results))
    element = next(
        e for e in root.iter("testcase") if f"{e.get('classname')}[{e.get('name')}]" == failed.id
    )
    text = element.find("failure").text
    assert failed.message in text
    assert failed.reproducer is None or failed.reproducer in text
