"""Tests of ``torchconform board``: cells, rates, links and trends from small hand-made runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.board import (
    BOARD_FILE,
    Board,
    Cell,
    Run,
    build_board,
    read_run,
    render_board,
)
from conformance.cli import main
from conformance.report import case_anchor, write_results
from conformance.results import Results
from tests.test_report import Node, Page, _case, _results

S = "2.1.2"
COMPLEX = "the adapter does not claim complex"


def _run(library: str, version: str, cases: list[dict], items: list[str] | None = None) -> Results:
    results = _results(cases, items)
    env = results.environment.model_copy(update={"library": library, "library_version": version})
    return results.model_copy(update={"environment": env})


def _write(root: Path, name: str, results: Results) -> Path:
    folder = root / "runs" / name
    write_results(results, folder)
    return folder


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    """Folders of three runs: lib 1.10 and 1.9 (given out of order) and other 2.0."""
    new = _run(
        "lib",
        "1.10",
        [
            _case("torch.sin", S, "passed", 0),
            _case("torch.sin", S, "passed", 1),
            _case("torch.sin", S, "passed", 2),
            _case("torch.sin", S, "failed", 3, message="wrong"),
            _case("torch.sin", S, "skipped", 4, message=COMPLEX),
            _case("torch.cos", S, "unsupported", 0, message="lib has no torch.cos"),
            _case("torch.cos", S, "unsupported", 1, message="lib has no torch.cos"),
            _case("torch.tan", S, "skipped", 0, message=COMPLEX),
        ],
    )
    old = _run(
        "lib",
        "1.9",
        [
            _case("torch.sin", S, "passed", 0),
            _case("torch.sin", S, "failed", 1, message="wrong"),
            _case("torch.cos", S, "passed", 0),
            _case("torch.tan", S, "passed", 0),
        ],
    )
    other = _run("other", "2.0", [_case("torch.sin", S, "passed", 0)], ["torch.sin"])
    return [
        _write(tmp_path, "new", new),
        _write(tmp_path, "old", old),
        _write(tmp_path, "o", other),
    ]


def _board(runs: list[Path], out: Path) -> Board:
    return build_board([read_run(str(folder), out) for folder in runs])


def _cells(board: Board, item: str) -> list[Cell]:
    (row,) = [r for s in board.sections for r in s.items if r.name == item]
    return row.cells


def test_columns_are_grouped_by_library_oldest_version_first(
    runs: list[Path], tmp_path: Path
) -> None:
    board = _board(runs, tmp_path / "out")
    labels = [
        (r.results.environment.library, r.results.environment.library_version) for r in board.runs
    ]
    assert labels == [("lib", "1.9"), ("lib", "1.10"), ("other", "2.0")]


def test_cells_rates_and_kinds(runs: list[Path], tmp_path: Path) -> None:
    board = _board(runs, tmp_path / "out")
    old, new, other = _cells(board, "torch.sin")
    assert (old.rate, new.rate, other.rate) == (0.5, 0.75, 1.0)  # the skipped case left out
    assert (old.kind, new.kind, other.kind) == ("mid", "mid", "full")
    assert new.lacking == [("complex", 1)] and old.lacking == []
    assert [c.kind for c in _cells(board, "torch.cos")] == ["full", "unsupported", "missing"]
    assert [c.kind for c in _cells(board, "torch.tan")] == ["full", "skipped", "missing"]
    assert _cells(board, "torch.cos")[2].href is None
    section = board.sections[0].total.cells
    assert [c.rate for c in section] == [0.75, 0.75, 1.0]
    assert [c.counts.total for c in board.total.cells if c.counts] == [4, 8, 1]


def test_trend_compares_with_the_previous_version(runs: list[Path], tmp_path: Path) -> None:
    board = _board(runs, tmp_path / "out")
    old, new, other = _cells(board, "torch.sin")
    assert old.trend is None and other.trend is None
    assert new.trend is not None
    assert (new.trend.version, new.trend.rate, new.trend.direction) == ("1.9", 0.5, "up")
    tan = _cells(board, "torch.tan")[1].trend
    assert tan is not None and tan.direction == "new"  # nothing ran at 1.10
    assert board.sections[0].total.cells[1].trend.direction == "same"  # type: ignore[union-attr]


def _cell_links(page: Page, item: str) -> list[Node]:
    row = page.by_id(item)
    return [td for td in row.find("td") if "cell" in td.classes()]


def test_board_command_writes_linked_cells(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site" / "board"
    argv = ["board", str(runs[0]), str(runs[1] / "results.json"), str(runs[2]), "--out", str(out)]
    assert main(argv) == 0
    assert str(out / BOARD_FILE) in capsys.readouterr().out
    html = (out / BOARD_FILE).read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    page = Page(html)
    heads = [th.all_text() for th in page.root.find("th", "run")]
    assert heads == ["lib1.9cpu", "lib1.10cpu", "other2.0cpu"]
    old, new, other = _cell_links(page, "torch.sin")
    hrefs = [[a.attrs["href"] for a in td.find("a")] for td in (old, new, other)]
    assert hrefs == [
        ["../../runs/old/report.html#torch.sin"],
        ["../../runs/new/report.html#torch.sin"],
        ["../../runs/o/report.html#torch.sin"],
    ]
    assert (out / hrefs[0][0].split("#")[0]).resolve() == runs[1] / "report.html"
    assert "unsupported" in _cell_links(page, "torch.cos")[1].classes()
    assert "skipped" in _cell_links(page, "torch.tan")[1].classes()
    assert "no complex: 1" in new.all_text()
    (trend,) = new.find("span", "trend")
    assert "up" in trend.classes() and "1.9: 50.0%" in trend.all_text()
    assert page.by_id("section-2.1.2").tag == "tbody"


def test_board_links_land_on_report_anchors(runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["board", *map(str, runs), "--out", str(out)]) == 0
    page = Page((out / BOARD_FILE).read_text(encoding="utf-8"))
    for a in page.root.find("a"):
        path, _, anchor = a.attrs["href"].partition("#")
        report = Page((out / path).read_text(encoding="utf-8"))
        if anchor:
            report.by_id(anchor)
    new = Page((runs[0] / "report.html").read_text(encoding="utf-8"))
    new.by_id(case_anchor("torch.sin[function-float32-oracle-3]"))


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p / "absent.json", "No such file or directory"),
        (lambda p: p, "a folder without results.json"),
        (lambda p: (p / "bad.json").write_text("{") and p / "bad.json", "not a valid results.json"),
        (lambda p: (p / "bin.json").write_bytes(b"\xff\xfe") and p / "bin.json", "not UTF-8"),
        (lambda p: (p / "v.json").write_text('{"schema_version": 1}') and p / "v.json", "schema"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    make: object, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    out = tmp_path / "out"
    assert main(["board", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("torchconform: "), err
    assert str(path) in err and why in err, err
    assert not out.exists()


def test_the_same_run_twice_is_refused(runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["board", str(runs[0]), str(runs[0] / "results.json"), "--out", str(out)]) == 2


def test_trend_is_against_the_latest_earlier_version() -> None:
    rates = {"3.0": 2, "1.0": 0, "2.0": 1}  # passed cases of 2 each
    runs = [
        Run(
            _run(
                "lib",
                v,
                [_case("torch.sin", S, "passed", i) for i in range(n)]
                + [_case("torch.sin", S, "failed", i + 2) for i in range(2 - n)],
            ),
            Path(v),
            None,
        )
        for v, n in rates.items()
    ]
    board = build_board(runs)
    assert [r.results.environment.library_version for r in board.runs] == ["1.0", "2.0", "3.0"]
    trends = [c.trend for c in _cells(board, "torch.sin")]
    assert trends[0] is None
    assert [(t.version, t.rate) for t in trends[1:] if t] == [("1.0", 0.0), ("2.0", 0.5)]


def test_runs_of_one_version_are_told_apart(runs: list[Path], tmp_path: Path) -> None:
    again = Results.model_validate_json((runs[1] / "results.json").read_text(encoding="utf-8"))
    env = again.environment.model_copy(update={"seed": 7, "profile": "thorough"})
    second = _write(tmp_path, "old-seed-7", again.model_copy(update={"environment": env}))
    board = _board([*runs, second], tmp_path / "out")
    details = [board.detail(run) for run in board.runs]
    assert details == ["torch, quick, seed 0", "torch, thorough, seed 7", "", ""]
    heads = Page(render_board(board)).root.find("th", "run")
    assert "torch, thorough, seed 7" in heads[1].all_text()
    assert _cells(board, "torch.sin")[2].trend.version == "1.9"  # type: ignore[union-attr]
