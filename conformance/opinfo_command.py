"""``torchconform opinfo``: PyTorch's OpInfo sample inputs through a library, summarised
into ``opinfo.json`` (counts per item, every disagreement with its sample)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from adapters import load_adapter
from adapters.base import Adapter, AdapterError, MissingItem
from conformance import atomic
from conformance.cases import select, unmatched
from conformance.errors import UsageError
from conformance.opinfo import VERDICTS, CrossCheck, Outcome, opinfos
from spec.loader import load_spec

#: The file ``torchconform opinfo`` writes into ``--out``.
OPINFO_FILE = "opinfo.json"


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Counts per verdict, the agreement rate among compared samples, and counts per item."""
    counts = {v: sum(o.verdict == v for o in outcomes) for v in VERDICTS}
    compared = counts["agree"] + counts["disagree"]
    per_item: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = per_item.setdefault(o.op, dict.fromkeys(VERDICTS, 0))
        row[o.verdict] += 1
    return {
        **counts,
        "agreement": counts["agree"] / compared if compared else None,
        "items": per_item,
    }


def names_to_check(adapter: Adapter, spec_names: list[str], every: bool) -> list[str]:
    """The spec's names that PyTorch's database has samples for; with ``every``, each name of
    the database the library has."""
    if not every:
        return sorted(opinfos(spec_names))
    found = []
    for name in opinfos_all():
        try:
            adapter.resolve(name)
        except MissingItem:
            continue
        found.append(name)
    return found


def opinfos_all() -> list[str]:
    """Every ``torch.*`` name of PyTorch's OpInfo database."""
    from torch.testing._internal.common_methods_invocations import op_db

    return sorted({"torch." + op.name for op in op_db})


def cmd_opinfo(args: Any) -> int:
    """``torchconform opinfo``: exit 0 when every compared sample agrees, 1 otherwise."""
    try:
        adapter, torch_adapter = load_adapter(args.adapter), load_adapter("torch")
    except AdapterError as exc:
        raise UsageError(str(exc)) from None
    spec = load_spec(args.spec)
    if args.ops and (missing := unmatched(spec, args.ops)):
        raise UsageError(f"--ops pattern matches no spec'd item: {', '.join(missing)}")
    names = names_to_check(adapter, [e.item.name for e in select(spec, args.ops)], args.all)
    check = CrossCheck(adapter, torch_adapter)
    outcomes: list[Outcome] = []
    for name, ops in opinfos(names).items():
        outcomes.extend(check.run(name, ops))
    summary = summarise(outcomes)
    disagreements = [dataclasses.asdict(o) for o in outcomes if o.verdict == "disagree"]
    record = {"adapter": args.adapter, "library": adapter.describe(), "summary": summary,
              "disagreements": disagreements}
    out = Path(args.out or f"reports/{args.adapter}")
    atomic.write_text(out / OPINFO_FILE, json.dumps(record, indent=1, default=str) + "\n")
    for item in disagreements:
        print(f"{item['op']}[{item['variant']}-{item['dtype']}]: {item['detail']}\n"
              f"    sample: {item['sample']}", file=sys.stderr)
    rate = summary["agreement"]
    shown = "no sample compared" if rate is None else f"{100 * rate:.2f}% agree"
    print(f"torchconform: opinfo {args.adapter}: {summary['agree']} agree, "
          f"{summary['disagree']} disagree, {summary['skipped']} skipped over "
          f"{len(summary['items'])} items ({shown}) -> {out / OPINFO_FILE}")
    return 1 if summary["disagree"] else 0
