"""What ``torchconform list`` printed, kept so that listing an unchanged spec again skips
its validation: one JSON file per listing in the user's cache folder
(``$TORCHCONFORM_CACHE_DIR``, else ``$XDG_CACHE_HOME/torchconform`` or
``~/.cache/torchconform``; ``TORCHCONFORM_CACHE_DIR=`` set empty turns it off).

A listing is found again only under the same key: a hash of everything its output depends
on, which is the bytes of every YAML file loading reads, torchconform's own code, the
options, the Python version and the folders pydantic and PyYAML are installed in. Only the
output of a listing that succeeded is kept, so a spec with mistakes is validated, and its
problems reported, every time. The files hold text only (JSON, never pickle), and one that
is not what was written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spec import yamlsafe
from spec.files import BUILTIN_DIR, yaml_files

ENV = "TORCHCONFORM_CACHE_DIR"
#: Listings kept; the earliest written go first.
MAX_FILES = 32
#: What validation depends on besides torchconform's code (the folders they are installed in).
_LIBRARIES = ("pydantic", "pydantic_core", "yaml")


def folder() -> Path | None:
    """The cache folder; None when ``TORCHCONFORM_CACHE_DIR`` is set empty."""
    if (chosen := os.environ.get(ENV)) is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "torchconform"


def key(spec_root: Path, options: dict[str, Any]) -> str | None:
    """The hash of everything the listing of ``spec_root`` with ``options`` depends on; None
    when a spec file cannot be read (loading it says why)."""
    digest = hashlib.sha256()
    try:
        for part in _parts(spec_root, options):
            digest.update(len(part).to_bytes(8, "little") + part)
    except OSError:
        return None
    return digest.hexdigest()


def _parts(spec_root: Path, options: dict[str, Any]) -> Iterator[bytes]:
    yield json.dumps([sys.version, str(spec_root.resolve()), options], default=str).encode()
    for name in _LIBRARIES:
        found = importlib.util.find_spec(name)
        place = Path(found.origin).parent if found and found.origin else None
        yield f"{name} {place} {_mtime(place)} {_mtime(place and place.parent)}".encode()
    code = [p for package in (BUILTIN_DIR, Path(__file__).parent) for p in package.rglob("*.py")]
    for path in [*yaml_files(spec_root), *sorted(code)]:
        yield str(path).encode()
        yield yamlsafe.read_bytes(path)


def _mtime(path: Path | None) -> int | None:
    return path.stat().st_mtime_ns if path is not None else None


def lookup(digest: str) -> str | None:
    """The output kept under ``digest``, or None."""
    place = folder()
    if place is None:
        return None
    try:
        record = json.loads(yamlsafe.read_bytes(place / f"list-{digest}.json"))
    except (OSError, ValueError):  # not there, not a regular file, too large, not JSON
        return None
    if isinstance(record, dict) and record.get("key") == digest:
        output = record.get("output")
        return output if isinstance(output, str) else None
    return None


def store(digest: str, output: str) -> None:
    """Keep ``output`` under ``digest`` (written whole or not at all; quietly not at all
    when the folder cannot be written)."""
    place = folder()
    data = json.dumps({"key": digest, "output": output}).encode()
    if place is None or len(data) > yamlsafe.MAX_BYTES:
        return
    with contextlib.suppress(OSError):
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".list-", dir=place)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, place / f"list-{digest}.json")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        _prune(place)


def _prune(place: Path) -> None:
    """Remove all but the ``MAX_FILES`` listings written last."""
    kept = sorted(place.glob("list-*.json"), key=_written, reverse=True)
    for path in kept[MAX_FILES:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _written(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed by another process meanwhile
        return 0
