"""The benchmarks' ops timed in interleaved rounds: torch, then the reference, then torch...

``tox -e bench`` times each library in its own pytest-benchmark test, one after the other. On
a machine shared with other work, a busy second lands on one library and not the other, and a
single ratio can move by 1.5x or more (docs/speed.md). Here every round times both libraries
back to back on the same op, so the other work weighs on both alike; the ratio is the median
of the rounds' ratios. Same ops (the ``GROUPS`` of the benchmark modules), same CPU timer.

    python -m benchmarks.paired [OP-SUBSTRING ...]   # all ops, or those whose name matches
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.conftest import LIBRARIES, Case, geomean

#: CPU seconds each op is given (both libraries together), and the bounds on its rounds
BUDGET_S = 1.2
MIN_ROUNDS, MAX_ROUNDS = 7, 400
#: a round repeats an op faster than this until it takes at least this long
MIN_ROUND_S = 2e-4


def all_cases() -> dict[str, tuple[str, Case]]:
    """op -> (group, case) over every ``benchmarks/test_speed*.py`` module."""
    import benchmarks

    found: dict[str, tuple[str, Case]] = {}
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("test_speed"):
            module = importlib.import_module(f"benchmarks.{info.name}")
            for group, ops in module.GROUPS.items():
                found.update({op: (group, case) for op, case in ops.items()})
    return found


def time_pair(case: Case, budget_s: float = BUDGET_S) -> dict[str, float]:
    """Median CPU seconds of each library and the median of the per-round ratios."""
    setup, run = case
    libs = {name: importlib.import_module(name) for name in LIBRARIES}
    args = {name: setup(lib) for name, lib in libs.items()}
    once = {name: _timed(run, lib, args[name], 1) for name, lib in libs.items()}  # warm-up
    repeat = {name: max(1, int(MIN_ROUND_S / max(t, 1e-9))) for name, t in once.items()}
    rounds = int(budget_s / max(sum(t * repeat[n] for n, t in once.items()), 1e-9))
    times: dict[str, list[float]] = {name: [] for name in libs}
    for _ in range(min(MAX_ROUNDS, max(MIN_ROUNDS, rounds))):
        for name, lib in libs.items():
            times[name].append(_timed(run, lib, args[name], repeat[name]))
    torch_t, ref_t = times["torch"], times["reference"]
    return {
        "torch": statistics.median(torch_t),
        "reference": statistics.median(ref_t),
        "ratio": statistics.median([r / t for t, r in zip(torch_t, ref_t, strict=True) if t > 0]),
    }


def _timed(run: Callable[..., Any], lib: Any, args: tuple, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        run(lib, *args)
    return (time.process_time() - start) / repeat


def main(argv: Sequence[str] | None = None) -> int:
    """Print one row per op and the geometric mean of the ratios."""
    import torch

    torch.set_num_threads(1)
    wanted = list(sys.argv[1:] if argv is None else argv)
    ratios = []
    for op, (group, case) in sorted(all_cases().items(), key=lambda kv: (kv[1][0], kv[0])):
        if wanted and not any(w in op for w in wanted):
            continue
        row = time_pair(case)
        ratios.append(row["ratio"])
        print(
            f"{group:<12} {op:<32} torch {row['torch'] * 1e6:10.1f} us   reference "
            f"{row['reference'] * 1e6:10.1f} us   ratio {row['ratio']:6.2f}",
            flush=True,
        )
    if not ratios:
        print(f"no benchmark op matches {' '.join(wanted)}", file=sys.stderr)
        return 2
    print(f"geometric mean of {len(ratios)} paired ratios: {geomean(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
