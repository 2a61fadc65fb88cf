"""Families: the fields that similar entries share, written once (``families/<name>.yaml``).

An entry names its family (``family: unary_float``) and gives its parameters (``family_args``);
the family's ``entry`` (a partial entry, ``${parameter}`` placeholders filled in) is merged
under the entry's own fields before validation. See *Families* in ``spec/SCHEMA.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spec import yamlsafe

Loc = tuple[Any, ...]
FOLDER = "families"
#: Parameters every family has: the entry's ``name`` and its last part (``sin``).
IMPLICIT = ("name", "op")
#: Keys of an entry that the expansion consumes or that stay the entry's own.
ENTRY_KEYS = ("family", "family_args")
_FILE_KEYS = ("summary", "parameters", "entry")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NONE = object()
TOO_BIG = (
    f"with their families, the entries of this file expand to more than {yamlsafe.MAX_NODES:,}"
    f" values or {yamlsafe.MAX_BYTES:,} characters of text (the limits of a spec file)"
)


@dataclass(frozen=True)
class Family:
    """A partial entry shared by entries that name it."""

    name: str
    file: str
    entry: dict[str, Any]
    lines: dict[Loc, int]  # the line of every location in ``entry``
    parameters: dict[str, str | None]  # default text, None when the entry must give it
    text: int = 0  # characters in the strings of ``entry``
    uses: dict[str, int] = field(default_factory=dict)  # placeholders, by parameter


@dataclass
class Budget:
    """What the expansions in one file may add: values and characters."""

    values: int
    chars: int
    spent: bool = False

    def take(self, family: Family, values: dict[str, str]) -> bool:
        """Pay for one expansion; False when the file is past its limits."""
        self.values -= len(family.lines)
        self.chars -= family.text + sum(
            n * (len(values[name]) - len(name) - 3) for name, n in family.uses.items()
        )
        return self.values >= 0 and self.chars >= 0


@dataclass(frozen=True)
class Origin:
    """Where a field was written: a spec file's line, or a family's (expanded at ``line``)."""

    line: int
    family: Family | None = None
    family_line: int = 0

    def note(self) -> str:
        """`` (from family F at file:line)`` for a field the family supplied, else ``""``."""
        if self.family is None:
            return ""
        return f" (from family {self.family.name} at {self.family.file}:{self.family_line})"


#: Families by name; None for a family whose file has problems (already reported).
Families = dict[str, Family | None]


def load_families(folders: list[Path]) -> tuple[Families, list[str]]:
    """Families in ``<folder>/families/*.yaml``; a later folder's family replaces an earlier."""
    families: Families = {}
    problems: list[str] = []
    for folder in folders:
        for path in sorted((folder / FOLDER).glob("*.yaml")):
            family, found = _load_family(path)
            families[path.stem] = family
            problems.extend(found)
    return families, problems


def _load_family(path: Path) -> tuple[Family | None, list[str]]:
    shown = str(path)
    doc = yamlsafe.read(path, shown)
    if doc.problems:
        return None, doc.problems
    data = doc.data
    problems: list[str] = []

    def problem(loc: Loc, message: str) -> None:
        line = doc.lines.get(loc, 1)
        problems.append(f"{shown}:{line}: {yamlsafe.dotted(loc)}: {message}")

    if not _NAME.fullmatch(path.stem):
        problem((), f"a family's file name is its name: lower case, digits, _ ({path.stem!r})")
    if not isinstance(data, dict) or not isinstance(data.get("entry"), dict):
        problem((), "a family is a mapping with 'entry' (a partial entry) and 'parameters'")
        return None, problems
    for key in data:
        if key not in _FILE_KEYS:
            problem((key,), f"unknown key (a family has {', '.join(_FILE_KEYS)})")
    parameters = _declared(data.get("parameters", {}), problem)
    for key in ("name", *ENTRY_KEYS):
        if key in data["entry"]:
            problem(("entry", key), "belongs to the entry, not to its family")
    _check_placeholders(data["entry"], ("entry",), {*parameters, *IMPLICIT}, problem)
    if problems:
        return None, problems
    lines = {loc[1:]: line for loc, line in doc.lines.items() if loc[:1] == ("entry",)}
    text, uses = _strings(data["entry"])
    return Family(path.stem, shown, data["entry"], lines, parameters, text, uses), []


def _strings(value: Any) -> tuple[int, dict[str, int]]:
    """The characters of the strings in ``value`` and how often each placeholder is used."""
    if isinstance(value, str):
        return len(value), dict(Counter(_PLACEHOLDER.findall(value)))
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, (dict, list)):
        return 0, {}
    total, uses = 0, Counter[str]()
    for child in children:
        size, found = _strings(child)
        total += size
        uses.update(found)
    return total, dict(uses)


def _declared(raw: Any, problem: Any) -> dict[str, str | None]:
    """The family's parameters and their defaults (None: required)."""
    if not isinstance(raw, dict):
        problem(("parameters",), "a mapping of parameter names to defaults (~ for none)")
        return {}
    declared: dict[str, str | None] = {}
    for name, default in raw.items():
        if not isinstance(name, str) or not name.isidentifier() or name in IMPLICIT:
            problem(("parameters", name), "not a parameter name (name and op are always given)")
        elif default is not None and _text(default) is None:
            problem(("parameters", name), "a default is a string or a number (~ for none)")
        else:
            declared[name] = None if default is None else _text(default)
    return declared


def _check_placeholders(value: Any, loc: Loc, known: set[str], problem: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("+"):
                problem(loc + (key,), "'+' (append to the family's list) is for entries")
            _check_placeholders(item, loc + (key,), known, problem)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_placeholders(item, loc + (index,), known, problem)
    elif isinstance(value, str):
        for name in _PLACEHOLDER.findall(value):
            if name not in known:
                problem(loc, f"${{{name}}} is not a parameter of the family")


def _text(value: Any) -> str | None:
    """A parameter's value as the text it stands for; None when it is not a string/number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return value if isinstance(value, str) else repr(value)


@dataclass
class Expansion:
    """An entry merged with its family: the data, the origin of every location, problems."""

    data: dict[str, Any]
    origins: dict[Loc, Origin] = field(default_factory=dict)
    problems: list[tuple[Loc, str]] = field(default_factory=list)  # (location, message)


@dataclass
class ExpandedItems:
    """A file's items with their families merged in, and where each location came from."""

    items: list[Any]
    origins: dict[Loc, Origin] = field(default_factory=dict)  # of the expanded items
    expanded: set[Loc] = field(default_factory=set)  # ("items", i) of the expanded items
    failed: set[Loc] = field(default_factory=set)  # ("items", i) whose expansion failed
    problems: list[tuple[Loc, str]] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)  # each item's family


def expand_items(
    items: list[Any], lines: dict[Loc, int], families: Families, budget: Budget
) -> ExpandedItems:
    """Expand every item that names a family, within ``budget``."""
    out = ExpandedItems(list(items))
    for index, raw in enumerate(items):
        name = raw.get("family") if isinstance(raw, dict) else None
        out.names.append(name if isinstance(name, str) else None)
        if not (isinstance(raw, dict) and "family" in raw):
            continue
        at = ("items", index)
        found = _Expander(raw, at, lines, families, budget).run()
        out.items[index] = found.data
        out.problems += [(loc, message) for loc, message in found.problems if message]
        if found.problems:
            out.failed.add(at)
        else:
            out.expanded.add(at)
            out.origins.update(found.origins)
    return out


class _Expander:
    """Merges the family ``item`` names (``item`` sits at ``at`` in a file with ``lines``)."""

    def __init__(
        self,
        item: dict[str, Any],
        at: Loc,
        lines: dict[Loc, int],
        families: Families,
        budget: Budget,
    ):
        self.item, self.at, self.lines, self.families = item, at, lines, families
        self.budget = budget
        own = {k: v for k, v in item.items() if k not in ENTRY_KEYS}
        self.out = Expansion(own)
        self.family: Family | None = None
        self.family_line = lines.get(at + ("family",), lines.get(at, 1))

    def problem(self, loc: Loc, message: str) -> None:
        self.out.problems.append((self.at + loc, message))

    def run(self) -> Expansion:
        name = self.item["family"]
        if not isinstance(name, str) or name not in self.families:
            known = ", ".join(sorted(self.families)) or "none"
            self.problem(("family",), f"unknown family {name!r} (families: {known})")
            return self.out
        self.family = self.families[name]
        if self.family is None:  # its file's problems are reported already
            self.out.problems.append((self.at + ("family",), ""))
            return self.out
        values = self.parameters(self.family)
        if self.out.problems:
            return self.out
        if not self.budget.take(self.family, values):
            self.problem(("family",), "" if self.budget.spent else TOO_BIG)
            self.budget.spent = True  # said once, at the first entry past the limits
            return self.out
        shared = _substitute(self.family.entry, values)
        merged = self.merge(shared, self.out.data, (), (), ())
        self.out.data = {"name": merged.pop("name")} | merged if "name" in merged else merged
        return self.out

    def parameters(self, family: Family) -> dict[str, str]:
        """The values of the family's parameters for this entry."""
        name = self.item.get("name")
        if not isinstance(name, str):
            self.problem(("family",), "an entry with a family needs its name (a string)")
            return {}
        values = {"name": name, "op": name.rsplit(".", 1)[-1]}
        given = self.item.get("family_args", {})
        if not isinstance(given, dict):
            self.problem(("family_args",), f"a mapping of the parameters of family {family.name}")
            return values
        for key, value in given.items():
            if key not in family.parameters:
                have = ", ".join(family.parameters) or "none"
                self.problem(
                    ("family_args", key),
                    f"family {family.name} has no such parameter (its parameters: {have})",
                )
            elif _text(value) is None:
                self.problem(("family_args", key), "a parameter's value is a string or a number")
            else:
                values[key] = _text(value)  # type: ignore[assignment]
        for key, default in family.parameters.items():
            if key in values or key in given:
                continue
            if default is None:
                where = ("family_args",) if "family_args" in self.item else ("family",)
                self.problem(where, f"family {family.name} needs the parameter {key!r}")
            else:
                values[key] = default
        return values

    def merge(self, shared: Any, own: Any, out: Loc, f: Loc, e: Loc) -> Any:
        """``own`` (the entry's, at ``e``) over ``shared`` (the family's, at ``f``)."""
        if own is _NONE:
            self.mark(shared, out, f, from_family=True)
            return shared
        if not (isinstance(shared, dict) and isinstance(own, dict)):
            self.mark(own, out, e, from_family=False)
            return own
        self.origin(out, e, from_family=False)
        return self.merge_mappings(shared, own, out, f, e)

    def merge_mappings(self, shared: dict, own: dict, out: Loc, f: Loc, e: Loc) -> dict:
        """Key by key: the family's keys in order (``key+`` appends), then the entry's own."""
        merged: dict[Any, Any] = {}
        appended = {k[:-1]: k for k in own if isinstance(k, str) and len(k) > 1 and k[-1] == "+"}
        for base, key in appended.items():
            if base in own:
                self.problem(e + (key,), f"write {base} or {key} (append), not both")
        for key, value in shared.items():
            if key in appended:
                merged[key] = self.append(
                    value, own[appended[key]], out + (key,), f + (key,), e + (appended[key],)
                )
            else:
                merged[key] = self.merge(
                    value, own.get(key, _NONE), out + (key,), f + (key,), e + (key,)
                )
        for key, value in own.items():
            target = key[:-1] if isinstance(key, str) and appended.get(key[:-1]) == key else key
            if target in shared or (target != key and target in own):
                continue
            if target != key and not isinstance(value, list):
                self.problem(e + (key,), "appends a list to the family's list; both must be lists")
            merged[target] = value
            self.mark(value, out + (target,), e + (key,), from_family=False)
        return merged

    def append(self, shared: Any, own: Any, out: Loc, f: Loc, e: Loc) -> Any:
        """The family's list, then the entry's (``key+: [...]``)."""
        if not isinstance(shared, list) or not isinstance(own, list):
            self.problem(e, "appends a list to the family's list; both must be lists")
            self.mark(own, out, e, from_family=False)
            return own
        self.origin(out, e, from_family=False)
        for index, value in enumerate(shared):
            self.mark(value, out + (index,), f + (index,), from_family=True)
        for index, value in enumerate(own):
            self.mark(value, out + (len(shared) + index,), e + (index,), from_family=False)
        return shared + own

    def mark(self, value: Any, out: Loc, src: Loc, *, from_family: bool) -> None:
        """Record where ``value`` and everything in it came from."""
        self.origin(out, src, from_family=from_family)
        children = enumerate(value) if isinstance(value, list) else ()
        for key, child in value.items() if isinstance(value, dict) else children:
            self.mark(child, out + (key,), src + (key,), from_family=from_family)

    def origin(self, out: Loc, src: Loc, *, from_family: bool) -> None:
        if from_family:
            assert self.family is not None
            line = self.family.lines.get(src, 1)
            origin = Origin(self.family_line, self.family, line)
        else:
            origin = Origin(self.lines.get(self.at + src, self.lines.get(self.at, 1)))
        self.out.origins[self.at + out] = origin


def _substitute(value: Any, values: dict[str, str]) -> Any:
    """A copy of ``value`` with ``${parameter}`` in its strings replaced."""
    if isinstance(value, dict):
        return {key: _substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    return value
