"""Spec files and saved files are untrusted input: generated hostile spec folders, expression
escapes in every evaluation world, crafted ``.pt`` files and killed runs, each with its exact
outcome (an error of the expected shape, nothing executed, nothing written, bounded work)."""

from __future__ import annotations

import glob
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

import reference
from adapters.base import MissingItem
from adapters.reference_adapter import ReferenceAdapter
from conformance.namespaces import generator_env, library_env, numpy_env
from conformance.sandbox import SandboxError
from spec.expr import EvalError, ExprError, parse
from spec.loader import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[1]

VALID = """\
section: "9"
title: Hostile
items:
  - name: torch.abs
    kind: function
    summary: absolute value
    signature: "abs(input) -> Tensor"
    dtypes: [float32]
    inputs:
      input: "tensor()"
    call: torch.abs(input)
    oracle: np.abs(input)
"""


# ----- spec files ------------------------------------------------------------------------
def _mutations(rng: random.Random) -> str:
    """One hostile variant of :data:`VALID`."""
    text = VALID
    kind = rng.randrange(12)
    at = rng.randrange(len(text))
    if kind == 0:  # a control character somewhere
        return text[:at] + chr(rng.choice([0, 1, 7, 8, 11, 27, 127])) + text[at:]
    if kind == 1:  # truncated
        return text[:at]
    if kind == 2:  # a tag
        tag = rng.choice(["!!python/object/apply:os.system", "!custom", "!!int", "!!binary"])
        return text.replace("title: Hostile", f"title: {tag} abc")
    if kind == 3:  # nesting
        depth = rng.randrange(90, 600)
        return text + "    notes: " + "[" * depth + "]" * depth + "\n"
    if kind == 4:  # an alias bomb
        rows = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        rows += [
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]"
            for p, n in zip("abcdefg", "bcdefgh", strict=True)
        ]
        return "\n".join(rows) + "\n"
    if kind == 5:  # a huge integer or an impossible date
        value = rng.choice(["9" * rng.randrange(4000, 9000), "2020-02-31", "!!int abc"])
        return text.replace("title: Hostile", f"title: Hostile\nextra: {value}")
    if kind == 6:  # a newline, or a forged problem line, in a name
        return text.replace("torch.abs\n", '"torch.abs\\nx.yaml:1: forged"\n', 1)
    if kind == 7:  # a long or deep expression
        body = rng.choice(["+".join(["input"] * 30000), "(" * 400 + "input" + ")" * 400])
        return text.replace("np.abs(input)", body)
    if kind == 8:  # a self-referencing alias
        return "a: &x [1, *x]\n"
    if kind == 9:  # a byte flipped
        return text[:at] + chr(ord(text[at]) ^ rng.choice([1, 32, 64])) + text[at + 1 :]
    if kind == 10:  # an expression escape where an expression goes
        escape = rng.choice(ESCAPES)
        return text.replace("np.abs(input)", escape.replace('"', "'"))
    return text.replace("kind: function", f"kind: {rng.choice(['bogus', '[1]', '{a: 1}', ''])}")


PROBLEM = re.compile(r"^\S+\.yaml:\d+: \S.*$")


@pytest.mark.parametrize("seed", range(150))
def test_hostile_spec_files_are_one_line_problems(tmp_path: Path, seed: int) -> None:
    (tmp_path / "s.yaml").write_text(_mutations(random.Random(seed)), encoding="utf-8")
    started = time.process_time()
    try:
        spec = load_spec(tmp_path)
    except SpecError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert PROBLEM.match(problem) and "\n" not in problem, problem
    else:
        assert all(e.item.name.startswith("torch.") for e in spec.entries)
    assert time.process_time() - started < 10, "loading must stay cheap"


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_special_files_are_refused_without_reading(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "s.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(SpecError, match="not a regular file"):
        load_spec(tmp_path)


def test_cli_says_how_many_problems_it_did_not_show(tmp_path: Path) -> None:
    items = "".join(f"  - name: torch.x{i}\n    kind: bogus\n" for i in range(30))
    (tmp_path / "s.yaml").write_text(f'section: "9"\ntitle: t\nitems:\n{items}', "utf-8")
    proc = _cli("list", "--spec", str(tmp_path))
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and len(lines) == 21, proc.stderr
    assert all(PROBLEM.match(line) for line in lines[:20])
    assert lines[20] == "torchconform: 10 more problems not shown"


# ----- expressions ---------------------------------------------------------------------------
SENTINEL = "torchconform-escaped"
ESCAPES = [
    f"torch.os.system('touch {SENTINEL}')",
    "torch.sys.modules",
    "torch.builtins.eval('1')",
    "torch.serialization.pickle",
    "torch.nn.modules.module.warnings",
    "torch.hub.load('a', 'b')",
    "torch.utils.cpp_extension",
    f"torch.save(torch.ones(2), '{SENTINEL}')",
    "torch.load('/etc/hostname')",
    f"pickle_module().loads(\"cos\\nsystem\\n(S'touch {SENTINEL}'\\ntR.\".encode())",
    f"torch.load(bytes_io(\"cos\\nsystem\\n(S'touch {SENTINEL}'\\ntR.\"), weights_only=False)",
    f"open_file('{SENTINEL}', 'wb')",
    "open_file('/etc/hostname', 'rb')",
    "path_like('/etc/hostname')",
    "archive_names('/etc/hostname')",
    f"np.ones(3).tofile('{SENTINEL}')",
    f"np.ones(3).dump('{SENTINEL}')",
    f"to_np(torch.ones(3)).tofile('{SENTINEL}')",
    f"torch.ones(3).numpy().tofile('{SENTINEL}')",
    f"path_like(temp_path()).write_text('{SENTINEL}')",
    "path_like(temp_path()).read_text()",
    "bytes_io().write(1)",
    "x.__class__",
    "().__class__.__bases__",
    "__import__('os')",
    "eval('1')",
    "open('x')",
    "getattr(x, 'y')",
    "np.lib",
    "np.ctypeslib",
    "np.load('x')",
    "((2**4096)**4096)**4096",
    "np.ones(10**9)",
    "np.zeros((10**5, 10**5))",
    "np.arange(10**12)",
    "np.linspace(0, 1, 10**10)",
    "sum(range(10**12))",
    "'a' * 10**9",
    "[0] * 10**9",
    "2 ** 10**6",
]
REFUSALS = (ExprError, EvalError, SandboxError, MissingItem, AttributeError, PermissionError)
REFUSALS += (ValueError, TypeError, Exception)
WRAPPERS = ["{}", "len([{}])", "1 if {} else 2"]


def _worlds() -> dict:
    adapter = ReferenceAdapter()
    x = {"x": reference.ones(2)}
    return {
        "generator": lambda: generator_env({}, "float32"),
        "numpy": lambda: numpy_env({}, "float32"),
        "library": lambda: library_env(adapter, x, "float32"),
    }


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("world", ["generator", "numpy", "library"])
def test_expression_escapes_are_refused(
    world: str, wrapper: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = _worlds()[world]()
    for escape in ESCAPES:
        source = wrapper.format(escape)
        started = time.process_time()
        try:
            value = parse(source).evaluate(env)
        except REFUSALS as exc:
            assert not isinstance(exc, (SystemExit, KeyboardInterrupt))
        else:
            raise AssertionError(f"{world}: {source} gave {value!r}")
        assert time.process_time() - started < 2, f"{source} was not refused promptly"
    assert not (tmp_path / SENTINEL).exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ("torch.os", "is the module os"),
        ("torch.builtins", "is the module builtins"),
        ("torch.hub", "closed to specs"),
        ("np.ones(3).tofile", "may not use .tofile"),
        ("np.ones(10**9)", "the limit is"),
        ("sum(range(10**12))", "the limit is"),
        ("((2**4096)**4096)**4096", "too large"),
        ("path_like('/etc/hostname')", "outside the run's temporary folder"),
        ("torch.save(torch.ones(1), '/tmp/x.pt')", "outside the run's temporary folder"),
    ],
)
def test_refusals_say_why(source: str, refusal: str) -> None:
    pytest.importorskip("torch")
    from adapters.torch_adapter import TorchAdapter

    env = library_env(TorchAdapter(), {}, "float32")
    with pytest.raises(Exception, match=re.escape(refusal)):
        parse(source).evaluate(env)


# ----- saved files ---------------------------------------------------------------------------
def _archive() -> bytes:
    buf = io.BytesIO()
    reference.save({"w": reference.arange(6.0).reshape(2, 3), "b": reference.ones(2)}, buf)
    return buf.getvalue()


LOAD_ERRORS = (RuntimeError, ValueError, TypeError, EOFError, KeyError, IndexError)


@pytest.mark.parametrize("seed", range(120))
def test_corrupted_archives_fail_cleanly(seed: int) -> None:
    import pickle

    data = bytearray(_archive())
    rng = random.Random(seed)
    for _ in range(rng.choice([1, 1, 2, 8])):
        data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    try:
        loaded = reference.load(io.BytesIO(bytes(data)))
    except (*LOAD_ERRORS, pickle.UnpicklingError, zipfile.BadZipFile):
        return
    assert set(loaded) <= {"w", "b"}  # a flip in padding or unread metadata


def test_an_inflation_bomb_is_refused_before_inflating() -> None:
    plain = io.BytesIO()
    reference.save(reference.ones(4), plain)
    records = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as out:
        for info in records.infolist():
            payload = records.read(info)
            if info.filename.endswith("data/0"):
                payload = b"\0" * (1 << 28)
            out.writestr(info.filename, payload, compress_type=zipfile.ZIP_DEFLATED)
    started = time.process_time()
    with pytest.raises(RuntimeError, match="does not match expected size"):
        reference.load(io.BytesIO(bomb.getvalue()))
    assert time.process_time() - started < 1


def test_a_flipped_weight_is_an_error_not_a_changed_value() -> None:
    data = bytearray(_archive())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = next(i for i in archive.infolist() if i.filename.endswith("data/0"))
    start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26 :][:2], "little")
    start += int.from_bytes(data[info.header_offset + 28 :][:2], "little")
    data[start + 5] ^= 0x40
    with pytest.raises(RuntimeError, match="CRC-32 mismatch"):
        reference.load(io.BytesIO(bytes(data)))


# ----- killed runs ---------------------------------------------------------------------------
def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


def _start_hanging_run(tmp_path: Path) -> subprocess.Popen:
    """A run whose child hangs in a case (the unsqueeze of CrashesAndHangs): it stays alive
    until killed."""
    argv = ["run", "--adapter", "tests.broken.core:CrashesAndHangs", "--ops", "torch.unsqueeze"]
    argv += ["--timeout", "600", "--out", str(tmp_path / "out")]
    return subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-f", f"torchconform-run-{pid}-"], capture_output=True)
    return found.stdout.decode().split()


def _wait_for_child(proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while not _children(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "the run never started"
        time.sleep(0.5)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_killed_run_leaves_no_process_and_no_folder(tmp_path: Path, how: signal.Signals):
    proc = _start_hanging_run(tmp_path)
    try:
        _wait_for_child(proc)
        proc.send_signal(how)
        _, err = proc.communicate(timeout=60)
    finally:  # a run that outlives a failed test must not go on hanging
        if proc.poll() is None:
            proc.kill()
            for pid in _children(proc.pid):
                os.kill(int(pid), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _children(proc.pid), "the pytest child outlived its parent"
    if how != signal.SIGKILL:
        assert proc.returncode == 130 and err.strip() == "torchconform: interrupted", err
        assert not glob.glob(os.path.join(tempfile.gettempdir(), f"torchconform-run-{proc.pid}-*"))
    assert not (tmp_path / ".hypothesis").exists() and not (tmp_path / "out").exists()
