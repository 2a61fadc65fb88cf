"""``save``: pickle the object, then write the pickle and its storages as archive records."""

from __future__ import annotations

import os
import pickle
import sys
import uuid
from typing import IO, Any

from .archive import ALIGNMENT, FileLike, ZipWriter
from .pickler import Pickler


def _archive_name(f: FileLike) -> str:
    """torch's top-level folder: the file's stem for paths, ``archive`` for buffers."""
    if not isinstance(f, (str, os.PathLike)):
        return "archive"
    stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
    return stem if stem and stem.isascii() else "archive"


def _write_archive(f: IO[bytes], prefix: str, obj: Any, byteorder: bool) -> None:
    pickler = Pickler()
    data = pickler.dump(obj)
    writer = ZipWriter(f, prefix)
    writer.write_record("data.pkl", data)
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", str(ALIGNMENT).encode())
    if byteorder:
        writer.write_record("byteorder", sys.byteorder.encode())
    for entry in pickler.storages.values():
        writer.write_record(f"data/{entry.key}", entry.data)
    writer.write_record("version", b"3\n")
    writer.write_record(".data/serialization_id", f"{uuid.uuid4().int % 10**40:040d}".encode())
    writer.close()


def save(
    obj: object,
    f: FileLike,
    pickle_module: Any = pickle,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Save ``obj`` to a path or a writable binary file in torch's zip format.

    ``pickle_module`` and ``pickle_protocol`` are accepted for torch's signature; the
    pickle is always protocol 2, written so ``torch.load(weights_only=True)`` reads it.
    """
    if not isinstance(f, (str, os.PathLike)) and not hasattr(f, "write"):
        raise AttributeError(
            "expected 'f' to be string, path, or a file-like object with a 'write' attribute"
        )
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("reference.save: only the zip format is supported")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _write_archive(fh, _archive_name(f), obj, not _disable_byteorder_record)
        return
    if not callable(f.write):
        raise TypeError(f"Buffer of {str(type(f)).strip('<>')} has no callable attribute 'write'")
    _write_archive(f, "archive", obj, not _disable_byteorder_record)
    if hasattr(f, "flush"):
        f.flush()
