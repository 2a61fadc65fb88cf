"""The progress line of a run: outcomes counted from the shards' journals as they grow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.pool import Progress
from conformance.supervisor import FINISHED


def _record(case_id: str, status: str) -> str:
    return json.dumps({"id": case_id, "status": status}) + "\n"


def test_progress_counts_finished_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = [tmp_path / "shard-1", tmp_path / "shard-2"]
    for folder in folders:
        folder.mkdir()
    first = folders[0] / FINISHED
    first.write_text(_record("a", "passed") + _record("b", "failed") + '{"id": "c", "sta')
    progress = Progress(folders, total=5)
    progress.show()
    assert (progress.done, progress.unexpected) == (2, 1)
    with open(first, "a", encoding="utf-8") as handle:  # the half-written record completes
        handle.write('tus": "xpassed"}\n')
    (folders[1] / FINISHED).write_text(_record("d", "xfailed"))
    progress.last = float("-inf")
    progress.show()
    assert (progress.done, progress.unexpected) == (4, 2)
    assert "4/5 cases, 2 unexpected, about" in capsys.readouterr().err
