"""A crash or a hang in the library under test becomes that case's result; the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.results import load_results


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_crash_and_hang_are_recorded_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "--adapter",
            "tests.broken.core:CrashesAndHangs",
            "--ops",
            "torch.squeeze",
            "torch.unsqueeze",
            "--timeout",
            "20",
            "--jobs",
            jobs,
            "--out",
            str(out),
        ]
    )
    assert code == 1
    results = load_results(out / "results.json")
    assert results.environment.duration_s >= 20  # the hang's timeout, in a child that died
    cases = {c.id: c for c in results.cases}
    crashed = cases["torch.squeeze[error-1]"]
    assert crashed.status == "error" and "SIGSEGV" in crashed.message
    assert crashed.reproducer and "print(torch.squeeze(" in crashed.reproducer
    hung = cases["torch.unsqueeze[error-1]"]
    assert hung.status == "error" and "hung" in hung.message
    others = [c for c in cases.values() if c.id not in (crashed.id, hung.id)]
    assert others and all(c.status == "passed" for c in others)
    assert "running the rest" in capsys.readouterr().err
