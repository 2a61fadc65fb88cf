"""Spec loading: the built-in spec is valid, and every mistake is file:line: field: message."""

from __future__ import annotations

import contextlib
import gc
import re
import time
from pathlib import Path

import pytest

from spec import yamlsafe
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
        (
            ("kind: function", "kind: fnction"),
            5,
            "items[0](torch.gather).kind",
            "kind must be one of",
        ),
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


# Untrusted YAML: aliases, merge keys, tags and sizes are bounded and reported, never raised.

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def _refused(tmp_path: Path, text: str) -> list[str]:
    """Problems of a file, which must come back after little work (CPU time, which other
    processes on a busy machine do not inflate: a guard against expanding a bomb)."""
    started = time.process_time()
    problems = _problems(tmp_path, text)
    assert time.process_time() - started < 5, "the loader should refuse at once"
    return problems


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    assert len(BOMB) < 500
    problems = _refused(tmp_path, BOMB)
    assert len(problems) == 1, problems
    assert re.match(r".*a\.yaml:\d+: \(yaml\): .*more than 1,000,000 values", problems[0])


@pytest.mark.parametrize(
    "text",
    ["a: &x [1, *x]\n", "a: &x {b: 1, c: *x}\n", "a: &x\n  b: 1\n  <<: *x\n"],
)
def test_recursive_alias_is_refused(tmp_path: Path, text: str) -> None:
    problems = _refused(tmp_path, text)
    assert len(problems) == 1 and "a.yaml:1: (yaml): recursive alias" in problems[0], problems


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 300))
    for text in (chain, "a: " + "[" * 2000 + "]" * 2000 + "\n"):
        problems = _refused(tmp_path, text)
        assert len(problems) == 1 and "(yaml): nested too deeply" in problems[0], problems


@pytest.mark.parametrize("leaf", ["", "1"])
def test_nesting_limit_is_exact(tmp_path: Path, leaf: str) -> None:
    """A value as deep as the limit is read; one level more is refused, at the line of the
    value past the limit (the leaf, a level of its own, or the innermost list)."""

    def read(lists: int) -> list[str]:  # a mapping, lists in it, the leaf on a line of its own
        (tmp_path / "a.yaml").write_text("a:" + " [" * lists + f"\n{leaf}" + " ]" * lists)
        return yamlsafe.read(tmp_path / "a.yaml", "a.yaml").problems

    lists = yamlsafe.MAX_DEPTH - 1 - len(leaf)
    assert not read(lists)
    problems = read(lists + 1)
    line = 2 if leaf else 1
    assert problems == [f"a.yaml:{line}: (yaml): nested too deeply (the limit is 100 levels)"]


@pytest.mark.parametrize("text", [GOOD_ITEM, "section: 1\n"])
@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, text: str, enabled: bool
) -> None:
    (tmp_path / "a.yaml").write_text(text)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with contextlib.suppress(SpecError):
            load_spec(tmp_path)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_large_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "MAX_BYTES", 100)
    problems = _problems(tmp_path, GOOD_ITEM)
    assert f"{tmp_path / 'a.yaml'}:1: (file): larger than the limit of 100 bytes" in problems


MERGED = """\
section: "9.9"
title: Test
items:
  - &base
    name: torch.take
    kind: function
    summary: shared
    examples:
      - call: torch.tensor([1])
        expect: [1]
  - <<: *base
    name: torch.gather
    summary: its own
"""


def test_merge_keys(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MERGED)
    gather = load_spec(tmp_path).by_name()["torch.gather"]
    assert (gather.item.kind, gather.item.summary) == ("function", "its own")
    assert len(gather.item.examples) == 1


def test_merged_fields_keep_their_own_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MERGED.replace("kind: function", "kind: 3"))
    assert f"{tmp_path / 'a.yaml'}:6: items[1](torch.gather).kind: " in "\n".join(problems)


def test_merge_of_a_list_prefers_the_earlier_mapping(tmp_path: Path) -> None:
    text = (
        'section: "9.9"\ntitle: Test\nitems:\n  - <<: [{kind: function, name: torch.take},'
        " {kind: class, summary: s}]\n    name: torch.gather\n"
    )
    (tmp_path / "a.yaml").write_text(text)
    item = load_spec(tmp_path).entries[0].item
    assert (item.name, item.kind, item.summary) == ("torch.gather", "function", "s")


@pytest.mark.parametrize("value", ["3", "[*x, 3]", "[[1]]"])
def test_merge_of_a_non_mapping(tmp_path: Path, value: str) -> None:
    text = GOOD_ITEM.replace("items:\n", "x: &x {summary: s}\nitems:\n").replace(
        "    kind: function\n", f"    kind: function\n    <<: {value}\n"
    )
    problems = _refused(tmp_path, text)
    assert (
        f"{tmp_path / 'a.yaml'}:7: items[0].<<: a merge key (<<) takes a mapping" in problems[0]
    ), problems


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ('!!python/object/apply:os.system ["touch MARKER"]', "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!custom 3", "!custom"),
        ("!!set {a, b}", "!!set"),
    ],
)
def test_tags_build_no_objects(tmp_path: Path, tag: str, shown: str) -> None:
    marker = tmp_path / "ran"
    text = GOOD_ITEM.replace("expect: [1]", f"expect: {tag.replace('MARKER', str(marker))}")
    problems = _refused(tmp_path, text)
    assert not marker.exists()
    assert (
        f"{tmp_path / 'a.yaml'}:8: items[0].examples[0].expect: the tag {shown} is not allowed"
        in problems[0]
    ), problems


def test_keys_are_plain_values(tmp_path: Path) -> None:
    problems = _refused(tmp_path, GOOD_ITEM.replace("    kind: function", "    ? [a]\n    : b"))
    assert any("a.yaml:5: items[0]: a key must be a plain value" in p for p in problems), problems
