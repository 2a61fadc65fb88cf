"""Read untrusted YAML into plain data, with the line of every field, within fixed limits.

Only plain YAML is built: mappings, lists, strings, numbers, booleans, null (and dates).
Any other tag (``!!python/object``, ``!custom``) is a problem, never a Python object.
Aliases are followed, but the whole document may expand to at most ``MAX_NODES`` values
and ``MAX_DEPTH`` levels; a recursive alias is refused. Merge keys (``<<: *base``) work as
in YAML 1.1: the mapping's own keys win, and of a list of merged mappings the earlier wins.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Largest file read, in bytes.
MAX_BYTES = 10 * 1024 * 1024
#: Most values (mappings, lists, scalars) a document may expand to, aliases repeated.
MAX_NODES = 1_000_000
#: Deepest nesting of the expanded document.
MAX_DEPTH = 100

Loc = tuple[Any, ...]
_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("null", "bool", "int", "float", "str", "timestamp")}
_MERGE = _YAML + "merge"
_STR = _YAML + "str"
#: libyaml's parser when PyYAML was built with it (ten times faster), else the pure-Python one;
#: both build the same nodes, and libyaml refuses nesting deeper than 1000 itself
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOO_DEEP = f"nested too deeply (the limit is {MAX_DEPTH} levels)"


@dataclass
class Document:
    """Plain data read from a file, the line of every location in it, and the problems."""

    data: Any = None
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.line = node.start_mark.line + 1
        self.message = message


def read(path: Path, shown: str) -> Document:
    """Read ``path`` (``shown`` in messages); problems are ``shown:line: field: message``."""
    try:
        text = read_bytes(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{shown}:1: (file): {exc}")
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit
            return _fail(f"{shown}:{line}: (yaml): {_TOO_DEEP}")
        return _fail(f"{shown}:{line}: (yaml): {exc.problem or exc.context}")
    except yaml.reader.ReaderError as exc:  # a control character, before any mark exists
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return _fail(f"{shown}:{line}: (yaml): character {_char(exc.character)} is not allowed")
    except yaml.YAMLError as exc:
        return _fail(f"{shown}:1: (yaml): {exc}")
    except RecursionError:
        return _fail(f"{shown}:1: (yaml): {_TOO_DEEP}")
    if root is None:
        return _fail(f"{shown}:1: (file): the file is empty")
    try:
        _measure(root, {}, set(), 1)
    except _Refused as exc:
        return _fail(f"{shown}:{exc.line}: (yaml): {exc.message}")
    doc = Document()
    doc.data = _Builder(shown, doc).build(root, ())
    return doc


def _char(character: int | str) -> str:
    """A character as an escaped literal: ``'\\x01'``."""
    return repr(chr(character) if isinstance(character, int) else character)


class _TooLarge(OSError):
    pass


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_BYTES`` (never a FIFO or a device, which
    could block or never end), read no further than the limit; raises OSError (too large:
    a subclass of it)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _TooLarge(f"larger than the limit of {MAX_BYTES:,} bytes")
    return data


def _fail(problem: str) -> Document:
    return Document(problems=[problem])


def _measure(
    node: yaml.Node, seen: dict[int, tuple[int, int]], active: set[int], depth: int
) -> tuple[int, int]:
    """How many values ``node`` expands to (aliases counted each time) and how deep it is."""
    key = id(node)
    if key in active:
        raise _Refused(node, "recursive alias: the value anchored here contains itself")
    if key not in seen:
        if depth > MAX_DEPTH:
            raise _Refused(node, _TOO_DEEP)
        active.add(key)
        size, height = 1, 1
        for child in _children(node):
            if isinstance(child, yaml.ScalarNode):  # most values: one, as deep as it sits
                if depth >= MAX_DEPTH:
                    raise _Refused(child, _TOO_DEEP)
                size, height = size + 1, max(height, 2)
            else:
                grown, tall = _measure(child, seen, active, depth + 1)
                size, height = size + grown, max(height, tall + 1)
        active.discard(key)
        seen[key] = (size, height)
    size, height = seen[key]
    if size > MAX_NODES:
        raise _Refused(
            node,
            f"the value here expands to more than {MAX_NODES:,} values, the limit of a spec "
            "file (mappings, lists and plain values; an alias counts each time it is used)",
        )
    if depth + height - 1 > MAX_DEPTH:
        raise _Refused(node, _TOO_DEEP)
    return size, height


def _children(node: yaml.Node) -> list[yaml.Node]:
    """The nodes directly in ``node``: a mapping's keys and values, a list's items."""
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


class _Builder:
    """Builds plain data from a measured (acyclic, bounded) node graph."""

    def __init__(self, shown: str, doc: Document):
        self.shown = shown
        self.doc = doc
        self.reported: set[tuple[int, str]] = set()

    def problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        if (id(node), message) in self.reported:  # a node merged in twice, or also in place
            return
        self.reported.add((id(node), message))
        self.doc.problems.append(
            f"{self.shown}:{node.start_mark.line + 1}: {dotted(loc)}: {message}"
        )

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.doc.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            if node.tag != _YAML + "map":
                return self.refuse_tag(node, loc)
            return {key: self.build(value, loc + (key,)) for key, value in self.pairs(node, loc)}
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _YAML + "seq":
                return self.refuse_tag(node, loc)
            return [self.build(value, loc + (i,)) for i, value in enumerate(node.value)]
        return self.scalar(node, loc)

    def scalar(self, node: yaml.Node, loc: Loc) -> Any:
        if node.tag == _STR:  # most values: the text itself, as PyYAML's constructor makes it
            return node.value
        if node.tag == _MERGE:
            return node.value  # "<<" written as a value is just text
        if node.tag not in _SCALAR_TAGS:
            return self.refuse_tag(node, loc)
        try:
            return yaml.SafeLoader.yaml_constructors[node.tag](_LOADER, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
            self.problem(node, loc, f"cannot read {node.value!r} as {_short(node.tag)}: {exc}")
            return None

    def refuse_tag(self, node: yaml.Node, loc: Loc) -> None:
        self.problem(
            node,
            loc,
            f"the tag {_short(node.tag)} is not allowed: a spec is plain YAML "
            "(mappings, lists, strings, numbers, booleans, null)",
        )
        return None

    def pairs(self, node: yaml.MappingNode, loc: Loc) -> list[tuple[Any, yaml.Node]]:
        """The mapping's (key, value node) pairs with merge keys applied."""
        own: dict[Any, yaml.Node] = {}
        merged: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and isinstance(key_node, yaml.ScalarNode):
                for source in self.merge_sources(key_node, value_node, loc):
                    for key, value in self.pairs(source, loc):
                        merged.setdefault(key, value)
                continue
            key = self.key(key_node, loc)
            if key is _BAD_KEY:
                continue
            if key in own:
                self.problem(key_node, loc + (key,), "duplicate key")
            own[key] = value_node
        return list({**merged, **own}.items())

    def merge_sources(
        self, key_node: yaml.Node, value: yaml.Node, loc: Loc
    ) -> list[yaml.MappingNode]:
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        if all(isinstance(s, yaml.MappingNode) for s in sources):
            return list(sources)
        self.problem(
            key_node,
            loc + ("<<",),
            "a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *base",
        )
        return [s for s in sources if isinstance(s, yaml.MappingNode)]

    def key(self, node: yaml.Node, loc: Loc) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, loc, "a key must be a plain value (a name), not a list or mapping")
            return _BAD_KEY
        value = self.scalar(node, loc)
        return _BAD_KEY if value is None and node.tag != _YAML + "null" else value


_BAD_KEY = object()


def _short(tag: str) -> str:
    return "!!" + tag[len(_YAML) :] if tag.startswith(_YAML) else tag


class _QuietLoader(yaml.SafeLoader):
    def __init__(self) -> None:
        super().__init__("")


_LOADER = _QuietLoader()


def dotted(loc: Loc) -> str:
    """A location as text: ``items[3].errors[0].raises``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"
