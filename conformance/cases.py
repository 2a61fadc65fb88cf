"""Test cases generated from the spec: item x variant x dtype x check."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace

from conformance import features
from spec.dtypes import ALL, COMPLEX, FLOATING
from spec.dtypes import expand as dtypes_of
from spec.expr import Expr
from spec.loader import Entry, Spec
from spec.schema import Property, Sweep

#: Prerequisites from the bootstrap tier (see :mod:`conformance.bootstrap`).
TENSOR_FROM_LIST = "tensor_from_list"
#: The capability every gradient check needs.
AUTOGRAD = "autograd"


def roundtrip(dtype: str) -> str:
    """The bootstrap prerequisite that ``dtype`` converts to and from numpy losslessly."""
    return f"roundtrip:{dtype}"


@dataclass(frozen=True)
class Case:
    """One generated test: what to run and what it needs first."""

    entry: Entry
    check: str
    variant: str | None = None
    dtype: str | None = None
    index: int | None = None
    name: str | None = None
    requires: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()

    @property
    def item(self) -> str:
        return self.entry.item.name

    @property
    def id(self) -> str:
        index = None if self.index is None else str(self.index)
        parts = [self.variant, self.dtype, self.check, self.name, index]
        return f"{self.item}[{'-'.join(p for p in parts if p)}]"


def _property_dtypes(prop: Property, item_dtypes: tuple[str, ...]) -> tuple[str | None, ...]:
    from spec import dtypes

    if prop.dtypes is not None:
        return dtypes.expand(prop.dtypes)
    return item_dtypes if prop.given and item_dtypes else (None,)


def sweep_dtypes(sweep: Sweep, item_dtypes: tuple[str, ...]) -> tuple[str, ...]:
    """The dtypes a promotion sweep tries for each operand."""
    return dtypes_of(sweep.dtypes) if sweep.dtypes else item_dtypes or ALL


def cases_for(entry: Entry) -> list[Case]:
    """All cases of one spec entry."""
    item = entry.item
    own = {
        "nn_module": _module_cases,
        "optimizer": _trajectory_cases,
        "lr_scheduler": _trajectory_cases,
    }.get(item.kind, _call_cases)
    return [_with_features(c) for c in own(entry) + _shared_cases(entry) + gradient_cases(entry)]


def _with_features(case: Case) -> Case:
    """``case`` with the capabilities its dtype, variant and expressions need added; one
    that spells complex numbers also needs complex tensors to convert (it is blocked, not
    failed, when they do not)."""
    more = features.needed(case.check, case.variant, case.dtype, _expressions(case))
    more -= set(case.capabilities)
    if not more:
        return case
    requires = case.requires
    if "complex" in more and not case.dtype:
        requires += tuple(roundtrip(d) for d in COMPLEX if roundtrip(d) not in requires)
    return replace(case, capabilities=case.capabilities + tuple(sorted(more)), requires=requires)


def dtypes_needed(case: Case) -> set[str]:
    """The dtypes a case runs in or names in its expressions."""
    named = features.dtypes_named(_expressions(case))
    return named | {case.dtype} if case.dtype else named


def _expressions(case: Case) -> list[Expr]:
    """The spec expressions a shared case runs (examples, errors, properties, scenarios)."""
    item = case.entry.item
    if case.check in ("example", "error"):
        listed = item.examples if case.check == "example" else item.errors
        return [listed[case.index or 0].call]
    if case.check == "property":
        prop = next(p for p in item.properties if p.name == case.name)
        return [*prop.given.values(), *features.step_exprs(prop.body)]
    if case.check == "scenario":
        scenario = next(s for s in item.scenarios if s.name == case.name)
        return list(features.step_exprs(scenario.steps))
    return []


def _call_cases(entry: Entry) -> list[Case]:
    """A pure call's contract, oracle, special-value and promotion cases."""
    item = entry.item
    caps = tuple(item.requires)
    out: list[Case] = []
    dtypes = item.dtype_list or (None,)
    if item.call is not None:
        for variant in item.variants:
            for dtype in dtypes:
                needs = (roundtrip(dtype),) if dtype else ()
                for check in ("contract", "oracle"):
                    if getattr(item, "result" if check == "contract" else check) is not None:
                        out.append(
                            Case(entry, check, variant, dtype, requires=needs, capabilities=caps)
                        )
    for index, record in enumerate(item.special_values):
        floating = [d for d in item.dtype_list if d in FLOATING + COMPLEX]
        for dtype in dtypes_of(record.dtypes) if record.dtypes else floating:
            out.append(
                Case(
                    entry,
                    "special",
                    "function",
                    dtype,
                    index=index,
                    requires=(roundtrip(dtype),),
                    capabilities=caps,
                )
            )
    return out + [
        Case(
            entry,
            "promotion",
            name=sweep.name,
            requires=tuple(roundtrip(d) for d in sweep_dtypes(sweep, item.dtype_list)),
            capabilities=caps,
        )
        for sweep in item.promotion
    ]


def _module_cases(entry: Entry) -> list[Case]:
    """An ``nn_module``'s cases: its parameters and their initial values once per dtype,
    then the forward's contract, oracle and buffers per mode (the variant) and dtype."""
    item = entry.item
    caps = tuple(item.requires)
    out: list[Case] = []
    for dtype in item.dtype_list or ("float32",):
        needs = (roundtrip(dtype),)
        for check in ("parameters", "init"):
            if check in item.checks:
                out.append(Case(entry, check, dtype=dtype, requires=needs, capabilities=caps))
        for mode in item.modes:
            out += [
                Case(entry, check, mode, dtype, requires=needs, capabilities=caps)
                for check in ("contract", "oracle", "buffers")
                if check in item.checks
            ]
    return out


def _trajectory_cases(entry: Entry) -> list[Case]:
    """An optimizer's or scheduler's trajectory, once per dtype of its parameters; an
    optimizer's needs ``autograd`` (its gradients are assigned to ``.grad``)."""
    item = entry.item
    caps = (*item.requires, AUTOGRAD) if item.kind == "optimizer" else tuple(item.requires)
    return [
        Case(entry, "trajectory", dtype=d, requires=(roundtrip(d),), capabilities=caps)
        for d in item.dtype_list or ("float32",)
    ]


def _shared_cases(entry: Entry) -> list[Case]:
    """Examples, errors, properties and scenarios: every kind has them."""
    item = entry.item
    caps = tuple(item.requires)
    listed = (TENSOR_FROM_LIST,)
    out: list[Case] = []
    for check, entries in (("example", item.examples), ("error", item.errors)):
        out += [
            Case(entry, check, index=i, requires=listed, capabilities=caps)
            for i in range(len(entries))
        ]
    for prop in item.properties:
        for dtype in _property_dtypes(prop, item.dtype_list):
            needs = (roundtrip(dtype),) if dtype else listed
            out.append(
                Case(
                    entry,
                    "property",
                    dtype=dtype,
                    name=prop.name,
                    requires=needs,
                    capabilities=caps + tuple(prop.requires),
                )
            )
    return out + [
        Case(entry, "scenario", name=s.name, requires=listed, capabilities=caps + tuple(s.requires))
        for s in item.scenarios
    ]


def gradient_cases(entry: Entry) -> list[Case]:
    """The checks of an item's ``differentiable`` block; they all need ``autograd``.

    ``gradient`` runs per dtype of the block, ``nondifferentiable`` in its first dtype,
    ``gradcheck`` and ``gradgradcheck`` in float64.
    """
    item = entry.item
    if getattr(item, "differentiable", None) is None:
        return []
    caps = (*item.requires, AUTOGRAD)
    dtypes = item.differentiable.dtypes_for(item.dtype_list)
    runs = {"gradient": dtypes, "nondifferentiable": dtypes[:1]}
    return [
        Case(entry, check, dtype=d, requires=(roundtrip(d),), capabilities=caps)
        for check in item.gradient_checks
        for d in runs.get(check, ("float64",))
    ]


def select(spec: Spec, patterns: list[str] | None) -> list[Entry]:
    """Entries whose name (or alias) matches any fnmatch pattern; all when none given."""
    if not patterns:
        return list(spec.entries)
    return [
        e
        for e in spec.entries
        if any(fnmatch.fnmatchcase(n, p) for p in patterns for n in [e.item.name, *e.item.aliases])
    ]


def unmatched(spec: Spec, patterns: list[str]) -> list[str]:
    """The patterns that match no entry."""
    return [p for p in patterns if not select(spec, [p])]


def build_cases(spec: Spec, patterns: list[str] | None = None) -> list[Case]:
    """Cases of the selected entries, in spec order."""
    return [case for entry in select(spec, patterns) for case in cases_for(entry)]
