"""The suite proves its own sensitivity: each deliberately broken adapter is caught."""

from __future__ import annotations

import pytest

from conformance.session import RunConfig, Session

# adapter class in tests.broken_adapters -> (items to run, the item whose check must fail)
BROKEN = {
    "ChunkLikeTensorSplit": (["torch.chunk"], "torch.chunk"),
    "GatherClampsIndex": (["torch.gather"], "torch.gather"),
    "UnsqueezeNegativeOffByOne": (["torch.unsqueeze"], "torch.unsqueeze"),
    "CatWithoutPromotion": (["torch.cat"], "torch.cat"),
    "TensorSharesNumpy": (["torch.tensor"], "torch.tensor"),
    "ArangeIncludesEnd": (["torch.arange"], "torch.arange"),
    "SqueezeIgnoresDim": (["torch.squeeze"], "torch.squeeze"),
    "GlobalGradMode": (["torch.no_grad"], "torch.no_grad"),
    "ViewCopies": (["torch.unsqueeze"], "torch.unsqueeze"),
}


def _run(adapter: str, ops: list[str]) -> Session:
    session = Session.open(RunConfig(adapter=f"tests.broken_adapters:{adapter}", ops=ops))
    session.settings.shrink = False  # finding the bug is enough; shrinking it costs time
    for case in session.cases:
        session.run(case)
    return session


@pytest.mark.parametrize("adapter", sorted(BROKEN))
def test_broken_adapter_is_caught(adapter: str) -> None:
    ops, culprit = BROKEN[adapter]
    session = _run(adapter, ops)
    caught = [
        c.id
        for c, o in session.outcomes.values()
        if o.status in ("failed", "error") and c.item == culprit
    ]
    assert caught, f"{adapter}: no check of {culprit} failed"


def test_reference_passes_the_same_cases() -> None:
    """Control: the unbroken reference passes every case the broken adapters fail."""
    ops = sorted({op for ops, _ in BROKEN.values() for op in ops})
    session = Session.open(RunConfig(adapter="reference", ops=ops))
    bad = [
        (c.id, o.message)
        for c in session.cases
        if (o := session.run(c)).status not in ("passed", "skipped")
    ]
    assert not bad


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
