"""Split a run's cases into shards and join the shards' results into the run's results.

Shard ``K/N`` takes every N-th case from the K-th, so each shard gets a similar mix of cheap and
costly items, and merging restores the unsplit order by interleaving: case ``i`` of the run is
case ``i // N`` of shard ``i % N + 1``. A run split into shards and merged gives the same cases,
items, sections and summary as the unsplit run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import TypeVar

from conformance.results import Case, Results, summarize

T = TypeVar("T")

#: environment fields that every shard of one run shares
SHARED_FIELDS = (
    "adapter",
    "library",
    "library_version",
    "device",
    "seed",
    "profile",
    "spec",
    "ops",
)


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)`` with ``1 <= K <= N``; ValueError otherwise."""
    part, sep, parts = text.partition("/")
    if not (sep and part.isdigit() and parts.isdigit()) or not 1 <= int(part) <= int(parts):
        raise ValueError(f"--shard {text!r}: expected K/N with 1 <= K <= N, such as 2/3")
    return int(part), int(parts)


def shard_of(items: Sequence[T], part: int, parts: int) -> list[T]:
    """Shard ``part`` of ``parts`` (1-based): every ``parts``-th item from the ``part``-th."""
    return list(items[part - 1 :: parts])


def merge_results(shards: Sequence[Results]) -> Results:
    """The unsplit run's results from the results of all its shards; ValueError when they are
    not the shards of one run (different settings, a shard missing or given twice)."""
    if not shards:
        raise ValueError("no results to merge")
    ordered = _in_shard_order(shards)
    first = ordered[0]
    cases = [c for row in zip_longest(*(_spec_cases(r) for r in ordered)) for c in row if c]
    cases += _bootstrap_cases(ordered)
    with_bootstrap = max(ordered, key=lambda r: len(r.items))  # a shard may need no prerequisite
    data = first.model_dump(mode="json")
    data["environment"].update(shard=None, **_span(ordered))
    data.update(
        sections=[s.model_dump() for s in with_bootstrap.sections],
        items=[i.model_dump() for i in with_bootstrap.items],
        cases=[c.model_dump(mode="json") for c in cases],
        summary=summarize(cases).model_dump(),
    )
    return Results.model_validate(data)


def _in_shard_order(shards: Sequence[Results]) -> list[Results]:
    """The shards sorted by K, after checking they are exactly 1/N .. N/N of one run."""
    found: dict[int, Results] = {}
    total = None
    for results in shards:
        env = results.environment
        if env.shard is None:
            raise ValueError(f"{env.adapter} results are not a shard (no environment.shard)")
        part, parts = parse_shard(env.shard)
        if total not in (None, parts):
            raise ValueError(f"shard {env.shard} is not one of {total} shards")
        if part in found:
            raise ValueError(f"shard {env.shard} is given twice")
        total, found[part] = parts, results
        _check_same_run(results, next(iter(found.values())))
    if missing := sorted(set(range(1, (total or 0) + 1)) - set(found)):
        raise ValueError(f"shards missing: {', '.join(f'{k}/{total}' for k in missing)}")
    ordered = [found[k] for k in sorted(found)]
    sizes = [len(_spec_cases(r)) for r in ordered]
    if sizes != sorted(sizes, reverse=True) or sizes[0] - sizes[-1] > 1:
        raise ValueError(f"the shards' case counts {sizes} are not one run's split (incomplete?)")
    return ordered


def _check_same_run(results: Results, first: Results) -> None:
    a, b = results.environment, first.environment
    for name in SHARED_FIELDS:
        if getattr(a, name) != getattr(b, name):
            raise ValueError(
                f"shards {a.shard} and {b.shard} differ in {name}: "
                f"{getattr(a, name)!r} against {getattr(b, name)!r}"
            )
    if _spec_items(results) != _spec_items(first):
        raise ValueError(f"shards {a.shard} and {b.shard} select different items")


def _spec_items(results: Results) -> list[str]:
    return [i.name for i in results.items if i.name != "bootstrap"]


def _spec_cases(results: Results) -> list[Case]:
    return [c for c in results.cases if c.item != "bootstrap"]


def _bootstrap_cases(shards: list[Results]) -> list[Case]:
    """Each prerequisite once, failed if any shard saw it fail, sorted as a run writes them."""
    found: dict[str, Case] = {}
    for case in (c for r in shards for c in r.cases if c.item == "bootstrap"):
        if case.id not in found or case.status == "failed":
            found[case.id] = case
    return [found[k] for k in sorted(found)]


def _span(shards: list[Results]) -> dict[str, object]:
    """The earliest start and the wall time until the last shard ended."""
    starts = [datetime.fromisoformat(r.environment.started) for r in shards]
    ends = [
        s + timedelta(seconds=r.environment.duration_s) for s, r in zip(starts, shards, strict=True)
    ]
    return {
        "started": min(starts).isoformat(),
        "duration_s": (max(ends) - min(starts)).total_seconds(),
    }
