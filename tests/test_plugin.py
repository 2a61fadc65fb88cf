"""The pytest plugin: a library author runs the conformance tests from their own folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, "-p", "no:xdist", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_pyargs_runs_the_cases_from_any_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _pytest("--adapter", "torch", "--ops", "torch.chunk", "--tc-out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    spec_cases = [c for c in results["cases"] if c["section"] != "0"]
    assert spec_cases and {c["item"] for c in spec_cases} == {"torch.chunk"}
    assert f"{len(spec_cases)} passed" in run.stdout
    total = results["summary"]["total"]  # the same counts as the report's and the CLI's
    assert f"torchconform: torch: {total} passed of {total} cases" in run.stdout


def test_without_an_adapter_it_says_what_is_missing(tmp_path: Path) -> None:
    run = _pytest(cwd=tmp_path)
    assert run.returncode != 0
    assert "--adapter is required" in run.stdout + run.stderr


def test_no_shrink_reports_the_first_failing_example(tmp_path: Path) -> None:
    from conformance.cli import main

    out = tmp_path / "out"
    argv = ["run", "--adapter", "tests.broken.core:ChunkLikeTensorSplit", "--ops", "torch.chunk"]
    assert main([*argv, "--no-shrink", "--jobs", "1", "--out", str(out)]) == 1
    results = json.loads((out / "results.json").read_text())
    failed = [c for c in results["cases"] if c["status"] == "failed" and c["check"] == "oracle"]
    assert failed and all(c["reproducer"] for c in failed)
