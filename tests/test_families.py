"""Families: an entry names a family, the family supplies the shared fields (spec/SCHEMA.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from conformance.cases import build_cases
from conformance.cli import main
from spec import loader, yamlsafe
from spec.loader import SpecError, load_spec

FIXTURES = Path(__file__).resolve().parent / "fixtures"

FAMILY = """\
summary: a test family
parameters:
  numpy: ~
  low: None
entry:
  kind: function
  variants: [function, method]
  dtypes: [float32]
  inputs:
    input: "tensor(low=${low})"
  call: torch.${op}(input)
  oracle: np.${numpy}(input)
  differentiable:
    wrt: [input]
    note: shared
  examples:
    - call: torch.${op}(torch.tensor([0.0]))
      expect: [0.0]
"""

ENTRY = """\
section: "9.9"
title: Test
items:
  - name: torch.sin
    family: trig
    family_args: {numpy: sin}
    summary: its own
"""

EXPANDED = {
    "name": "torch.sin",
    "kind": "function",
    "variants": ["function", "method"],
    "dtypes": ["float32"],
    "inputs": {"input": "tensor(low=None)"},
    "call": "torch.sin(input)",
    "oracle": "np.sin(input)",
    "differentiable": {"wrt": ["input"], "note": "shared"},
    "examples": [{"call": "torch.sin(torch.tensor([0.0]))", "expect": [0.0]}],
    "summary": "its own",
}


def _write(tmp_path: Path, entry: str = ENTRY, family: str | None = FAMILY) -> Path:
    if family is not None:
        (tmp_path / "families").mkdir(exist_ok=True)
        (tmp_path / "families" / "trig.yaml").write_text(family)
    (tmp_path / "a.yaml").write_text(entry)
    return tmp_path


def _problems(tmp_path: Path, entry: str = ENTRY, family: str | None = FAMILY) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, entry, family))
    return info.value.problems


def test_expansion(tmp_path: Path) -> None:
    entry = load_spec(_write(tmp_path)).by_name()["torch.sin"]
    assert entry.data == EXPANDED
    assert list(entry.data)[0] == "name"
    assert entry.family == "trig"
    assert entry.item.call is not None and entry.item.call.source == "torch.sin(input)"
    assert entry.line == 4


def test_entry_overrides_merges_and_appends(tmp_path: Path) -> None:
    own = (
        "    variants: [function]\n"
        "    family_args: {numpy: sin, low: -1.5}\n"
        "    differentiable: {note: its own note}\n"
        "    examples+:\n"
        "      - call: torch.sin(torch.tensor([1.0]))\n"
        "        expect: [0.8414709848078965]\n"
    )
    text = ENTRY.replace("    family_args: {numpy: sin}\n", own)
    data = load_spec(_write(tmp_path, text)).entries[0].data
    assert data["variants"] == ["function"]  # a list in the entry replaces the family's
    assert data["inputs"] == {"input": "tensor(low=-1.5)"}
    assert data["differentiable"] == {"wrt": ["input"], "note": "its own note"}  # merged
    assert [e["call"] for e in data["examples"]] == [
        "torch.sin(torch.tensor([0.0]))",
        "torch.sin(torch.tensor([1.0]))",
    ]


def test_a_field_the_entry_wrote_points_at_the_entry(tmp_path: Path) -> None:
    problems = _problems(tmp_path, ENTRY.replace("summary: its own", "summary: [3]"))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'a.yaml'}:7: items[0](torch.sin).summary: ")


def test_a_field_the_family_supplied_points_at_the_family(tmp_path: Path) -> None:
    family_file = tmp_path / "families" / "trig.yaml"
    problems = _problems(tmp_path, family=FAMILY.replace("[float32]", "[float99]"))
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        f"{tmp_path / 'a.yaml'}:5: items[0](torch.sin).dtypes "
        f"(from family trig at {family_file}:8): "
    ), problems
    # a parameter makes the family's text wrong: still the family's line, the entry's name
    problems = _problems(tmp_path, ENTRY.replace("{numpy: sin}", "{numpy: 'sin('}"))
    assert problems[0].startswith(
        f"{tmp_path / 'a.yaml'}:5: items[0](torch.sin).oracle "
        f"(from family trig at {family_file}:12): "
    ), problems
    assert "invalid expression 'np.sin((input)'" in problems[0]


def test_appended_elements_point_at_the_entry(tmp_path: Path) -> None:
    own = "    examples+:\n      - call: torch.sin(\n        expect: 1\n"
    problems = _problems(tmp_path, ENTRY + own)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        f"{tmp_path / 'a.yaml'}:9: items[0](torch.sin).examples[1].call: "
    ), problems


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("family: trig", "family: nosuch"), 5, "family", "unknown family 'nosuch' (families: "),
        (("{numpy: sin}", "{}"), 6, "family_args", "family trig needs the parameter 'numpy'"),
        (("    family_args: {numpy: sin}\n", ""), 5, "family", "needs the parameter 'numpy'"),
        (("{numpy: sin}", "{numpy: sin, hue: 1}"), 6, "family_args.hue", "no such parameter"),
        (("{numpy: sin}", "{numpy: [sin]}"), 6, "family_args.numpy", "a string or a number"),
        (("{numpy: sin}", "[sin]"), 6, "family_args", "a mapping of the parameters"),
        (
            ("summary: its own", "examples: []\n    examples+: []"),
            8,
            "examples+",
            "write examples or examples+ (append), not both",
        ),
        (("summary: its own", "variants+: function"), 7, "variants+", "both must be lists"),
    ],
)
def test_entry_mistakes(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, message: str
) -> None:
    problems = _problems(tmp_path, ENTRY.replace(*change))
    assert len(problems) == 1, problems
    expected = f"{tmp_path / 'a.yaml'}:{line}: items[0](torch.sin).{field}: "
    assert problems[0].startswith(expected) and message in problems[0], problems


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("np.${numpy}", "np.${numpi}"), 12, "entry.oracle: ${numpi} is not a parameter"),
        (("  kind: function", "  name: torch.x"), 6, "entry.name: belongs to the entry"),
        (("summary:", "colour:"), 1, "colour: unknown key"),
        (("  numpy: ~", "  op: ~"), 3, "parameters.op: not a parameter name"),
        (("  variants:", "  variants+:"), 7, "entry.variants+: '+' (append"),
    ],
)
def test_family_mistakes(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    problems = _problems(tmp_path, family=FAMILY.replace(*change))
    expected = f"{tmp_path / 'families' / 'trig.yaml'}:{line}: {message}"
    assert problems[0].startswith(expected), problems


def test_family_files_are_untrusted_yaml_too(tmp_path: Path) -> None:
    problems = _problems(tmp_path, family=FAMILY + "x: !!python/name:os.system\n")
    assert problems == [
        f"{tmp_path / 'families' / 'trig.yaml'}:19: x: the tag !!python/name:os.system is not "
        "allowed: a spec is plain YAML (mappings, lists, strings, numbers, booleans, null)"
    ]


def test_families_cannot_make_a_file_a_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlsafe, "MAX_NODES", 100)
    monkeypatch.setattr(loader, "BUILTIN_DIR", tmp_path / "no built-in families")
    entries = "".join(
        ENTRY.split("items:\n")[1].replace("torch.sin", f"torch.sin{i}") for i in range(4)
    )
    problems = _problems(tmp_path, ENTRY + entries)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'a.yaml'}:17: items[3](torch.sin2).family: ")
    assert "with their families, the entries of this file expand to more than" in problems[0]


def test_parameters_cannot_make_a_file_a_bomb(tmp_path: Path) -> None:
    notes = "  kind: function\n  notes: '" + "${numpy}" * 10_000 + "'"
    family = FAMILY.replace("  kind: function", notes)
    entry = ENTRY.replace("{numpy: sin}", "{numpy: " + "s" * 2000 + "}")  # 20 MB of notes
    started = time.monotonic()
    problems = _problems(tmp_path, entry, family)
    assert time.monotonic() - started < 5, "the loader should refuse at once"
    assert len(problems) == 1, problems
    assert "a.yaml:5: items[0](torch.sin).family: with their families" in problems[0]


def test_built_in_families_serve_any_folder(tmp_path: Path) -> None:
    text = ENTRY.replace("trig", "unary_float")
    entry = load_spec(_write(tmp_path, text, family=None)).entries[0]
    assert entry.family == "unary_float"
    assert entry.data["oracle"].startswith("np.sin(")


def test_a_folder_family_replaces_the_built_in_one(tmp_path: Path) -> None:
    _write(tmp_path, ENTRY.replace("trig", "unary_float"))
    (tmp_path / "families" / "trig.yaml").rename(tmp_path / "families" / "unary_float.yaml")
    assert load_spec(tmp_path).entries[0].data == EXPANDED


def test_families_are_not_sections(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "a.yaml").unlink()
    with pytest.raises(SpecError, match="no spec files"):
        load_spec(tmp_path)


def test_pointwise_entries_on_families_keep_every_case() -> None:
    """The case ids the 2.5.1 entries had when each spelled every field out."""
    spec = load_spec()
    pinned = (FIXTURES / "2.5.1_case_ids.txt").read_text().split()
    names = sorted({case_id.split("[")[0] for case_id in pinned})
    assert len(names) == 13 and len(pinned) == 1659
    assert all(spec.by_name()[name].family for name in names)
    ids = {case.id for case in build_cases(spec, names)}
    assert [i for i in pinned if i not in ids] == []


def test_list_expand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    assert main(["list", "--spec", str(tmp_path), "--expand"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "# torch.sin (a.yaml:4, family trig)"
    assert yaml.safe_load(out) == [EXPANDED]
    assert main(["list", "--spec", str(tmp_path), "--json", "--expand"]) == 0
    record = json.loads(capsys.readouterr().out)[0]
    assert (record["name"], record["family"], record["entry"]) == ("torch.sin", "trig", EXPANDED)
    assert main(["list", "--spec", str(tmp_path), "--json"]) == 0
    assert "entry" not in json.loads(capsys.readouterr().out)[0]


def test_list_expand_shows_the_built_in_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--ops", "torch.atan2", "--expand"]) == 0
    (entry,) = yaml.safe_load(capsys.readouterr().out)
    assert entry["call"] == "torch.atan2(input, other)"
    assert entry["differentiable"]["wrt"] == ["input", "other"]
    assert "input_size" in entry["differentiable"]["inputs"]
