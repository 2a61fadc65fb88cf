"""Files, buffers and pickles for spec steps that save and load (section 2.3).

Steps cannot open files or define functions, so this module gives them what serialization
scenarios need, and no more: fresh paths in a private temporary directory (removed when the
process exits; no helper reaches a file outside it or ``spec/fixtures``), path-like objects,
byte buffers, the fixture files under ``spec/fixtures`` (written
by ``torch.save``), the names inside a saved archive, a recording ``map_location``
function, and objects whose unpickling is observable (a ``weights_only`` load must refuse
them before running anything).

:data:`VOCABULARY` is merged into the check vocabulary (:mod:`conformance.checks`), so the
names are visible to steps and to reproducer scripts alike.
"""

from __future__ import annotations

import atexit
import collections
import functools
import io
import os
import pathlib
import pickle
import shutil
import tempfile
import threading
import types
import uuid
import zipfile
from typing import IO, Any

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "spec" / "fixtures"

_lock = threading.Lock()
_root: str | None = None


def _temp_root() -> str:
    """The process's temporary directory, created on first use and removed at exit."""
    global _root
    with _lock:
        if _root is None or not os.path.isdir(_root):
            _root = tempfile.mkdtemp(prefix="torchconform-")
            atexit.register(shutil.rmtree, _root, True)
        return _root


def temp_path(suffix: str = ".pt", name: str | None = None) -> str:
    """A path (``str``) to a file that does not exist yet, alone in a fresh directory.

    ``name`` sets the file name (its stem is the folder name inside a saved archive);
    otherwise it is ``checkpoint`` + ``suffix``.
    """
    folder = tempfile.mkdtemp(dir=_temp_root())
    filename = name if name is not None else f"checkpoint{suffix}"
    if not filename or os.path.basename(filename) != filename:
        raise ValueError(f"temp_path: name must be a plain file name, not {filename!r}")
    return os.path.join(folder, filename)


def _inside(path: str | os.PathLike[str], what: str, fixtures: bool = True) -> str:
    """``path`` resolved, if it lies in this process's temporary directory (or, when
    ``fixtures``, in ``spec/fixtures``); spec steps touch no other file."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: expected a path, got {type(path).__name__}")
    real = os.path.realpath(path)
    roots = [os.path.realpath(_temp_root())] + ([str(FIXTURES.resolve())] if fixtures else [])
    if not any(os.path.commonpath([real, root]) == root for root in roots):
        raise PermissionError(f"{what}: {os.fspath(path)!r} is outside the run's temporary folder")
    return real


def confined(fn: Any, name: str, position: int, keyword: str) -> Any:
    """``fn`` (a library function that opens the file it is given as argument ``position``
    or ``keyword``) refusing a path outside the run's temporary folder and ``spec/fixtures``."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        target = args[position] if len(args) > position else kwargs.get(keyword)
        if isinstance(target, (str, os.PathLike)):
            _inside(target, name)
        return fn(*args, **kwargs)

    return call


def path_like(path: str | os.PathLike[str]) -> pathlib.Path:
    """``path`` (from :func:`temp_path` or :func:`fixture`) as a :class:`pathlib.Path`."""
    _inside(path, "path_like")
    return pathlib.Path(path)


#: what :func:`bytes_io` may start a buffer with: a short header, without the bytes a pickle
#: needs to name a global (GLOBAL and INST end names with a newline, STACK_GLOBAL is 0x93)
#: and too short to hold a forged archive; what a library writes into the buffer is not limited
MAX_INITIAL_BYTES = 64
_GLOBAL_BYTES = frozenset(b"\n\r\x93")


def bytes_io(data: bytes | str = b"") -> io.BytesIO:
    """An in-memory binary file holding ``data`` (a ``str`` is encoded as latin-1), at 0."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    if len(data) > MAX_INITIAL_BYTES or _GLOBAL_BYTES & set(data):
        raise ValueError(
            f"bytes_io: initial data is at most {MAX_INITIAL_BYTES} bytes without newlines "
            "or 0x93 (nothing a pickle could run)"
        )
    return _Buffer(data)


class _Buffer(io.BytesIO):
    """A buffer :func:`bytes_io` made: what is in it came from a library, never from spec text
    beyond the short initial data."""


def head_of(buffer: io.BytesIO, size: int) -> io.BytesIO:
    """A new buffer holding the first ``size`` bytes of a :func:`bytes_io` buffer (a
    truncated archive, for the errors of loading one)."""
    if not isinstance(buffer, _Buffer):
        raise TypeError("head_of: expected a buffer made by bytes_io()")
    return _Buffer(buffer.getvalue()[: max(size, 0)])


def open_file(path: str | os.PathLike[str], mode: str = "rb") -> IO[bytes]:
    """A real binary file object (use it in a ``with`` step so it is closed): writable only
    in the run's temporary folder, readable there and in ``spec/fixtures``."""
    if "b" not in mode:
        raise ValueError(f"open_file: serialization needs a binary mode, not {mode!r}")
    real = _inside(path, "open_file", fixtures=mode == "rb")
    return open(real, mode)  # noqa: SIM115 - the caller's with-step closes it


def fixture(name: str) -> str:
    """The path (``str``) of ``spec/fixtures/<name>``, a file ``torch.save`` wrote."""
    path = FIXTURES / name
    if os.path.basename(name) != name or not path.is_file():
        known = sorted(p.name for p in FIXTURES.glob("*.pt")) if FIXTURES.is_dir() else []
        raise FileNotFoundError(f"no fixture {name!r} in spec/fixtures (have {known})")
    return str(path)


def archive_names(source: str | os.PathLike[str] | IO[bytes] | bytes) -> list[str]:
    """The entry names of the zip archive in a path, a binary file object or bytes.

    A file object is read from its start and left where it was.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)):
        with zipfile.ZipFile(_inside(source, "archive_names")) as archive:
            return archive.namelist()
    where = source.tell()
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            return archive.namelist()
    finally:
        source.seek(where)


class LocationSpy:
    """A ``map_location`` function that records each storage location it is asked about.

    It returns the storage unchanged, or ``None`` when built with ``fallback=True`` (then
    ``torch.load`` restores the storage as if no ``map_location`` were given).
    """

    def __init__(self, fallback: bool = False) -> None:
        self.fallback = fallback
        self.locations: list[str] = []

    def __call__(self, storage: Any, location: str) -> Any:
        self.locations.append(location)
        return None if self.fallback else storage

    @property
    def calls(self) -> int:
        """How many storages it was called for."""
        return len(self.locations)

    def __repr__(self) -> str:
        return f"location_spy(fallback={self.fallback}) called with {self.locations!r}"


def location_spy(fallback: bool = False) -> LocationSpy:
    """A recording ``map_location`` function (see :class:`LocationSpy`)."""
    return LocationSpy(fallback)


_FIRED: collections.Counter[str] = collections.Counter()


def fire(token: str) -> Tripwire:
    """What unpickling a :class:`Tripwire` calls: counts the call, returns the tripwire."""
    with _lock:
        _FIRED[token] += 1
    return Tripwire(token)


class Tripwire:
    """An object whose unpickling calls :func:`fire` (``conformance.files.fire``).

    It pickles as a call of a function no ``weights_only`` allowlist knows, so loading it
    is code execution in miniature: ``fired`` says how many times that call has run.
    """

    def __init__(self, token: str | None = None) -> None:
        self.token = token or uuid.uuid4().hex

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (fire, (self.token,))

    @property
    def fired(self) -> int:
        """How many times unpickling this tripwire (or a copy) has called :func:`fire`."""
        return _FIRED[self.token]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tripwire) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return f"<tripwire {self.token[:8]} fired {self.fired} times>"


def tripwire() -> Tripwire:
    """A fresh :class:`Tripwire` that has not fired."""
    return Tripwire()


#: globals an engine-made pickle may name: torch's and the reference's rebuild functions and
#: classes, plain containers, and the tripwire's own :func:`fire`
_PICKLE_MODULES = ("torch", "reference", "collections", "conformance.files")
_PICKLE_BUILTINS = frozenset({"range", "slice", "set", "frozenset", "complex", "bytearray"})


class _Unpickler(pickle.Unpickler):
    """An unpickler that finds only :data:`_PICKLE_MODULES` names and a few builtins."""

    def find_class(self, module: str, name: str) -> Any:
        ours = any(module == m or module.startswith(m + ".") for m in _PICKLE_MODULES)
        plain = module == "builtins" and name in _PICKLE_BUILTINS
        if "." in name or name.startswith("__") or not (ours or plain):
            raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed here")
        return super().find_class(module, name)


def _load(file: IO[bytes], **kwargs: Any) -> Any:
    return _Unpickler(file, **kwargs).load()


def _loads(data: bytes, **kwargs: Any) -> Any:
    return _Unpickler(io.BytesIO(data), **kwargs).load()


#: :func:`pickle_module`'s value: pickle's interface, unpickling only library objects
SAFE_PICKLE = types.SimpleNamespace(
    Pickler=pickle.Pickler,
    Unpickler=_Unpickler,
    dump=pickle.dump,
    dumps=pickle.dumps,
    load=_load,
    loads=_loads,
    UnpicklingError=pickle.UnpicklingError,
    PicklingError=pickle.PicklingError,
    HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
    DEFAULT_PROTOCOL=pickle.DEFAULT_PROTOCOL,
    __name__="pickle",
)


def pickle_module() -> Any:
    """A ``pickle_module=`` argument: :mod:`pickle`'s interface whose unpickler finds only
    the library's own globals, containers and a few builtins (never ``os.system``)."""
    return SAFE_PICKLE


#: names steps can call (merged into the check vocabulary)
VOCABULARY: dict[str, Any] = {
    "temp_path": temp_path,
    "path_like": path_like,
    "bytes_io": bytes_io,
    "head_of": head_of,
    "open_file": open_file,
    "fixture": fixture,
    "archive_names": archive_names,
    "location_spy": location_spy,
    "tripwire": tripwire,
    "pickle_module": pickle_module,
    "OrderedDict": collections.OrderedDict,
    "UnpicklingError": pickle.UnpicklingError,
}
NAMES = frozenset(VOCABULARY)

#: exception classes ``raises:`` steps may name beyond the builtins
EXCEPTIONS: dict[str, type[BaseException]] = {"UnpicklingError": pickle.UnpicklingError}
