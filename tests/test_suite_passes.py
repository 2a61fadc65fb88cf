"""The whole built-in spec passes on PyTorch (the ground truth) and on the reference.

Each is a real ``torchconform run`` started in the background when the session begins
(tests/conftest.py); the tests wait for it and read its results.json.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import runs_dir, start_run

OK = ("passed", "skipped", "xfailed")
WAIT_S = 3600


def _unexpected(config: pytest.Config, adapter: str) -> list[tuple[str, str, str]]:
    out = runs_dir(config) / adapter
    if not out.exists():  # the session did not start it (a test selected by hand)
        start_run(adapter, runs_dir(config))
    deadline = time.monotonic() + WAIT_S
    while not (out / "rc").exists():
        assert time.monotonic() < deadline, f"the {adapter} run took over {WAIT_S} s"
        time.sleep(1)
    code = int((out / "rc").read_text(encoding="utf-8"))
    log = (out / "run.log").read_text(encoding="utf-8")
    assert (out / "results.json").exists(), f"torchconform run exited {code}:\n{log[-3000:]}"
    cases = json.loads((out / "results.json").read_text(encoding="utf-8"))["cases"]
    assert cases, "the built-in spec generated no cases"
    bad = [(c["id"], c["status"], (c.get("message") or "")[:300]) for c in cases]
    bad = [row for row in bad if row[1] not in OK]
    if not bad:
        assert code == 0, f"every case passed, but the run exited {code}:\n{log[-3000:]}"
    return bad


def test_torch_passes_everything(pytestconfig: pytest.Config) -> None:
    pytest.importorskip("torch")
    assert _unexpected(pytestconfig, "torch") == []


def test_reference_passes_everything(pytestconfig: pytest.Config) -> None:
    assert _unexpected(pytestconfig, "reference") == []
