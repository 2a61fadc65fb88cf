"""Load and validate spec files; every mistake is reported as ``file:line: field: message``.

Files are read by :mod:`spec.yamlsafe` (plain YAML within fixed limits), entries that name a
family are expanded by :mod:`spec.families`, then everything is validated by ``spec.schema``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spec import families as fam
from spec import yamlsafe
from spec.files import BUILTIN_DIR, SpecError, yaml_files
from spec.schema import Item, SpecFile

Loc = tuple[Any, ...]
__all__ = ["BUILTIN_DIR", "Entry", "Spec", "SpecError", "load_file", "load_spec"]


@dataclass(frozen=True)
class Entry:
    """A validated item with where it came from."""

    item: Item
    section: str
    section_title: str
    file: Path
    line: int
    #: The entry as plain data after family expansion (what was validated).
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    family: str | None = None


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
        """(id, title) of every section, in file order; a section spread over several files
        (3.5's activations and attention) is listed once, under its first file's title."""
        first: dict[str, str] = {}
        for f in self.files:
            first.setdefault(f.section, f.title)
        return list(first.items())


@dataclass
class _Loaded:
    """One file: its model (None on problems), problems, and per item data, line, family."""

    model: SpecFile | None = None
    problems: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    families: list[str | None] = field(default_factory=list)


def _origin(loc: Loc, origins: dict[Loc, fam.Origin]) -> fam.Origin:
    while loc and loc not in origins:
        loc = loc[:-1]
    return origins.get(loc, fam.Origin(1))


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


def load_file(
    path: Path, families: fam.Families | None = None
) -> tuple[SpecFile | None, list[str]]:
    """Parse, expand and validate one file; returns the model (or None) and the problems.

    ``families`` defaults to the built-in ones.
    """
    if families is None:
        families = fam.load_families([BUILTIN_DIR])[0]
    loaded = _load(path, families)
    return loaded.model, loaded.problems


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a spec is validated: it allocates hundreds of
    thousands of objects that live on (models, expressions), which the collector would
    otherwise go through again and again (a third of the load). Validation makes next to no
    cyclic garbage, and its work is bounded file by file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(path: Path, families: fam.Families) -> _Loaded:
    shown = str(path)
    doc = yamlsafe.read(path, shown)
    if doc.problems and doc.data is None:
        return _Loaded(problems=doc.problems)
    data = doc.data
    if not isinstance(data, dict):
        expected = f"{shown}:1: (file): expected a mapping with section, title, items"
        return _Loaded(problems=[*doc.problems, expected])
    problems, expansion = _expand_items(data, doc.lines, families, shown)
    problems = doc.problems + problems
    try:
        model = SpecFile.model_validate(data)
    except ValidationError as exc:
        origins = _origins(doc.lines, expansion)
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            if loc[:2] not in expansion.failed:  # a failed expansion is reported once
                problems.append(_problem(shown, loc, origins, data, err["msg"]))
        return _Loaded(problems=problems)
    items = data["items"]
    return _Loaded(
        model if not (problems or expansion.failed) else None,
        problems,
        items,
        [doc.lines[("items", i)] for i in range(len(items))],
        expansion.names,
    )


def _expand_items(
    data: dict[str, Any], lines: dict[Loc, int], families: fam.Families, shown: str
) -> tuple[list[str], fam.ExpandedItems]:
    """Expand (in place) the items that name a family (families must not make a file a bomb
    either); the problems as ``file:line: field: message``, and the expansion."""
    items = data.get("items")
    budget = fam.Budget(yamlsafe.MAX_NODES - len(lines), yamlsafe.MAX_BYTES)
    found = fam.expand_items(items if isinstance(items, list) else [], lines, families, budget)
    problems = [
        f"{shown}:{_line(loc, lines)}: {_field_name(loc, data)}: {message}"
        for loc, message in found.problems
    ]
    if isinstance(items, list):
        items[:] = found.items
    return problems, found


def _origins(lines: dict[Loc, int], expansion: fam.ExpandedItems) -> dict[Loc, fam.Origin]:
    """Where every location of the expanded file was written (for problems only: a file has
    as many locations as values)."""
    kept = {
        loc: fam.Origin(line) for loc, line in lines.items() if loc[:2] not in expansion.expanded
    }
    return kept | expansion.origins


def _line(loc: Loc, lines: dict[Loc, int]) -> int:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _problem(shown: str, loc: Loc, origins: dict[Loc, fam.Origin], data: Any, message: str) -> str:
    """``file:line: field: message``; a field a family supplied says which family, where."""
    origin = _origin(loc, origins)
    return f"{shown}:{origin.line}: {_field_name(loc, data)}{origin.note()}: {message}"


def load_spec(root: Path | str | None = None) -> Spec:
    """Load every section file under ``root`` (the built-in spec by default) with the
    families of ``root/families`` and the built-in ones; raise SpecError.

    A folder whose YAML files are unchanged (same paths, sizes and modification times) is
    validated once per process: the validated spec is immutable.
    """
    folder = Path(root) if root is not None else BUILTIN_DIR
    if not folder.is_dir():
        raise SpecError([f"{folder}:1: (spec): not a folder"])
    with _collector_paused():
        return _load_cached(folder, _fingerprint(folder))


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every YAML file that loading ``folder`` may read, with its size and mtime."""
    return tuple((str(p), (st := p.stat()).st_size, st.st_mtime_ns) for p in yaml_files(folder))


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path, fingerprint: tuple[tuple[str, int, int], ...]) -> Spec:
    """Validate ``folder``; ``fingerprint`` makes any change to its files a cache miss."""
    paths = sorted(
        p
        for p in folder.rglob("*.yaml")
        if p.name != "inventory.yaml" and not _not_section(p.relative_to(folder).parts[:-1])
    )
    if not paths:
        raise SpecError([f"{folder}:1: (spec): no spec files (*.yaml) in this folder"])
    family_folders = [BUILTIN_DIR] if folder.resolve() == BUILTIN_DIR else [BUILTIN_DIR, folder]
    families, problems = fam.load_families(family_folders)
    files, entries = [], []
    seen: dict[str, str] = {}
    for path in paths:
        loaded = _load(path, families)
        problems.extend(loaded.problems)
        if loaded.model is None:
            continue
        model = loaded.model
        files.append(model)
        for index, item in enumerate(model.items):
            line = loaded.lines[index]
            where = f"{path}:{line}"
            if item.name in seen:
                problems.append(
                    f"{where}: items[{index}].name: {item.name} is already "
                    f"specified at {seen[item.name]}"
                )
            seen[item.name] = where
            entries.append(
                Entry(
                    item,
                    model.section,
                    model.title,
                    path,
                    line,
                    loaded.items[index],
                    loaded.families[index],
                )
            )
    if problems:
        raise SpecError(problems)
    files.sort(key=lambda f: _section_key(f.section))
    entries.sort(key=lambda e: _section_key(e.section))
    return Spec(folder, tuple(files), tuple(entries))


def _not_section(folders: tuple[str, ...]) -> bool:
    """Files under ``rules/`` (anywhere) or the top-level ``families/`` are not sections."""
    return "rules" in folders or folders[:1] == (fam.FOLDER,)


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 10**6 for p in section.split("."))
