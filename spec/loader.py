"""Load and validate spec files; every mistake is reported as ``file:line: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from spec.schema import Item, SpecFile

BUILTIN_DIR = Path(__file__).resolve().parent
Loc = tuple[Any, ...]


class SpecError(Exception):
    """One or more mistakes in spec files, each ``file:line: field: message``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Entry:
    """A validated item with where it came from."""

    item: Item
    section: str
    section_title: str
    file: Path
    line: int


@dataclass(frozen=True)
class Spec:
    """All entries of a spec folder, in file order."""

    root: Path
    files: tuple[SpecFile, ...]
    entries: tuple[Entry, ...]

    def by_name(self) -> dict[str, Entry]:
        """Entries keyed by their fully qualified name."""
        return {e.item.name: e for e in self.entries}

    def sections(self) -> list[tuple[str, str]]:
        """(id, title) of every section, in file order."""
        return [(f.section, f.title) for f in self.files]


def _construct(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], problems: list[str], file: str
) -> Any:
    """Build plain Python data from a YAML node, recording the line of every path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                problems.append(
                    f"{file}:{key_node.start_mark.line + 1}: {_dotted(path + (key,))}: "
                    "duplicate key"
                )
            out[key] = _construct(value_node, path + (key,), lines, problems, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, path + (i,), lines, problems, file) for i, v in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.MarkedYAMLError(problem="expected a scalar key", problem_mark=node.start_mark)
    return yaml.SafeLoader.construct_object(_LOADER, node, deep=True)


class _QuietLoader(yaml.SafeLoader):
    def __init__(self) -> None:
        super().__init__("")


_LOADER = _QuietLoader()


def _dotted(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _field_name(loc: Loc, data: Any) -> str:
    """Name the field as the author wrote it: items[3](torch.gather).errors[0].raises."""
    text, node = "", data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                text += f"({node['name']})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(file)"


def _clean_loc(loc: Loc) -> Loc:
    """Drop pydantic's union/validator tags (e.g. 'function-after[...]') from a location."""
    return tuple(p for p in loc if isinstance(p, int) or not any(c in str(p) for c in "[]"))


def load_file(path: Path) -> tuple[SpecFile | None, list[str]]:
    """Parse and validate one file; returns the model (or None) and the problems."""
    shown = str(path)
    problems: list[str] = []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [f"{shown}:{line}: (yaml): {exc.problem or exc.context}"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{shown}:1: (file): {exc}"]
    if root is None:
        return None, [f"{shown}:1: (file): the file is empty"]
    lines: dict[Loc, int] = {}
    data = _construct(root, (), lines, problems, shown)
    if not isinstance(data, dict):
        return None, [f"{shown}:1: (file): expected a mapping with section, title, items"]
    try:
        model = SpecFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            problems.append(
                f"{shown}:{_line_of(loc, lines)}: {_field_name(loc, data)}: {err['msg']}"
            )
        return None, problems
    return (model if not problems else None), problems


def load_spec(root: Path | str | None = None) -> Spec:
    """Load every ``*.yaml`` under ``root`` (the built-in spec by default); raise SpecError."""
    folder = Path(root) if root is not None else BUILTIN_DIR
    if not folder.is_dir():
        raise SpecError([f"{folder}:1: (spec): not a folder"])
    paths = sorted(
        p
        for p in folder.rglob("*.yaml")
        if p.name != "inventory.yaml" and "rules" not in p.relative_to(folder).parts[:-1]
    )
    if not paths:
        raise SpecError([f"{folder}:1: (spec): no spec files (*.yaml) in this folder"])
    files, entries, problems = [], [], []
    seen: dict[str, str] = {}
    for path in paths:
        model, found = load_file(path)
        problems.extend(found)
        if model is None:
            continue
        files.append(model)
        lines = _item_lines(path)
        for index, item in enumerate(model.items):
            line = lines[index] if index < len(lines) else 1
            where = f"{path}:{line}"
            if item.name in seen:
                problems.append(
                    f"{where}: items[{index}].name: {item.name} is already "
                    f"specified at {seen[item.name]}"
                )
            seen[item.name] = where
            entries.append(Entry(item, model.section, model.title, path, line))
    if problems:
        raise SpecError(problems)
    files.sort(key=lambda f: _section_key(f.section))
    entries.sort(key=lambda e: _section_key(e.section))
    return Spec(folder, tuple(files), tuple(entries))


def _item_lines(path: Path) -> list[int]:
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    for key, value in root.value:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 1 for node in value.value]
    return []


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 10**6 for p in section.split("."))
