"""Spec loading: the built-in spec is valid, and every mistake is file:line: field: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spec.loader import SpecError, load_spec

GOOD_ITEM = """\
section: "9.9"
title: Test
items:
  - name: torch.gather
    kind: function
    examples:
      - call: torch.tensor([1])
        expect: [1]
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "a.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    return info.value.problems


def test_builtin_spec_loads() -> None:
    spec = load_spec()
    assert len(spec.entries) >= 19
    assert all(e.line > 0 for e in spec.entries)


def test_good_file_loads(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_ITEM)
    assert [e.item.name for e in load_spec(tmp_path).entries] == ["torch.gather"]


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("kind: function", "kind: fnction"), 5, "items[0](torch.gather).kind", "kind must be one of"),
        (
            ("    kind: function", "    kind: function\n    colour: red"),
            6,
            "items[0](torch.gather).colour",
            "Extra inputs are not permitted",
        ),
        (
            ("expect: [1]", "expect: [1]\n        dtype: float99"),
            9,
            "items[0](torch.gather).examples[0].dtype",
            "unknown dtype",
        ),
        (
            ("torch.tensor([1])", "torch.tensor([1]).__class__"),
            7,
            "items[0](torch.gather).examples[0].call",
            "not allowed",
        ),
        (
            ("name: torch.gather", "name: gather"),
            4,
            "items[0](gather).name",
            "not a fully qualified name",
        ),
        (('section: "9.9"', "section: nine"), 1, "section", "should look like"),
    ],
)
def test_mistakes_name_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, message: str
) -> None:
    problems = _problems(tmp_path, GOOD_ITEM.replace(*change))
    assert len(problems) == 1, problems
    assert re.match(rf".*a\.yaml:{line}: {re.escape(field)}: .*{message}", problems[0]), problems


def test_malformed_yaml(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "section: [unclosed\n")
    assert re.match(r".*a\.yaml:\d+: \(yaml\): ", problems[0])


def test_duplicate_keys_and_items(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, GOOD_ITEM.replace("    kind: function", "    kind: function\n    kind: class")
    )
    assert any("a.yaml:6: items[0].kind: duplicate key" in p for p in problems)
    (tmp_path / "b.yaml").write_text(GOOD_ITEM)
    problems = _problems(tmp_path, GOOD_ITEM)
    assert any("is already specified at" in p for p in problems)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no spec files"):
        load_spec(tmp_path)


def test_special_values_bind_known_inputs(tmp_path: Path) -> None:
    text = GOOD_ITEM + (
        "    inputs:\n      input: tensor()\n    call: torch.sin(input)\n"
        "    special_values:\n      - values: {other: .nan}\n        expect: .nan\n"
    )
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and "special_values bind inputs" in problems[0], problems
