"""The board in a real browser (headless Chromium through Playwright): its filter, its
"only items whose rates differ" switch, sorting by a column, and its links.

Skipped where Playwright or a Chromium is missing; ``tox -e browser`` installs Playwright
and uses the system's Chromium (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conformance.board import BOARD_FILE
from conformance.cli import main
from tests.test_board import runs  # noqa: F401 - the fixture of three runs

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
#: a closed network: no background connections, no first-run work
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOWN = "rs => rs.filter(r => !r.hidden && !r.closest('tbody').hidden).map(r => r.dataset.name)"


def _shown(page: object) -> list[str]:
    """The items whose rows the page shows, in order."""
    return page.eval_on_selector_all("tr.item", SHOWN)  # type: ignore[attr-defined]


def test_the_board_works_in_chromium(runs: list[Path], tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "board"
    assert main(["board", *map(str, runs), "--out", str(out)]) == 0
    with sync_api.sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / BOARD_FILE).as_uri())
        assert _shown(page) == [
            "torch.sin",
            "torch.cos",
            "torch.tan",
        ]
        page.fill("#filter", "co")
        assert _shown(page) == ["torch.cos"]
        page.fill("#filter", "")
        page.check("#differ")
        assert "torch.sin" in _shown(page)
        page.uncheck("#differ")
        page.click("#board thead th >> nth=0")
        assert _shown(page) == [
            "torch.cos",
            "torch.sin",
            "torch.tan",
        ]
        page.click("tr.item[data-name='torch.sin'] td.cell a >> nth=0")
        page.wait_for_load_state()
        assert page.url.endswith("report.html#torch.sin")
        assert page.locator("[id='torch.sin']").count() == 1
        browser.close()
    assert errors == []
