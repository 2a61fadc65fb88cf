"""The whole built-in spec passes on PyTorch (the ground truth) and on the reference."""

from __future__ import annotations

import pytest

from conformance.session import RunConfig, Session


def _unexpected(adapter: str) -> list[tuple[str, str, str]]:
    session = Session.open(RunConfig(adapter=adapter))
    outcomes = [(case, session.run(case)) for case in session.cases]
    assert outcomes, "the built-in spec generated no cases"
    return [
        (c.id, o.status, o.message[:300])
        for c, o in outcomes
        if o.status not in ("passed", "skipped", "xfailed")
    ]


def test_torch_passes_everything() -> None:
    pytest.importorskip("torch")
    assert _unexpected("torch") == []


def test_reference_passes_everything() -> None:
    assert _unexpected("reference") == []
