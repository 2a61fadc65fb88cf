"""The suite proves its own sensitivity: each deliberately broken adapter is caught.

The control, that the unbroken libraries pass every case the broken adapters fail, is the
whole-spec runs of tests/test_suite_passes.py: torch and the reference pass every case of
every item, with the same seed and profile.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.session import RunConfig, Session
from tests.broken import caught, uncovered

ROOT = Path(__file__).resolve().parents[1]

BROKEN = caught()


def _path(adapter: str) -> str:
    """``module:Class``; a bare class name is one of tests/broken/core.py."""
    return adapter if ":" in adapter else f"tests.broken.core:{adapter}"


def _run(adapter: str, ops: list[str]) -> Session:
    session = Session.open(RunConfig(adapter=_path(adapter), ops=ops))
    session.settings.shrink = False  # finding the bug is enough; shrinking it costs time
    for case in session.cases:
        session.run(case)
    return session


@pytest.mark.parametrize("adapter", sorted(BROKEN))
def test_broken_adapter_is_caught(adapter: str) -> None:
    """Some check of the culprit fails: its cases run until the first one that does."""
    ops, culprit = BROKEN[adapter]
    session = Session.open(RunConfig(adapter=_path(adapter), ops=ops))
    session.settings.shrink = False
    cases = [c for c in session.cases if c.item == culprit]
    assert cases, f"{adapter}: {ops} select no case of {culprit}"
    caught = next((c.id for c in cases if session.run(c).status in ("failed", "error")), None)
    assert caught, f"{adapter}: no check of {culprit} failed"


def test_broken_roundtrip_blocks_instead_of_failing() -> None:
    session = _run("Float16RoundTripBroken", ["torch.squeeze"])
    statuses = {(c.dtype, o.status) for c, o in session.outcomes.values() if c.dtype}
    assert ("float16", "blocked") in statuses
    assert not any(s == "blocked" for d, s in statuses if d != "float16")
    assert any(
        r["id"] == "bootstrap[roundtrip:float16]" and r["status"] == "failed"
        for r in session.results().model_dump()["cases"]
    )


def test_missing_capability_skips_instead_of_failing() -> None:
    session = _run("NoMemorySharing", ["torch.unsqueeze"])
    statuses = {(c.name, o.status) for c, o in session.outcomes.values() if c.name}
    assert ("shares_memory", "skipped") in statuses
    assert ("squeeze_undoes_unsqueeze", "passed") in statuses


def _reproduce(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_reproducers_reproduce() -> None:
    """A failing scenario's reproducer fails on the broken adapter and passes on the reference."""
    session = _run("GlobalGradMode", ["torch.no_grad"])
    failed = [o for c, o in session.outcomes.values() if o.status == "failed"]
    assert failed and all(o.reproducer for o in failed)
    script = failed[0].reproducer
    broken = _reproduce(script)
    assert broken.returncode != 0 and "AssertionError" in broken.stderr, script
    fixed = script.replace(
        "tests.broken.core:GlobalGradMode", "adapters.reference_adapter:ReferenceAdapter"
    )
    assert _reproduce(fixed).returncode == 0, fixed


def test_counterexample_reproducer_shows_the_wrong_result() -> None:
    session = _run("ChunkLikeTensorSplit", ["torch.chunk"])
    case, outcome = next(
        (c, o) for c, o in session.outcomes.values() if c.check == "oracle" and o.status == "failed"
    )
    assert outcome.counterexample and "input = torch.tensor(" in outcome.counterexample
    proc = _reproduce(outcome.reproducer)
    assert proc.returncode == 0 and proc.stdout.strip(), outcome.reproducer


#: items whose realistic bugs only show with a CUDA device
NEEDS_CUDA = {
    "torch.cuda.is_initialized",
    "torch.cuda.max_memory_allocated",
    "torch.cuda.reset_max_memory_allocated",
}


def test_every_item_has_a_planted_bug() -> None:
    """A spec'd item comes with at least one planted bug its checks catch
    (``python -m tests.broken`` lists the counts)."""
    missing = set(uncovered())
    assert missing <= NEEDS_CUDA, sorted(missing - NEEDS_CUDA)
