"""Times each benchmark on torch and on the reference, and writes the ratios at the end of the run.

Every benchmark module holds ``GROUPS``: group -> op -> ``(setup(lib) -> args, run(lib, *args))``,
and times them through ``measure``. The run merges its medians into
``reports/benchmarks/ratios.json`` (ops it did not time keep their earlier figures when the machine
is the same) and writes the same table, with geometric means, to ``ratios.md``.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reference import _blas

Case = tuple[Callable[[Any], tuple], Callable[..., Any]]
Groups = dict[str, dict[str, Case]]

LIBRARIES = ("torch", "reference")
REPORTS = Path("reports") / "benchmarks"
RATIOS_FILE = REPORTS / "ratios.json"
TABLE_FILE = REPORTS / "ratios.md"
MEDIANS: dict[str, dict[str, Any]] = {}


def cases(groups: Groups) -> list[Any]:
    """One pytest parameter per group, op and library."""
    return [
        pytest.param(group, op, library, id=f"{op}-{library}")
        for group, ops in groups.items()
        for op in ops
        for library in LIBRARIES
    ]


def measure(benchmark: Any, groups: Groups, group: str, op: str, library: str) -> None:
    """Time ``op`` of ``groups`` on ``library`` and remember its median."""
    lib = importlib.import_module(library)
    setup, run = groups[group][op]
    args = setup(lib)
    benchmark.group = op
    benchmark(run, lib, *args)
    MEDIANS.setdefault(op, {"group": group})[library] = benchmark.stats.stats.median


TIMER = {"name": ""}  # the timer this run measures with (pytest_configure)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Time in CPU seconds of this process (``time.process_time``) unless
    ``--benchmark-timer`` says otherwise: on a shared machine the wall time of an op moves
    with the other work, its CPU time much less (docs/speed.md)."""
    given = any(a.startswith("--benchmark-timer") for a in config.invocation_params.args)
    if not given and hasattr(config.option, "benchmark_timer"):
        config.option.benchmark_timer = "time.process_time"
    TIMER["name"] = str(getattr(config.option, "benchmark_timer", ""))


def machine() -> dict[str, Any]:
    """The CPU, its cores, the timer, and the thread counts and versions the timings ran
    with."""
    import torch

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "timer": TIMER["name"],
        "torch_threads": torch.get_num_threads(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "reference_products": _blas.describe(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.machine()


def geomean(values: list[float]) -> float:
    """The geometric mean (nan for no values)."""
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def summary(ops: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Geometric mean of the ratios, overall and per group."""
    groups: dict[str, list[float]] = {}
    for row in ops.values():
        groups.setdefault(row["group"], []).append(row["ratio"])
    return {
        "overall": geomean([row["ratio"] for row in ops.values()]),
        "groups": {g: geomean(r) for g, r in sorted(groups.items())},
    }


def merged(measured: dict[str, dict[str, Any]], here: dict[str, Any]) -> dict[str, Any]:
    """This run's rows over the file's earlier rows from the same machine."""
    ops: dict[str, dict[str, Any]] = {}
    if RATIOS_FILE.exists():
        try:
            old = json.loads(RATIOS_FILE.read_text())
        except ValueError:
            old = {}
        if old.get("machine") == here:
            ops.update(old.get("ops", {}))
    for op, row in measured.items():
        if set(LIBRARIES) <= set(row):
            ops[op] = {**row, "ratio": row["reference"] / row["torch"]}
    ops = dict(sorted(ops.items(), key=lambda kv: (kv[1]["group"], kv[0])))
    return {"machine": here, "geomean": summary(ops), "ops": ops}


def table(report: dict[str, Any]) -> str:
    """``report`` as a Markdown table: the machine, one row per op, the geometric means."""
    m = report["machine"]
    lines = [
        "# The reference's speed beside torch's",
        "",
        f"{m['cpu']}, {m['cores']} cores; torch {m['torch']} on {m['torch_threads']} "
        f"thread(s), numpy {m['numpy']} (BLAS threads: {m['blas_threads']}; the reference's "
        f"matrix products on {m.get('reference_products', 'numpy')}), Python "
        f"{m['python']}; timer `{m.get('timer') or 'time.perf_counter'}`. Ratio = median "
        "reference / median torch (1.0: as fast as torch). Written by `tox -e bench`.",
        "",
        "| group | op | torch (us) | reference (us) | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for op, row in report["ops"].items():
        lines.append(
            f"| {row['group']} | {op} | {row['torch'] * 1e6:.1f} | "
            f"{row['reference'] * 1e6:.1f} | {row['ratio']:.2f} |"
        )
    means = report["geomean"]
    lines += ["", "| group | geometric mean of the ratios |", "|---|---:|"]
    lines += [f"| {g} | {v:.2f} |" for g, v in means["groups"].items()]
    lines.append(f"| **all** | **{means['overall']:.2f}** |")
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not any(set(LIBRARIES) <= set(row) for row in MEDIANS.values()):
        return
    report = merged(MEDIANS, machine())
    REPORTS.mkdir(parents=True, exist_ok=True)
    RATIOS_FILE.write_text(json.dumps(report, indent=1) + "\n")
    TABLE_FILE.write_text(table(report))
    terminalreporter.section("reference / torch (median time ratio; 1.0 = as fast as torch)")
    for op, row in report["ops"].items():
        if op in MEDIANS:
            terminalreporter.write_line(
                f"{row['group']:<12} {op:<32} torch {row['torch'] * 1e6:10.1f} us   "
                f"reference {row['reference'] * 1e6:10.1f} us   ratio {row['ratio']:7.2f}"
            )
    terminalreporter.write_line(
        f"geometric mean (all ops of {RATIOS_FILE}): {report['geomean']['overall']:.2f}"
    )
    terminalreporter.write_line(f"written to {RATIOS_FILE} and {TABLE_FILE}")
