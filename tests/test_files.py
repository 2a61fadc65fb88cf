"""conformance.files: the files, buffers and pickles serialization steps use."""

from __future__ import annotations

import io
import os
import pathlib
import pickle
import subprocess
import sys
import zipfile

import pytest

from adapters.reference_adapter import ReferenceAdapter
from conformance import checks, files
from conformance.compare import CheckFailed
from conformance.steps import expect_raises, run_steps
from spec.expr import parse
from spec.schema import Step

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_temp_path_is_fresh_and_in_a_private_directory():
    a, b = files.temp_path(), files.temp_path(suffix=".bin")
    assert isinstance(a, str) and a != b
    assert not os.path.exists(a) and os.path.isdir(os.path.dirname(a))
    assert os.path.basename(a) == "checkpoint.pt" and b.endswith("checkpoint.bin")
    assert os.path.dirname(a) != os.path.dirname(b)
    named = files.temp_path(name="model.pt")
    assert os.path.basename(named) == "model.pt"
    assert os.path.commonpath([a, b, named]) == os.path.dirname(os.path.dirname(a))


@pytest.mark.parametrize("name", ["", "../x.pt", "a/b.pt"])
def test_temp_path_refuses_names_that_are_not_plain(name):
    with pytest.raises(ValueError, match="plain file name"):
        files.temp_path(name=name)


def test_temp_directory_is_removed_at_exit():
    code = (
        "import os\nfrom conformance import files\n"
        "p = files.temp_path()\nopen(p, 'wb').write(b'x')\n"
        "print(os.path.dirname(os.path.dirname(p)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    root = proc.stdout.strip()
    assert root and not os.path.exists(root)


def test_path_like_and_bytes_io():
    path = files.temp_path()
    p = files.path_like(path)
    assert isinstance(p, pathlib.Path) and isinstance(p, os.PathLike) and str(p) == path
    buf = files.bytes_io()
    assert isinstance(buf, io.BytesIO) and buf.getvalue() == b""
    assert files.bytes_io(b"ab").read() == b"ab"
    assert files.bytes_io("PK\x03\x04\xe9").getvalue() == b"PK\x03\x04\xe9"


def test_open_file_round_trip_and_binary_only():
    path = files.temp_path()
    with files.open_file(path, "wb") as fh:
        fh.write(b"data")
    with files.open_file(files.path_like(path)) as fh:
        assert fh.read() == b"data"
    with pytest.raises(ValueError, match="binary mode"):
        files.open_file(path, "r")


def test_fixture_paths():
    path = files.fixture("views.pt")
    assert isinstance(path, str) and os.path.isfile(path)
    assert pathlib.Path(path).parent == files.FIXTURES
    with pytest.raises(FileNotFoundError, match="views.pt"):
        files.fixture("missing.pt")
    with pytest.raises(FileNotFoundError):
        files.fixture("../2.3_serialization.yaml")


def test_fixtures_are_small_torch_archives():
    fixtures = sorted(files.FIXTURES.glob("*.pt"))
    assert fixtures and sum(p.stat().st_size for p in fixtures) < 20_000
    for path in fixtures:
        names = files.archive_names(str(path))
        assert f"{path.stem}/data.pkl" in names and f"{path.stem}/version" in names


def test_archive_names_from_path_file_and_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", b"x")
        archive.writestr("archive/version", b"3\n")
    data = buf.getvalue()
    assert files.archive_names(data) == ["archive/data.pkl", "archive/version"]
    buf.seek(5)
    assert files.archive_names(buf) == ["archive/data.pkl", "archive/version"]
    assert buf.tell() == 5, "the file position is restored"
    path = files.temp_path(suffix=".zip")
    pathlib.Path(path).write_bytes(data)
    assert files.archive_names(path) == files.archive_names(files.path_like(path))


def test_location_spy_records_and_returns():
    spy = files.location_spy()
    storage = object()
    assert spy(storage, "cpu") is storage
    assert spy(storage, "cuda:0") is storage
    assert spy.locations == ["cpu", "cuda:0"] and spy.calls == 2
    fallback = files.location_spy(fallback=True)
    assert fallback(storage, "cpu") is None and fallback.locations == ["cpu"]
    assert "cuda:0" in repr(spy)


def test_tripwire_fires_only_when_unpickled():
    t = files.tripwire()
    assert t.fired == 0 and t != files.tripwire()
    data = pickle.dumps(t, protocol=2)
    assert b"conformance.files" in data and b"fire" in data
    assert t.fired == 0
    loaded = pickle.loads(data)
    assert loaded == t and t.fired == 1 and hash(loaded) == hash(t)
    pickle.loads(data)
    assert t.fired == 2


def test_pickle_module_and_names():
    safe = files.pickle_module()
    assert safe.loads(safe.dumps({"a": [1, range(2)]})) == {"a": [1, range(2)]}
    assert files.VOCABULARY["UnpicklingError"] is pickle.UnpicklingError
    assert frozenset(files.VOCABULARY) == files.NAMES


def test_vocabulary_includes_file_names():
    vocab = checks.vocabulary(ReferenceAdapter())
    assert set(vocab) >= files.NAMES and checks.CHECK_NAMES >= files.NAMES
    assert vocab["temp_path"] is files.temp_path and "same" in vocab


def test_raises_step_resolves_unpickling_error():
    env = {"load": pickle.loads, "data": b"garbage"}
    exc = expect_raises(parse("load(data)"), env, "UnpicklingError", None, True)
    assert isinstance(exc, pickle.UnpicklingError)
    with pytest.raises(CheckFailed, match="instead of UnpicklingError"):
        expect_raises(parse("int('x')"), {"int": int}, "UnpicklingError", None, True)


def test_steps_save_and_load_through_the_reference():
    """The vocabulary works in steps: a saved tripwire is refused by the default load."""
    from conformance.namespaces import library_env

    env = library_env(ReferenceAdapter(), {}, None)
    steps = [
        Step(let={"t": parse("tripwire()"), "buf": parse("bytes_io()")}),
        Step(do=parse("torch.save([torch.ones(2), t], buf)")),
        Step(do=parse("buf.seek(0)")),
        Step(raises=parse("torch.load(buf)"), error="UnpicklingError", match="conformance.files"),
        Step(check=parse("t.fired == 0")),
        Step(do=parse("buf.seek(0)")),
        Step(check=parse("torch.load(buf, weights_only=False)[1] == t")),
        Step(check=parse("t.fired == 1")),
    ]
    run_steps(steps, env, check_messages=True)


def _scenario_steps(item: str, name: str) -> list[Step]:
    from spec.loader import load_spec

    entry = next(e for e in load_spec().entries if e.item.name == item)
    return next(s for s in entry.item.scenarios if s.name == name).steps


def test_reproducers_see_the_file_vocabulary():
    """A serialization scenario's reproducer imports temp_path(), tripwire(), UnpicklingError."""
    from adapters import load_adapter
    from conformance import reproducer

    steps = _scenario_steps("torch.load", "weights_only_runs_nothing")
    for target, ok in [
        ("adapters.reference_adapter:ReferenceAdapter", True),
        ("tests.broken.serialization:LoadUnsafeByDefault", False),
    ]:
        script = reproducer.script(load_adapter(target), {}, None, steps)
        assert "for_adapter" in script and "pytest.raises(UnpicklingError" in script
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert (proc.returncode == 0) is ok, (script, proc.stderr)
