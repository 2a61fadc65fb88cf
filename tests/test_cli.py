"""The command line: list, run, and bad input (one line on stderr, exit 2, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import list_cache
from conformance.cli import main
from conformance.results import load_results
from tests.test_spec_loader import BOMB, GOOD_ITEM

ROOT = Path(__file__).resolve().parents[1]
HEAD = "section: '1'\ntitle: t\nitems:\n"


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    gather = next(r for r in records if r["name"] == "torch.gather")
    assert gather["section"] == "2.1.2"
    assert gather["kind"] == "function"
    assert {"example", "oracle", "error"} <= set(gather["checks"])
    assert gather["file"].startswith("2.1.2_indexing_joining.yaml:")


def test_list_patterns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json", "--ops", "torch.[a-z]*_grad*", "torch.autograd.*"]) == 0
    names = {r["name"] for r in json.loads(capsys.readouterr().out)}
    assert names == {
        "torch.no_grad",
        "torch.enable_grad",
        "torch.set_grad_enabled",
        "torch.is_grad_enabled",
        "torch.autograd.grad",
        "torch.autograd.backward",
        "torch.autograd.gradcheck",
        "torch.optim.Optimizer.zero_grad",  # * matches dots too
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--adapter", "nosuch"], "unknown adapter 'nosuch'"),
        (["run", "--adapter", "reference", "--ops", "torch.nosuch*"], "matches no spec'd item"),
        (["run", "--adapter", "reference", "--profile", "huge"], "invalid choice"),
        (["run"], "--adapter"),
        (["list", "--ops", "torch.nosuch"], "matches no spec'd item"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)] if argv[0] == "run" and len(argv) > 1 else argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_bad_spec_reports_file_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "x.yaml").write_text("section: '1'\ntitle: t\nitems:\n  - name: torch.x\n    kind: 3\n")
    out = tmp_path / "out"
    assert main(["run", "--adapter", "reference", "--spec", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{spec / 'x.yaml'}:5: items[0](torch.x).kind: ")
    assert not out.exists()


@pytest.mark.parametrize("command", [["list"], ["run", "--adapter", "reference"]])
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (BOMB, 7, "(yaml): the value here expands to more than 1,000,000 values"),
        ("a: &x [1, *x]\n", 1, "(yaml): recursive alias"),
        (f"{HEAD}  - !!python/object/apply:os.system [ls]\n", 4, "items[0]: the tag !!python"),
        (f"{HEAD}  - <<: 3\n    name: torch.x\n", 4, "items[0].<<: a merge key"),
        (f"{HEAD}  - name: torch.x\n    family: nosuch\n", 5, "(torch.x).family: unknown family"),
    ],
)
def test_unsafe_yaml_is_one_line_per_problem_and_exit_2(
    command: list[str],
    text: str,
    line: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "x.yaml").write_text(text)
    out = tmp_path / "out"
    argv = [*command, "--spec", str(spec)] + (["--out", str(out)] if command[0] == "run" else [])
    assert main(argv) == 2
    problems = capsys.readouterr().err.strip().splitlines()
    assert problems[0].startswith(f"{spec / 'x.yaml'}:{line}: ") and message in problems[0]
    assert all(p.startswith(f"{spec / 'x.yaml'}:") for p in problems), problems
    assert not out.exists()


def test_run_writes_results_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--adapter",
            "reference",
            "--ops",
            "torch.stack",
            "torch.no_grad",
            "--out",
            str(out),
        ]
    )
    results = load_results(out / "results.json")
    assert code == (1 if results.summary.unexpected else 0)
    assert results.environment.adapter == "reference"
    assert results.environment.ops == ["torch.stack", "torch.no_grad"]
    assert {i.name for i in results.items} >= {"torch.stack", "torch.no_grad"}
    assert results.summary.passed > 0
    html = (out / "report.html").read_text()
    assert 'id="torch.stack"' in html


def test_pytest_entry_runs_the_same_cases(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "conformance",
            "--adapter",
            "reference",
            "--ops",
            "torch.unsqueeze",
            "-q",
            "-p",
            "no:cacheprovider",
            "--tc-out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = load_results(tmp_path / "results.json")
    assert all(c.item in ("torch.unsqueeze", "bootstrap") for c in results.cases)


# ----- the command line's listings are kept (conformance.list_cache) -------------------------
def _listed(spec: Path, cache: Path | str, *options: str) -> subprocess.CompletedProcess[str]:
    """``torchconform list --spec SPEC`` as the command line runs it, caching in ``cache``."""
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", "list", "--spec", str(spec), *options],
        env={**os.environ, list_cache.ENV: str(cache)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _spec_folder(tmp_path: Path, text: str = GOOD_ITEM) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir(exist_ok=True)
    (spec / "a.yaml").write_text(text)
    return spec


def test_a_listing_is_kept_and_found_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, cache = _spec_folder(tmp_path), tmp_path / "cache"
    monkeypatch.setenv(list_cache.ENV, str(cache))
    assert main(["list", "--spec", str(spec), "--json"]) == 0  # a call in a program: not kept
    expected = capsys.readouterr().out
    assert not cache.exists()
    first = _listed(spec, cache, "--json")
    assert (first.returncode, first.stdout) == (0, expected), first.stderr
    [kept] = cache.glob("list-*.json")
    record = json.loads(kept.read_text())
    kept.write_text(json.dumps({**record, "output": "from the cache\n"}))
    assert _listed(spec, cache, "--json").stdout == "from the cache\n"
    assert _listed(spec, cache).stdout.split()[1] == "torch.gather"  # other options: a table


def test_a_changed_spec_is_listed_anew(tmp_path: Path) -> None:
    spec, cache = _spec_folder(tmp_path), tmp_path / "cache"
    assert "torch.gather" in _listed(spec, cache).stdout
    _spec_folder(tmp_path, GOOD_ITEM.replace("torch.gather", "torch.take"))
    listed = _listed(spec, cache).stdout
    assert "torch.take" in listed and "torch.gather" not in listed
    assert len(list(cache.glob("list-*.json"))) == 2


def test_a_bad_spec_is_validated_every_time(tmp_path: Path) -> None:
    spec, cache = _spec_folder(tmp_path, f"{HEAD}  - name: torch.x\n    kind: 3\n"), tmp_path / "c"
    for _ in range(2):
        listed = _listed(spec, cache)
        assert listed.returncode == 2 and f"{spec / 'a.yaml'}:5: items[0]" in listed.stderr
    assert not list(cache.glob("list-*.json"))


def test_a_spec_file_that_is_no_regular_file_is_reported_not_read(tmp_path: Path) -> None:
    spec, cache = tmp_path / "spec", tmp_path / "cache"
    spec.mkdir()
    os.mkfifo(spec / "a.yaml")  # reading it would wait for a writer
    listed = _listed(spec, cache)
    assert listed.returncode == 2 and "a.yaml:1: (file): a.yaml is not a regular" in listed.stderr
    assert not cache.exists()


@pytest.mark.parametrize("kept", ["not json", '{"key": "other", "output": "x"}', "[1]"])
def test_a_cache_file_not_as_written_is_ignored(tmp_path: Path, kept: str) -> None:
    spec, cache = _spec_folder(tmp_path), tmp_path / "cache"
    expected = _listed(spec, cache).stdout
    [path] = cache.glob("list-*.json")
    path.write_text(kept)
    assert _listed(spec, cache).stdout == expected
    assert json.loads(path.read_text())["output"] == expected  # written again


@pytest.mark.parametrize("cache", ["", "a-file"])
def test_without_a_cache_folder_listing_works(tmp_path: Path, cache: str) -> None:
    spec = _spec_folder(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    listed = _listed(spec, tmp_path / cache if cache else "")
    assert listed.returncode == 0 and "torch.gather" in listed.stdout, listed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "spec"]


HEAVY = ("torch", "hypothesis", "jinja2", "conformance.runs", "conformance.session")


def _imported_by_list(cache: Path | str, *options: str) -> list[str]:
    """Which of HEAVY, pydantic and spec.schema a command-line listing imports."""
    code = (
        "import sys; from conformance.cli import main; main(); "
        f"print([m for m in {[*HEAVY, 'pydantic', 'spec.schema']!r} if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "list", *options],
        env={**os.environ, list_cache.ENV: str(cache)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1].replace("'", '"'))


def test_list_imports_no_engine_and_a_kept_listing_no_model(tmp_path: Path) -> None:
    assert _imported_by_list(tmp_path, "--ops", "torch.gather") == ["pydantic", "spec.schema"]
    assert _imported_by_list(tmp_path, "--ops", "torch.gather") == []
