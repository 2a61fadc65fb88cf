"""Collects each benchmark's median and reports reference/torch ratios at the end of the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MEDIANS: dict[str, dict[str, float]] = {}
RATIOS_FILE = Path("reports") / "benchmarks" / "ratios.json"


def record(op: str, library: str, median_s: float) -> None:
    """Remember one benchmark's median time."""
    MEDIANS.setdefault(op, {})[library] = median_s


def ratios() -> dict[str, dict[str, float]]:
    """Per op: both medians (seconds) and reference/torch, for ops measured on both."""
    return {
        op: {**libs, "ratio": libs["reference"] / libs["torch"]}
        for op, libs in sorted(MEDIANS.items())
        if {"reference", "torch"} <= set(libs)
    }


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    table = ratios()
    if not table:
        return
    terminalreporter.section("reference / torch (median time ratio; 1.0 = as fast as torch)")
    for op, row in table.items():
        terminalreporter.write_line(
            f"{op:<28} torch {row['torch'] * 1e6:10.1f} us   reference "
            f"{row['reference'] * 1e6:10.1f} us   ratio {row['ratio']:7.2f}"
        )
    RATIOS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RATIOS_FILE.write_text(json.dumps(table, indent=1))
    terminalreporter.write_line(f"written to {RATIOS_FILE}")
