"""The zip container: stored records written as torch's writer (miniz) lays them out, their
data aligned to 64 bytes, with zip64 end records; read back through the central directory
and local headers, from a seekable file or a copy-on-write mapping."""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import IO, NamedTuple

import numpy as np

FileLike = str | os.PathLike | IO[bytes]

ALIGNMENT = 64
#: sizes and offsets at or above this are written in zip64 form (a test may lower it)
ZIP64_LIMIT = 0xFFFFFFFF

_MINIZ = (
    "This is an internal miniz error. If you are seeing this error, there is a high likelihood "
    "that your checkpoint file is corrupted. This can happen if the checkpoint was not saved "
    "properly, was transferred incorrectly, or the file was modified after saving."
)


# ---------------------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------------------
def _clamp32(*values: int) -> tuple[int, ...]:
    """32-bit fields: values past the zip64 limit become 0xFFFFFFFF."""
    return tuple(v if v < ZIP64_LIMIT else 0xFFFFFFFF for v in values)


class ZipWriter:
    """Writes stored entries the way torch's writer does (aligned data, data descriptors,
    zip64 end records)."""

    def __init__(self, f: IO[bytes], prefix: str) -> None:
        self._f, self._prefix, self._pos, self._entries = f, prefix, 0, []

    def _emit(self, data) -> None:
        self._f.write(data)
        self._pos += memoryview(data).nbytes

    def write_record(self, name: str, data) -> None:
        """Append one stored entry; its data starts on a 64-byte boundary."""
        full = f"{self._prefix}/{name}".encode()
        size, offset = memoryview(data).nbytes, self._pos
        flags = 0x0808 if size else 0x0800  # utf-8 names; sizes in a trailing descriptor
        self._emit(self._local_header(full, flags, offset))
        self._emit(data)
        crc = zlib.crc32(data) if size else 0
        if size:
            wide = offset >= ZIP64_LIMIT or size >= ZIP64_LIMIT
            fmt = "<IIQQ" if wide else "<IIII"
            self._emit(struct.pack(fmt, 0x08074B50, crc, size, size))
        self._entries.append((full, flags, crc, size, offset))

    @staticmethod
    def _local_header(full: bytes, flags: int, offset: int) -> bytes:
        """The local header, padded through its extra field so the data lands aligned."""
        pad = -(offset + 30 + len(full) + 4) % ALIGNMENT
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        fields = (0x04034B50, 0, flags, 0, 0, 0, 0, 0, 0, len(full), len(extra))
        return struct.pack("<IHHHHHIIIHH", *fields) + full + extra

    @staticmethod
    def _central_entry(full: bytes, flags: int, crc: int, size: int, offset: int) -> bytes:
        wide = [v for v in (size, size) if v >= ZIP64_LIMIT]
        wide += [offset] if offset >= ZIP64_LIMIT else []
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        size32, offset32 = _clamp32(size, offset)
        fields = (0x02014B50, 0, 0, flags, 0, 0, 0, crc, size32, size32, len(full), len(extra))
        tail = (0, 0, 0, 0, offset32)
        return struct.pack("<IHHHHHHIIIHH", *fields) + struct.pack("<HHHII", *tail) + full + extra

    def close(self) -> None:
        """Write the central directory and the (zip64 and plain) end records."""
        start = self._pos
        for entry in self._entries:
            self._emit(self._central_entry(*entry))
        n, size, eocd64 = len(self._entries), self._pos - start, self._pos
        record = (0x06064B50, 44, 0x031E, 0x2D, 0, 0, n, n, size, start)
        self._emit(struct.pack("<IQHHIIQQQQ", *record))
        self._emit(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        n16 = min(n, 0xFFFF)
        size32, start32 = _clamp32(size, start)
        self._emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n16, n16, size32, start32, 0))


# ---------------------------------------------------------------------------------------
# Sources: random access to the archive's bytes
# ---------------------------------------------------------------------------------------
def _truncated() -> RuntimeError:
    return RuntimeError(f"PytorchStreamReader failed reading file: truncated. {_MINIZ}")


class FileSource:
    """Random access to a seekable binary file, from its current position."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f, self.base = f, f.tell()
        self.size = f.seek(0, io.SEEK_END) - self.base

    def _check(self, offset: int, n: int) -> None:
        if offset < 0 or offset + n > self.size:
            raise _truncated()

    def read(self, offset: int, n: int) -> bytes:
        self._check(offset, n)
        self.f.seek(self.base + offset)
        data = self.f.read(n)
        if len(data) != n:
            raise _truncated()
        return data

    def array(self, offset: int, n: int) -> np.ndarray:
        """A fresh writable uint8 array of the bytes (the storage's own memory)."""
        self._check(offset, n)
        out = np.empty(n, np.uint8)
        self.f.seek(self.base + offset)
        got = self.f.readinto(memoryview(out)) if hasattr(self.f, "readinto") else None
        if got is None:
            data = self.f.read(n)
            got = len(data)
            out[:got] = np.frombuffer(data, np.uint8)
        if got != n:
            raise _truncated()
        return out


class MmapSource:
    """A file mapped copy-on-write (torch's ``mmap=True``): storages alias the mapping."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.mm = np.memmap(path, dtype=np.uint8, mode="c")
        self.size = self.mm.size

    def read(self, offset: int, n: int) -> bytes:
        return bytes(self.array(offset, n))

    def array(self, offset: int, n: int) -> np.ndarray:
        if offset < 0 or offset + n > self.size:
            raise _truncated()
        return self.mm[offset : offset + n]


# ---------------------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------------------
class _Record(NamedTuple):
    header: int
    csize: int
    usize: int
    method: int
    crc: int


def _zip64_values(extra: bytes, wanted: list[bool]) -> list[int | None]:
    """Values of the zip64 extra field (id 1) for the 32-bit fields that overflowed."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        if tag == 1:
            values = struct.unpack_from(f"<{size // 8}Q", extra, pos + 4)
            it = iter(values)
            return [next(it, None) if w else None for w in wanted]
        pos += 4 + size
    return [None] * len(wanted)


def _inflate(data: bytes, rec: _Record) -> bytes:
    """Inflate a deflated record to exactly the size it declares, and no further."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, rec.usize + 1)
    except zlib.error as exc:
        raise RuntimeError(
            f"PytorchStreamReader failed reading zip archive: {exc}. {_MINIZ}"
        ) from None
    if len(out) != rec.usize:
        raise RuntimeError(
            f"PytorchStreamReader failed reading zip archive: a record declares {rec.usize} bytes "
            f"but inflates to {'more' if len(out) > rec.usize else len(out)}. {_MINIZ}"
        )
    return out


class ZipReader:
    """Reads records of a torch archive through the central directory and local headers."""

    def __init__(self, source: FileSource | MmapSource) -> None:
        self.source = source
        self.records = self._central_directory()
        first = next(iter(self.records), "")
        if "/" not in first:
            raise RuntimeError(f"file in archive is not in a subdirectory: {first}")
        self.prefix = first.split("/", 1)[0] + "/"

    def _end_records(self) -> tuple[int, int]:
        """Entry count and central directory offset, from the (zip64) end records."""
        size = self.source.size
        tail_start = max(0, size - 65557)
        tail = self.source.read(tail_start, size - tail_start)
        idx = tail.rfind(b"PK\x05\x06")
        if idx < 0 or idx + 22 > len(tail):
            raise RuntimeError(
                "PytorchStreamReader failed reading zip archive: failed finding central "
                f"directory. {_MINIZ}"
            )
        n, cd_size, cd_offset = struct.unpack_from("<HII", tail, idx + 10)
        loc = idx - 20
        if loc >= 0 and tail[loc : loc + 4] == b"PK\x06\x07":
            (eocd64,) = struct.unpack_from("<Q", tail, loc + 8)
            n, cd_size, cd_offset = struct.unpack("<8xQQQ", self.source.read(eocd64 + 24, 32))
        return n, cd_offset

    def _central_directory(self) -> dict[str, _Record]:
        n, offset = self._end_records()
        records: dict[str, _Record] = {}
        for _ in range(n):
            name, record, offset = self._directory_entry(offset)
            records[name] = record
        return records

    def _directory_entry(self, offset: int) -> tuple[str, _Record, int]:
        """The central directory entry at ``offset``: name, record, offset of the next."""
        head = self.source.read(offset, 46)
        if head[:4] != b"PK\x01\x02":
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive. {_MINIZ}")
        method, crc, csize, usize, nlen, xlen, clen = struct.unpack_from("<H4xIIIHHH", head, 10)
        (header,) = struct.unpack_from("<I", head, 42)
        rest = self.source.read(offset + 46, nlen + xlen)
        name = rest[:nlen].decode("utf-8", "replace")
        narrow = (usize, csize, header)
        big = [v == 0xFFFFFFFF for v in narrow]
        wide = _zip64_values(rest[nlen:], big) if any(big) else [None] * 3
        usize, csize, header = (
            w if w is not None else v for w, v in zip(wide, narrow, strict=True)
        )
        return name, _Record(header, csize, usize, method, crc), offset + 46 + nlen + xlen + clen

    def has(self, name: str) -> bool:
        return self.prefix + name in self.records

    def _locate(self, name: str) -> tuple[_Record, int]:
        rec = self.records.get(self.prefix + name)
        if rec is None:
            raise RuntimeError(
                f"PytorchStreamReader failed locating file {name}: file not found. {_MINIZ}"
            )
        head = self.source.read(rec.header, 30)
        if head[:4] != b"PK\x03\x04":
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}. {_MINIZ}")
        nlen, xlen = struct.unpack_from("<HH", head, 26)
        return rec, rec.header + 30 + nlen + xlen

    def size(self, name: str) -> int:
        """The size a record declares (before anything is read or inflated)."""
        return self._locate(name)[0].usize

    def array(self, name: str) -> np.ndarray:
        """A record's bytes as a uint8 array (a view of the mapping under mmap), never more
        than the size it declares, its CRC-32 checked (a zero CRC is torch's "not computed")."""
        rec, start = self._locate(name)
        if rec.method == 0:
            out = self.source.array(start, rec.usize)
        elif rec.method == 8:
            inflated = _inflate(self.source.read(start, rec.csize), rec)
            out = np.frombuffer(bytearray(inflated), np.uint8)
        else:
            raise RuntimeError(f"reference.load: unsupported compression method {rec.method}")
        if rec.crc and zlib.crc32(out) != rec.crc:
            raise RuntimeError(
                f"PytorchStreamReader failed reading file {name}: CRC-32 mismatch (the file is "
                f"corrupted). {_MINIZ}"
            )
        return out

    def get(self, name: str) -> bytes:
        return self.array(name).tobytes()
