"""Tests of the results.json models and schema, and of the HTML report."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from conformance.report import (
    Counts,
    build_sections,
    case_anchor,
    failure_causes,
    lacks,
    mask_values,
    render_report,
    write_report,
)
from conformance.results import (
    SCHEMA_PATH,
    STATUSES,
    UNEXPECTED,
    Case,
    Results,
    load_results,
    summarize,
)

HOSTILE = '<script>alert("pwned")</script> & "quotes" \'single\''
COUNTEREXAMPLE = "input = tensor([[1., 2.], [3., 4.]])\ndim = 1\nindex = tensor([[0, 0], [1, 0]])"
REPRODUCER = "import torch\nx = torch.tensor([[1., 2.], [3., 4.]])\nprint(torch.gather(x, 1, idx))"


def _case(item: str, section: str, status: str, n: int, **extra: Any) -> dict[str, Any]:
    case = {
        "id": f"{item}[function-float32-oracle-{n}]",
        "item": item,
        "section": section,
        "variant": "function",
        "dtype": "float32",
        "check": "oracle",
        "status": status,
        "message": "",
        "counterexample": None,
        "reproducer": None,
        "expectation": None,
        "duration_s": 0.012,
    }
    return case | extra


def results_dict() -> dict[str, Any]:
    """A results.json document with every status, a hostile message and an item with no cases."""
    s1, s2 = "2.1.2", "2.3"
    cases = [
        _case("torch.gather", s1, "passed", 0),
        _case(
            "torch.gather",
            s1,
            "failed",
            1,
            message="values differ at index (1, 0)",
            counterexample=COUNTEREXAMPLE,
            reproducer=REPRODUCER,
        ),
        _case("torch.gather", s1, "error", 2, message=HOSTILE, variant="method", dtype=None),
        _case("torch.gather", s1, "skipped", 3, message="adapter lacks out="),
        _case(
            "torch.cat",
            s1,
            "xfailed",
            0,
            expectation={"reason": "known bfloat16 rounding gap", "status": "xfail"},
        ),
        _case(
            "torch.cat",
            s1,
            "xpassed",
            1,
            expectation={"reason": "was broken in 2.12", "status": "xfail"},
        ),
        _case("torch.absent", s1, "unsupported", 0, message="torch has no torch.absent"),
        _case("torch.sum", s2, "blocked", 0, message="dtype round trip failed", variant=None),
        _case("torch.sum", s2, "passed", 1, check="contract", variant="inplace"),
    ]
    items = [
        {"name": "torch.gather", "section": s1, "kind": "function", "checks": ["oracle"]},
        {"name": "torch.cat", "section": s1, "kind": "function", "checks": ["oracle"]},
        {"name": "torch.nothing_here", "section": s1, "kind": "function", "checks": []},
        {"name": "torch.absent", "section": s1, "kind": "function", "checks": ["oracle"]},
        {"name": "torch.sum", "section": s2, "kind": "function", "checks": ["oracle"]},
    ]
    return {
        "schema_version": 3,
        "environment": {
            "adapter": "torch",
            "library": "torch",
            "library_version": "2.13.0+cpu",
            "device": "cpu",
            "seed": 0,
            "profile": "quick",
            "python": "3.11.7",
            "platform": "Linux-6.1-x86_64",
            "torchconform_version": "0.1.0",
            "spec": "builtin",
            "ops": None,
            "shard": None,
            "started": "2026-11-28T20:00:00+00:00",
            "duration_s": 12.3,
        },
        "summary": {
            "passed": 2,
            "failed": 1,
            "error": 1,
            "skipped": 1,
            "xfailed": 1,
            "xpassed": 1,
            "blocked": 1,
            "unsupported": 1,
            "total": 9,
        },
        "sections": [
            {"id": s1, "title": "Indexing, slicing, joining, mutating"},
            {"id": s2, "title": "Reductions"},
        ],
        "items": items,
        "cases": cases,
    }


@pytest.fixture
def results() -> Results:
    return Results.model_validate(results_dict())


@pytest.fixture
def html(results: Results) -> str:
    return render_report(results)


# --- models and summarize ---------------------------------------------------


def test_summarize_counts_every_status(results: Results) -> None:
    summary = summarize(results.cases)
    assert summary == results.summary
    assert summary.total == 9
    assert all(summary.count(s) >= 1 for s in STATUSES)
    assert summary.unexpected == 3
    assert summarize([]).total == 0


def test_unexpected_statuses() -> None:
    assert {"failed", "error", "xpassed"} == UNEXPECTED


def test_round_trip_through_file(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results.model_dump(mode="json")), encoding="utf-8")
    assert load_results(path) == results
    assert results.model_dump(mode="json") == results_dict()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["cases"][0].update(status="weird"),
        lambda d: d["cases"][0].update(extra_field=1),
        lambda d: d["summary"].update(passed=3, total=9),
        lambda d: d["summary"].update(total=7),
        lambda d: d["cases"][1].update(id=d["cases"][0]["id"]),
        lambda d: d["cases"][0].update(item="torch.unknown"),
        lambda d: d["items"][0].update(section="9.9"),
        lambda d: d["environment"].update(started="yesterday"),
        lambda d: d.update(schema_version=1),
    ],
)
def test_invalid_results_are_rejected(mutate: Any) -> None:
    data = results_dict()
    mutate(data)
    with pytest.raises(ValidationError):
        Results.model_validate(data)


# --- the JSON Schema file agrees with the models ---------------------------

_IGNORED = {"title", "description", "default", "examples", "$comment"}


def _normalize(node: Any, root: dict[str, Any]) -> Any:
    """Resolve $refs, drop annotations and fold anyOf-with-null, so two schemas compare."""
    if isinstance(node, list):
        return [_normalize(n, root) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _normalize(target, root)
    out = {k: _normalize(v, root) for k, v in node.items() if k not in _IGNORED}
    if isinstance(node.get("properties"), dict):
        out["properties"] = {k: _normalize(v, root) for k, v in node["properties"].items()}
    if isinstance(out.get("required"), list):
        out["required"] = sorted(out["required"])
    if isinstance(out.get("type"), list):
        out["type"] = sorted(out["type"])
    return out


def _schema_file() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_file_matches_pydantic_model() -> None:
    mine = _schema_file()
    assert mine["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    body = {k: v for k, v in mine.items() if k not in {"$schema", "$id", "$defs"}}
    model = Results.model_json_schema()
    model_body = {k: v for k, v in model.items() if k != "$defs"}
    assert _normalize(body, mine) == _normalize(model_body, model)


def test_schema_status_enum_is_statuses() -> None:
    assert tuple(_schema_file()["$defs"]["Status"]["enum"]) == STATUSES


def _validate(instance: Any, schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """A tiny validator for the JSON Schema subset results.schema.json uses."""
    if "$ref" in schema:
        return _validate(instance, _normalize(schema, root), root)
    if "anyOf" in schema:
        ok = any(not _validate(instance, s, root) for s in schema["anyOf"])
        return [] if ok else [f"{instance!r} matches no anyOf branch"]
    kinds = {"object": dict, "array": list, "string": str, "null": type(None)}
    kind = schema.get("type")
    if kind in kinds and not isinstance(instance, kinds[kind]):
        return [f"{instance!r} is not {kind}"]
    if kind == "integer" and (isinstance(instance, bool) or not isinstance(instance, int)):
        return [f"{instance!r} is not integer"]
    if kind == "number" and (isinstance(instance, bool) or not isinstance(instance, int | float)):
        return [f"{instance!r} is not number"]
    errors = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{instance!r} not in enum")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{instance!r} is not {schema['const']!r}")
    if "minimum" in schema and instance < schema["minimum"]:
        errors.append(f"{instance!r} below minimum")
    if "minLength" in schema and len(instance) < schema["minLength"]:
        errors.append(f"{instance!r} too short")
    if kind == "array":
        for element in instance:
            errors += _validate(element, schema.get("items", {}), root)
    if kind == "object":
        errors += [f"missing {k}" for k in schema.get("required", []) if k not in instance]
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                errors += _validate(value, props[key], root)
            elif schema.get("additionalProperties") is False:
                errors.append(f"unexpected property {key}")
    return errors


def test_example_validates_against_schema_file(results: Results) -> None:
    schema = _schema_file()
    assert _validate(results.model_dump(mode="json"), schema, schema) == []
    bad = results_dict()
    bad["cases"][0]["status"] = "weird"
    bad["environment"]["extra"] = 1
    assert len(_validate(bad, schema, schema)) == 2


# --- the HTML report ---------------------------------------------------------


def test_report_lists_items_and_anchors(html: str, results: Results) -> None:
    for item in results.items:
        assert f'id="{item.name}"' in html
        assert f'href="#{item.name}"' in html
    assert 'id="section-2.1.2"' in html and 'href="#section-2.3"' in html
    assert "no cases" in html
    assert "Indexing, slicing, joining, mutating" in html


def test_report_shows_failure_details(html: str, results: Results) -> None:
    for case in results.cases:
        if case.status in UNEXPECTED | {"blocked"}:
            assert case.id in html
    assert COUNTEREXAMPLE in html
    assert REPRODUCER in html
    assert "values differ at index (1, 0)" in html
    assert "dtype round trip failed" in html
    assert "known bfloat16 rounding gap" in html  # xfailed reason
    assert "was broken in 2.12" in html  # xpassed expectation
    assert html.count('class="copy"') == 2
    assert "FAIL" in html and "3 unexpected" in html


def test_report_escapes_hostile_strings(html: str) -> None:
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp;" in html
    assert html.count("<script>") == 2  # the page's own two inline scripts


def test_report_is_self_contained(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(//|[a-z]+:)""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    assert html.lstrip().lower().startswith("<!doctype html>")


def test_report_of_a_passing_run() -> None:
    data = results_dict()
    data["cases"] = [c | {"status": "passed"} for c in data["cases"]]
    data["summary"] = summarize(Case.model_validate(c) for c in data["cases"]).model_dump()
    html = render_report(Results.model_validate(data))
    assert "PASS" in html and "100.0%" in html and "Counterexample" not in html


def test_write_report_is_atomic(tmp_path: Path, results: Results) -> None:
    out = tmp_path / "nested" / "report.html"
    write_report(results, out)
    write_report(results, out)
    assert out.read_text(encoding="utf-8") == render_report(results)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


# --- the report's failure view: causes, what the library lacks, case anchors ----------


class Node:
    """An element of a parsed page: tag, attributes, children and its own text."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.text = ""

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> list[Node]:
        """This node and every node under it, in document order."""
        return [self, *(n for c in self.children for n in c.walk())]

    def find(self, tag: str, cls: str | None = None) -> list[Node]:
        """The nodes under this one with ``tag`` (and the class ``cls``)."""
        return [n for n in self.walk() if n.tag == tag and (cls is None or cls in n.classes())]

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)


_VOID = {"meta", "input", "br", "img", "link", "hr", "col"}


class Page(HTMLParser):
    """A page parsed into a tree of :class:`Node` (stdlib parser, no browser)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = self.current = Node("#document", {}, None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text += data

    def ids(self) -> list[str]:
        return [n.attrs["id"] for n in self.root.walk() if "id" in n.attrs]

    def by_id(self, anchor: str) -> Node:
        (node,) = [n for n in self.root.walk() if n.attrs.get("id") == anchor]
        return node


def _results(cases: list[dict[str, Any]], items: list[str] | None = None) -> Results:
    """Results of ``cases`` (made by :func:`_case` in section 2.1.2) over ``items``."""
    data = results_dict()
    names = items or list(dict.fromkeys(c["item"] for c in cases))
    data["items"] = [
        {"name": n, "section": "2.1.2", "kind": "function", "checks": ["oracle"]} for n in names
    ]
    data["sections"] = data["sections"][:1]
    data["cases"] = cases
    data["summary"] = summarize(Case.model_validate(c) for c in cases).model_dump()
    return Results.model_validate(data)


NO_PERMUTE = "raised AttributeError: 'Tensor' object has no attribute 'permute'"
DIFFER = "result: {} of {} values differ (rtol=1.3e-06, atol=1e-05); first at index [{}]: got {}"


def _failures() -> Results:
    """Four failures of one cause over two items, two of another, one of a third; a skip."""
    s = "2.1.2"
    return _results(
        [
            _case("torch.permute", s, "error", 0, message=NO_PERMUTE),
            _case("torch.permute", s, "error", 1, message=NO_PERMUTE),
            _case("torch.movedim", s, "error", 0, message=NO_PERMUTE),
            _case("torch.sin", s, "failed", 0, message=DIFFER.format(1, 4, "0, 2", "nan")),
            _case("torch.sin", s, "failed", 1, message=DIFFER.format(12, 30, "3", "-1.5e-07")),
            _case("torch.movedim", s, "blocked", 1, message=NO_PERMUTE),
            _case(
                "torch.movedim",
                s,
                "error",
                2,
                message="raised AttributeError: 'Tensor' object has no attribute 'flip'",
            ),
            _case("torch.sin", s, "passed", 2),
            _case("torch.sin", s, "skipped", 3, message="needs the 'onnx' extra"),
        ]
    )


def test_mask_values_keeps_words_and_masks_numbers() -> None:
    assert mask_values(DIFFER.format(1, 4, "0, 2", "nan")) == mask_values(
        DIFFER.format(12, 30, "3", "-1.5e-07")
    )
    assert mask_values("float32 got tensor([[1., 2.], [3., 4e5]]) at 0x7f3a") == (
        "float32 got tensor(…) at …"
    )
    assert mask_values(NO_PERMUTE) == NO_PERMUTE
    assert mask_values("int8 with uint8: got int16") == "int8 with uint8: got int16"


def test_failures_are_grouped_by_cause_largest_first() -> None:
    groups = failure_causes(_failures())
    assert [len(g.cases) for g in groups] == [4, 2, 1]
    first, second, third = groups
    assert first.cause == NO_PERMUTE
    assert first.items == [("torch.permute", 2), ("torch.movedim", 2)]
    assert first.statuses == [("error", 3), ("blocked", 1)]
    assert second.items == [("torch.sin", 2)] and "…" in second.cause
    assert third.cause.endswith("'flip'")


def test_report_links_each_cause_to_its_cases() -> None:
    results = _failures()
    page = Page(render_report(results))
    rows = page.by_id("causes").parent.find("tr", "cause")  # type: ignore[union-attr]
    assert len(rows) == 3
    links = [a.attrs["href"] for a in rows[0].find("a")]
    permute = [c for c in results.cases if c.message == NO_PERMUTE]
    assert [f"#{case_anchor(c.id)}" for c in permute] == links[: len(permute)]
    assert {"#torch.permute", "#torch.movedim"} <= set(links)
    for href in links:
        page.by_id(href[1:])  # every link lands on exactly one element


def test_case_anchor_is_url_safe_and_injective() -> None:
    ids = ["torch.gather[function-float32-oracle-1]", "a b", "a~20b", "a_b", "a-b", "é[ü]"]
    anchors = [case_anchor(i) for i in ids]
    assert all(re.fullmatch(r"case-[A-Za-z0-9._~-]+", a) for a in anchors)
    assert len(set(anchors)) == len(ids)
    assert anchors[0] == "case-torch.gather~5bfunction-float32-oracle-1~5d"


def test_every_case_has_one_anchor_and_ids_are_unique(html: str, results: Results) -> None:
    page = Page(html)
    ids = page.ids()
    assert len(ids) == len(set(ids))
    for case in results.cases:
        assert page.by_id(case_anchor(case.id)).all_text().strip()
    for item in results.items:
        assert page.by_id(item.name).tag == "tbody"


def test_report_lists_what_the_library_lacks() -> None:
    s = "2.1.2"
    lacking = "the adapter does not claim "
    results = _results(
        [_case("torch.cos", s, "unsupported", n, message="lib has no torch.cos") for n in range(3)]
        + [
            _case("torch.sin", s, "skipped", 0, message=lacking + "complex"),
            _case("torch.sin", s, "skipped", 1, message=lacking + "complex, out_variant"),
            _case("torch.tan", s, "skipped", 0, message=lacking + "complex"),
            _case("torch.tan", s, "passed", 1),
            _case("torch.tan", s, "failed", 2, message="wrong"),
        ]
    )
    found = lacks(results, build_sections(results))
    assert [iv.item.name for iv in found.unsupported] == ["torch.cos"]
    assert found.capabilities == [("complex", 3, 2), ("out_variant", 1, 1)]
    assert found.other_skips == []
    page = Page(render_report(results))
    section = page.by_id("lacks")
    lines = [li.all_text() for li in section.find("li")]
    assert len(lines) == 1 and "torch.cos" in lines[0] and "lib has no torch.cos" in lines[0]
    cells = [[td.all_text() for td in tr.find("td")] for tr in section.find("tr")[1:]]
    assert cells == [["complex", "3", "2"], ["out_variant", "1", "1"]]
    assert Counts.of(results.cases).pass_rate == 0.5  # one passed, one failed; the rest did not run


def test_a_passed_case_shows_its_witness() -> None:
    """A gradient case says which witness it was compared with, in the passed list too."""
    witness = "witness: the spec's derivative formula in float64"
    passed = _case("torch.sin", "2.1.2", "passed", 0, check="gradient", message=witness)
    page = render_report(_results([passed, _case("torch.sin", "2.1.2", "passed", 1)]))
    assert page.count("witness: the spec&#39;s derivative formula in float64") == 1
