"""Shards: a run split with --shard K/N and merged is the unsplit run; runs side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.results import Results, load_results
from conformance.session import RunConfig, Session
from conformance.shards import merge_results, parse_shard, shard_of

OPS = ["torch.squeeze", "torch.unsqueeze", "torch.cat", "torch.no_grad"]


def _results(shard: tuple[int, int] | None, seed: int = 0) -> Results:
    session = Session.open(RunConfig(adapter="reference", ops=OPS, shard=shard, seed=seed))
    for case in session.cases:
        session.run(case)
    return session.results()


def _comparable(results: Results) -> dict[str, Any]:
    """Everything but the timings and the shard mark."""
    data = results.model_dump(mode="json")
    data.pop("environment")
    for case in data["cases"]:
        case.pop("duration_s")
    return data


@pytest.fixture(scope="module")
def whole() -> Results:
    return _results(None)


@pytest.fixture(scope="module")
def thirds() -> list[Results]:
    return [_results((k, 3)) for k in (1, 2, 3)]


def test_three_shards_merge_into_the_unsplit_run(whole: Results, thirds: list[Results]) -> None:
    assert [r.environment.shard for r in thirds] == ["1/3", "2/3", "3/3"]
    assert sum(len(r.cases) for r in thirds) > len(whole.cases)  # bootstrap cases repeat
    merged = merge_results(thirds[::-1])  # in any order
    assert merged.environment.shard is None
    assert _comparable(merged) == _comparable(whole)


def test_each_shard_lists_every_item_of_the_run(whole: Results, thirds: list[Results]) -> None:
    names = [i.name for i in whole.items]
    for part in thirds:
        assert [i.name for i in part.items if i.name != "bootstrap"] == names[1:]


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda t: t[:2], "shards missing: 3/3"),
        (lambda t: [t[0], t[0], t[1], t[2]], "given twice"),
        (lambda t: [t[0], t[1]] + [_results((3, 3), seed=1)], "differ in seed"),
        (lambda t: t[:2] + [_results(None)], "not a shard"),
        (lambda t: t[:2] + [_results((3, 4))], "not one of 3 shards"),
        (lambda t: [], "no results"),
    ],
)
def test_what_is_not_one_run_is_refused(thirds: list[Results], pick: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        merge_results(pick(thirds))


def test_a_truncated_shard_is_refused(thirds: list[Results]) -> None:
    data = thirds[0].model_dump(mode="json")
    data["cases"] = data["cases"][:3]
    data["summary"] = {s: 0 for s in data["summary"]}
    for case in data["cases"]:
        data["summary"][case["status"]] += 1
        data["summary"]["total"] += 1
    with pytest.raises(ValueError, match="incomplete"):
        merge_results([Results.model_validate(data), *thirds[1:]])


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "1", "a/b", "1/3/4", "-1/3", ""])
def test_bad_shard_text(text: str) -> None:
    with pytest.raises(ValueError, match="K/N"):
        parse_shard(text)


def test_shards_partition_in_order() -> None:
    items = list(range(10))
    parts = [shard_of(items, k, 4) for k in (1, 2, 3, 4)]
    assert sorted(sum(parts, [])) == items
    assert parts[0] == [0, 4, 8] and parts[3] == [3, 7]


def test_cli_shards_merge_and_diff(
    tmp_path: Path, whole: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = [tmp_path / f"s{k}" for k in (1, 2)]
    for k, out in enumerate(outs, 1):
        argv = ["run", "--adapter", "reference", "--ops", *OPS, "--out", str(out)]
        assert main([*argv, "--shard", f"{k}/2"]) == 0
        assert load_results(out / "results.json").environment.shard == f"{k}/2"
    merged = tmp_path / "merged"
    results = [str(out / "results.json") for out in outs]
    assert main(["merge", *results, "--out", str(merged)]) == 0
    assert _comparable(load_results(merged / "results.json")) == _comparable(whole)
    assert (merged / "report.html").exists() and (merged / "junit.xml").exists()
    capsys.readouterr()
    assert main(["diff", results[0], str(merged / "results.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.endswith(": absent -> passed") for line in lines)


def test_diff_exits_1_on_a_regression(tmp_path: Path, whole: Results) -> None:
    data = whole.model_dump(mode="json")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    case = next(c for c in data["cases"] if c["status"] == "passed")
    case["status"] = "failed"
    data["summary"]["passed"] -= 1
    data["summary"]["failed"] += 1
    new = tmp_path / "new.json"
    new.write_text(json.dumps(data))
    assert main(["diff", str(new), str(old)]) == 0  # a fix is no regression
    assert main(["diff", str(old), str(new)]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["merge", "missing.json", "--out", "x"],
        ["merge", "{bad}", "--out", "x"],
        ["diff", "missing.json", "other.json"],
        ["diff", "{binary}", "{binary}"],
        ["run", "--adapter", "reference", "--ops", "torch.cat", "--shard", "4/3"],
        ["run", "--adapter", "reference", "--ops", "torch.cat", "--jobs", "0"],
        ["run", "--adapter", "reference", "--ops", "torch.cat", "--jobs", "2", "--shard", "1/2"],
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "{bad}").write_text('{"schema_version": 3}')
    (tmp_path / "{binary}").write_bytes(b"\xff\xfe{")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("torchconform: error:")
