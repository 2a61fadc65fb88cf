"""``load``: open the archive, check its version, and unpickle ``data.pkl`` with storages
read from their records (byte-swapped if needed) and restored per ``map_location``."""

from __future__ import annotations

import io
import os
import pickle
import sys
import warnings
from typing import IO, Any

from .archive import FileLike, FileSource, MmapSource, ZipReader
from .locations import restore_location
from .storages import Storage, StorageType, TypedStorage
from .unpickler import WeightsOnlyUnpickler, unpickle

_MAX_VERSION = 10


def _check_version(reader: ZipReader) -> None:
    name = ".data/version" if reader.has(".data/version") else "version"
    if not reader.has(name):
        raise RuntimeError(
            'Expected hasRecord("version") to be true, but got false.  (Could this error message '
            "be improved?  If so, please report an enhancement request to PyTorch.)"
        )
    version = int(reader.get(name).decode().strip() or 0)
    if version > _MAX_VERSION:
        raise RuntimeError(
            f"Attempted to read a PyTorch file with version {version}, but the maximum supported "
            f"version for reading is {_MAX_VERSION}. The version of your PyTorch installation may "
            "be too old, please upgrade PyTorch to latest version to mitigate this issue."
        )


def _ascii(value: Any) -> Any:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _byteorder(reader: ZipReader) -> str:
    order = reader.get("byteorder").decode()
    if order not in ("little", "big"):
        raise ValueError("Unknown endianness type: " + order)
    return order


def _storage_loader(reader: ZipReader, map_location: Any):
    """``persistent_load`` for storage ids: read ``data/<key>`` once, restore its location."""
    restore, loaded = restore_location(map_location), {}
    swap = reader.has("byteorder") and _byteorder(reader) != sys.byteorder

    def persistent_load(pid: Any) -> TypedStorage:
        if not isinstance(pid, tuple) or len(pid) != 5 or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, got {pid!r}")
        storage_type, key, location, numel = pid[1:]
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"Unknown storage type {storage_type!r}")
        if not isinstance(numel, int) or numel < 0:
            raise TypeError(
                f"get_storage_from_record(): incompatible function arguments: the storage's "
                f"numel must be a non-negative int, got {numel!r}"
            )
        key, dt = _ascii(key), storage_type.dtype
        if key not in loaded:
            raw = _read_storage(reader, key, int(numel) * dt.itemsize)
            if swap and dt.itemsize > 1:
                raw.view(dt._np).byteswap(inplace=True)
            loaded[key] = TypedStorage(restore(Storage(raw), _ascii(location)), dt)
        return loaded[key]

    return persistent_load


def _read_storage(reader: ZipReader, key: str, nbytes: int):
    """Record ``data/<key>``, which must declare exactly ``nbytes`` (checked before it is read
    or inflated, so a small file cannot claim a huge storage)."""
    size = reader.size(f"data/{key}")
    if size != nbytes:
        raise RuntimeError(
            f"record size ({size} bytes) does not match expected size ({nbytes} bytes = "
            f"{nbytes} elements * 1 bytes/element) for dtype Byte"
        )
    return reader.array(f"data/{key}")


def _load_zip(reader: ZipReader, map_location, base, weights_only: bool, args) -> Any:
    _check_version(reader)
    if reader.has("constants.pkl"):
        raise RuntimeError("reference.load: TorchScript archives are not supported")
    persistent_load = _storage_loader(reader, map_location)
    return unpickle(reader.get("data.pkl"), base, weights_only, persistent_load, args)


def _check_seekable(f: Any) -> None:
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError) as e:
        if "seek" in str(e) or "tell" in str(e):
            raise type(e)(
                str(e) + ". You can only torch.load from a file that is seekable. Please "
                "pre-load the data into a buffer like io.BytesIO and try to load from it instead."
            ) from None
        raise


def _check_zip(magic: bytes, path: Any, mmap: bool | None) -> None:
    """Refuse what is not a zip archive, with torch's messages."""
    if magic == b"PK\x03\x04":
        return
    if mmap:
        name = f"{path}, " if isinstance(path, str) else ""
        raise RuntimeError(
            "mmap can only be used with files saved with "
            f"`torch.save({name}_use_new_zipfile_serialization=True), please torch.save your "
            "checkpoint with this option in order to use mmap."
        )
    if not magic:
        raise EOFError("Ran out of input")
    raise RuntimeError(
        "reference.load: not a zip archive written by torch.save (the legacy format of "
        "_use_new_zipfile_serialization=False is not supported)"
    )


def _load_file(f: IO[bytes], path: Any, map_location, base, weights_only, mmap, args) -> Any:
    start = f.tell()
    magic = f.read(4)
    f.seek(start)
    _check_zip(magic, path, mmap)
    if mmap and path is None:
        raise ValueError("f must be a file path in order to use the mmap argument")
    source = MmapSource(path) if mmap else FileSource(f)
    return _load_zip(ZipReader(source), map_location, base, weights_only, args)


def load(
    f: FileLike,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load an object saved by ``torch.save`` or ``reference.save``.

    ``weights_only`` (the default unless a ``pickle_module`` is given) resolves only the
    globals torch's weights-only unpickler allows; anything else raises
    ``pickle.UnpicklingError`` naming it, before it is imported or called.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError(
                "Can not safely load weights when explicit pickle_module is specified"
            )
        if pickle_load_args:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    elif pickle_module is None:
        pickle_module = pickle
    base = WeightsOnlyUnpickler if weights_only else pickle_module.Unpickler
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_file(fh, f, map_location, base, weights_only, mmap, pickle_load_args)
    _check_seekable(f)
    return _load_file(f, None, map_location, base, weights_only, mmap, pickle_load_args)
