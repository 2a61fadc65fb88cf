"""The spec's entry kinds: pydantic models that every YAML file is validated against.

An entry is one API item. ``kind`` picks its model: a pure call (``function``, ``method``,
``attribute``, ``class``, ``dtype``, ``context_manager``, ``namespace``) is an :class:`Item`;
an object with state is an :class:`ModuleItem` (``nn_module``), :class:`OptimizerItem`
(``optimizer``) or :class:`SchedulerItem` (``lr_scheduler``). Every kind has the shared fields
of :class:`ItemBase` (examples, errors, properties, scenarios...). ``spec/SCHEMA.md`` documents
each field for people who write entries.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from spec import dtypes as dtype_names
from spec.expr import Expr, parse
from spec.fields import (
    CAPABILITIES,
    EXCEPTIONS,
    GRADIENT_DTYPES,
    VARIANTS,
    WARNINGS,
    Accuracy,
    Capability,
    Contract,
    Differentiable,
    Erratum,
    ErrorCase,
    Example,
    ExprT,
    Property,
    Scenario,
    SpecialValue,
    Step,
    Strict,
    Sweep,
    Tolerance,
    _check_differentiable,
    _check_dtypes,
    _field_error,
)
from spec.oracles import ORACLES

__all__ = [
    "CAPABILITIES",
    "EXCEPTIONS",
    "GRADIENT_DTYPES",
    "KINDS",
    "WARNINGS",
    "AnyItem",
    "Item",
    "ItemBase",
    "ModuleItem",
    "OptimizerItem",
    "SchedulerItem",
    "Slot",
    "SpecFile",
    "Step",
    "Sweep",
]

#: Kinds of pure-call entries (:class:`Item`); ``namespace`` is a module of functions
#: such as ``torch.cpu``.
OP_KINDS = ("function", "method", "attribute", "class", "dtype", "context_manager", "namespace")
#: Kinds of objects with state, each its own model.
STATEFUL_KINDS = ("nn_module", "optimizer", "lr_scheduler")
KINDS = OP_KINDS + STATEFUL_KINDS
#: A module's modes: ``module.train()`` and ``module.eval()``.
MODES = ("train", "eval")
#: Bounds that keep a stranger's spec from asking for unbounded work.
MAX_STEPS = 50
MAX_EPOCHS = 200


def _unknown_names(expr: Expr | None, known: set[str]) -> list[str]:
    return sorted(expr.names - known - {"torch", "dtype"}) if expr is not None else []


class ItemBase(Strict):
    """What every entry has, whatever its kind."""

    name: str
    summary: str | None = None
    signature: str | None = None
    aliases: list[str] = []
    dtypes: list[str] = []
    tolerance: dict[str, Tolerance] = {}
    examples: list[Example] = []
    errors: list[ErrorCase] = []
    properties: list[Property] = []
    scenarios: list[Scenario] = []
    errata: list[Erratum] = []
    unspecified: list[str] = []
    requires: list[Capability] = []
    since: str | None = None
    until: str | None = None
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _qualified(cls, value: str) -> str:
        if not re.fullmatch(r"torch(\.[A-Za-z_][A-Za-z0-9_]*)+", value):
            raise ValueError(f"{value!r} is not a fully qualified name such as torch.gather")
        return value

    _dtypes = field_validator("dtypes")(_check_dtypes)

    @field_validator("tolerance")
    @classmethod
    def _tolerance_dtypes(cls, value: dict[str, Tolerance]) -> dict[str, Tolerance]:
        dtype_names.expand(list(value))
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> ItemBase:
        names = [p.name for p in self.properties] + [s.name for s in self.scenarios]
        names += self._own_names()
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"property and scenario names must be unique: {dupes}")
        return self

    def _own_names(self) -> list[str]:
        return []

    @property
    def dtype_list(self) -> tuple[str, ...]:
        """The dtypes the item is tested with, groups expanded."""
        return dtype_names.expand(self.dtypes)

    @property
    def checks(self) -> list[str]:
        """The kinds of checks this entry has."""
        shared = [
            ("example", bool(self.examples)),
            ("error", bool(self.errors)),
            ("property", bool(self.properties)),
            ("scenario", bool(self.scenarios)),
        ]
        return self._own_checks() + [n for n, present in shared if present] + self._late_checks()

    def _own_checks(self) -> list[str]:
        return []

    @property
    def tested_variants(self) -> list[str]:
        """The variants (a call's forms, a module's modes) its cases run in."""
        return []

    def _late_checks(self) -> list[str]:
        return []


def _gradient_checks(block: Differentiable | None) -> list[str]:
    """The gradient check kinds a ``differentiable`` block asks for."""
    if block is None:
        return []
    if not block.wrt:
        return ["nondifferentiable"]
    return ["gradient", "gradcheck"] + (["gradgradcheck"] if block.second_order else [])


class Item(ItemBase):
    """A pure call: a function, method, class, attribute, dtype, context manager or namespace."""

    kind: str
    variants: list[Literal[VARIANTS]] = ["function"]  # type: ignore[valid-type]
    inputs: dict[str, ExprT] = {}
    call: ExprT | None = None
    oracle: ExprT | None = None
    result: Contract | None = None
    accuracy: Accuracy | None = None
    differentiable: Differentiable | None = None
    promotion: list[Sweep] = []
    special_values: list[SpecialValue] = []

    @field_validator("kind")
    @classmethod
    def _op_kind(cls, value: str) -> str:
        if value not in OP_KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {value!r}")
        return value

    @field_validator("differentiable")
    @classmethod
    def _differentiable(
        cls, value: Differentiable | None, info: ValidationInfo
    ) -> Differentiable | None:
        if value is not None and "inputs" in info.data:
            _check_differentiable(value, info.data["inputs"], info.data.get("call"))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if (self.oracle is not None or self.result is not None) and self.call is None:
            raise ValueError("'oracle' and 'result' need 'call'")
        if self.call is not None and not self.inputs:
            raise ValueError("'call' needs 'inputs' (the generators of its arguments)")
        if missing := _unknown_names(self.call, set(self.inputs)):
            raise ValueError(f"'call' uses names that 'inputs' does not draw: {missing}")
        for record in self.special_values:
            unknown = sorted(set(record.values) - set(self.inputs))
            if self.call is None or unknown:
                raise ValueError(f"special_values bind inputs of 'call'; unknown: {unknown}")
        return self

    def _own_names(self) -> list[str]:
        return [s.name for s in self.promotion]

    @property
    def tested_variants(self) -> list[str]:
        return list(self.variants) if self.call is not None else []

    def _own_checks(self) -> list[str]:
        kinds = [
            ("contract", self.result is not None),
            ("oracle", self.oracle is not None),
            ("special", bool(self.special_values)),
            ("promotion", bool(self.promotion)),
        ]
        return [name for name, present in kinds if present]

    def _late_checks(self) -> list[str]:
        return self.gradient_checks

    @property
    def gradient_checks(self) -> list[str]:
        """The gradient check kinds the ``differentiable`` block asks for."""
        return _gradient_checks(self.differentiable)


class Slot(Strict):
    """A parameter or buffer a module must have, and how the engine fills it.

    ``shape`` (and ``when``, the condition for the slot to exist) are numpy-world expressions
    over the constructor arguments and forward inputs. ``init`` is the distribution of the
    constructor's values: ``uniform(low, high)``, ``normal(mean, std)``, ``constant(value)``,
    ``zeros()`` or ``ones()``. ``draw`` replaces the default generator of the values the
    engine loads (``tensor(shape=<shape>)`` in the slot's dtype). ``after`` (buffers) is the
    value expected after one forward, over the same names as the oracle.
    """

    shape: ExprT
    dtype: str | None = None
    when: ExprT | None = None
    init: ExprT | None = None
    draw: ExprT | None = None
    requires_grad: bool = True
    persistent: bool = True
    after: ExprT | None = None

    @field_validator("dtype")
    @classmethod
    def _one_dtype(cls, value: str | None) -> str | None:
        if value is not None and value not in dtype_names.ALL:
            raise ValueError(f"{value!r} is not a dtype name ({', '.join(dtype_names.ALL)})")
        return value

    @field_validator("init")
    @classmethod
    def _distribution(cls, value: Expr | None) -> Expr | None:
        if value is not None:
            head = value.source.split("(", 1)[0].strip()
            if head not in INITS:
                raise ValueError(f"init must be a call of one of {', '.join(INITS)}")
        return value


#: The distributions ``Slot.init`` can name, and their arguments.
INITS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "std"),
    "constant": ("value",),
    "zeros": (),
    "ones": (),
}


class ModuleItem(ItemBase):
    """A ``torch.nn`` module: constructor arguments, parameters and buffers, forward.

    The engine draws ``init`` (constructor arguments), then ``inputs`` (forward inputs), then
    the values of every parameter and buffer, builds the module with ``construct``, loads the
    values with ``load_state_dict``, sets the mode, and calls ``forward`` (default:
    ``module(<inputs in order>)``). The ``oracle`` sees the constructor arguments, the inputs,
    every parameter and buffer value and ``training``, as numpy. A ``lazy`` module's
    parameters take their shapes at the first forward: the engine runs one with the drawn
    inputs before it inspects or loads them.
    """

    kind: Literal["nn_module"]
    init: dict[str, ExprT] = {}
    build: ExprT = Field(alias="construct")
    parameters: dict[str, Slot] = {}
    buffers: dict[str, Slot] = {}
    inputs: dict[str, ExprT] = {}
    forward: ExprT | None = None
    result: Contract | None = None
    oracle: ExprT | None = None
    modes: list[Literal[MODES]] = ["train"]  # type: ignore[valid-type]
    lazy: bool = False
    accuracy: Accuracy | None = None
    differentiable: Differentiable | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ModuleItem:
        if missing := _unknown_names(self.build, set(self.init)):
            raise _field_error(("construct",), f"uses names 'init' does not draw: {missing}", None)
        drawn = set(self.init) | set(self.inputs) | {"module"}
        if missing := _unknown_names(self.forward, drawn):
            raise _field_error(("forward",), f"uses names nothing draws: {missing}", None)
        if clash := sorted(set(self.init) & set(self.inputs)):
            raise _field_error(("inputs",), f"names are also in 'init': {clash}", None)
        if clash := sorted(set(self.parameters) & set(self.buffers)):
            raise _field_error(("buffers",), f"names are also parameters: {clash}", None)
        if (self.oracle or self.result) and not self.inputs and self.forward is None:
            raise ValueError("'oracle' and 'result' need 'inputs' (or a 'forward' call)")
        if self.differentiable is not None:
            self._check_wrt(self.differentiable)
        return self

    def _check_wrt(self, block: Differentiable) -> None:
        known = set(block.merged_inputs(self.inputs)) | set(self.parameters)
        for index, name in enumerate(block.wrt):
            if name not in known:
                raise _field_error(
                    ("differentiable", "wrt", index),
                    f"{name!r} is neither an input nor a parameter",
                    name,
                )
        if block.call is not None:
            raise _field_error(
                ("differentiable", "call"), "a module is differentiated through 'forward'", None
            )
        if block.derivative:
            raise _field_error(
                ("differentiable", "derivative"),
                "derivative formulas are for function entries; a module's gradients are"
                " compared with the reference's",
                None,
            )

    @property
    def forward_call(self) -> Expr:
        """``forward``, or ``module(<inputs in order>)``."""
        return self.forward or parse(f"module({', '.join(self.inputs)})")

    @property
    def tested_variants(self) -> list[str]:
        return list(self.modes)

    @property
    def after_forward(self) -> dict[str, Slot]:
        """The buffers whose value after forward the entry states."""
        return {name: slot for name, slot in self.buffers.items() if slot.after is not None}

    @property
    def has_init(self) -> bool:
        slots = [*self.parameters.values(), *self.buffers.values()]
        return any(slot.init is not None for slot in slots)

    def _own_checks(self) -> list[str]:
        kinds = [
            ("parameters", bool(self.parameters or self.buffers)),
            ("init", self.has_init),
            ("contract", self.result is not None),
            ("oracle", self.oracle is not None),
            ("buffers", bool(self.after_forward)),
        ]
        return [name for name, present in kinds if present]

    def _late_checks(self) -> list[str]:
        return _gradient_checks(self.differentiable)

    @property
    def gradient_checks(self) -> list[str]:
        return _gradient_checks(self.differentiable)


class OptimizerItem(ItemBase):
    """A ``torch.optim`` optimizer: a trajectory of updates against a numpy update rule.

    The engine draws ``options``, then ``params`` (named parameter values) and, for every
    step and parameter, a gradient from ``gradient`` (``param`` is bound to the parameter's
    value). It builds the optimizer with ``construct`` (``params`` is the list of leaf
    tensors), and for each of ``steps`` steps assigns the gradients and calls ``step()``.
    ``update`` is the numpy rule for one parameter and one step: it sees ``param``, ``grad``,
    ``state`` (a dict, empty at first), ``step`` (1, 2, ...) and the options, and returns
    ``(new_param, new_state)``. Every step, the parameters and the optimizer's whole state
    must match: the same keys, every value within tolerance (a value of ``...`` is present
    but not compared).

    With ``objective`` (one parameter), no gradient is drawn: every ``step(closure)`` gets a
    closure that zeroes the gradients, evaluates ``objective`` on the parameter and calls
    ``backward()``; the rule's ``closure`` maps a numpy parameter to ``(loss, gradient)``
    (the gradient from ``objective_grad``), and its ``grad`` is the gradient at ``param``.
    With ``sparse_grad``, each drawn gradient is handed over as ``grad.to_sparse()``.
    """

    kind: Literal["optimizer"]
    options: dict[str, ExprT] = {}
    params: dict[str, ExprT] = Field(min_length=1)
    gradient: ExprT = Field(default_factory=lambda: parse("tensor(shape=param.shape)"))
    objective: ExprT | None = None
    objective_grad: ExprT | None = None
    sparse_grad: bool = False
    steps: int = Field(3, ge=1, le=MAX_STEPS)
    build: ExprT = Field(alias="construct")
    update: ExprT

    @model_validator(mode="after")
    def _consistent(self) -> OptimizerItem:
        if missing := _unknown_names(self.build, set(self.options) | {"params"}):
            raise _field_error(
                ("construct",), f"uses names 'options' does not draw: {missing}", None
            )
        if (self.objective is None) != (self.objective_grad is None):
            raise _field_error(("objective",), "objective and objective_grad come together", None)
        if self.objective is not None and len(self.params) != 1:
            raise _field_error(("params",), "an objective takes exactly one parameter", None)
        known = set(self.options) | set(self.params)
        for key, world in (("objective", set()), ("objective_grad", {"np", *ORACLES})):
            if missing := _unknown_names(getattr(self, key), known | world):
                raise _field_error((key,), f"uses names nothing draws: {missing}", None)
        return self

    def _own_checks(self) -> list[str]:
        return ["trajectory"]


class SchedulerItem(ItemBase):
    """A learning-rate scheduler: the learning rate of every epoch against a numpy oracle.

    The engine draws ``options`` and ``lr``, builds ``optimizer`` over one parameter
    (``params``) and the scheduler with ``construct``, then for each of ``epochs`` epochs
    calls ``optimizer.step()`` and ``scheduler.step()`` (``scheduler.step(metric)`` with a
    value drawn from ``metric`` when given). ``oracle`` returns the ``epochs + 1`` learning
    rates (after construction, then after each epoch) from ``base_lr``, ``epochs``,
    ``metrics`` (the drawn values, or None) and the options; it is called once per parameter
    group, with the group's initial rate as ``base_lr`` and its index as ``group``.
    """

    kind: Literal["lr_scheduler"]
    options: dict[str, ExprT] = {}
    lr: ExprT = Field(default_factory=lambda: parse("sampled_from([0.1, 1.0])"))
    optimizer: ExprT = Field(default_factory=lambda: parse("torch.optim.SGD(params, lr=lr)"))
    build: ExprT = Field(alias="construct")
    epochs: int = Field(10, ge=1, le=MAX_EPOCHS)
    metric: ExprT | None = None
    oracle: ExprT

    @model_validator(mode="after")
    def _consistent(self) -> SchedulerItem:
        known = set(self.options) | {"optimizer"}
        if missing := _unknown_names(self.build, known):
            raise _field_error(("construct",), f"uses names nothing draws: {missing}", None)
        if missing := _unknown_names(self.optimizer, {"params", "lr"}):
            raise _field_error(("optimizer",), f"uses names nothing draws: {missing}", None)
        return self

    def _own_checks(self) -> list[str]:
        return ["trajectory"]


def _kind_tag(value: Any) -> str | None:
    """The model an entry validates against, from its ``kind`` (a pure call's model reports
    a kind it does not know)."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return f"[{kind}]" if kind in STATEFUL_KINDS else "[op]"


#: Any entry, validated by the model its ``kind`` names (tags in brackets stay out of the
#: field paths that error messages print).
AnyItem = Annotated[
    Annotated[Item, Tag("[op]")]
    | Annotated[ModuleItem, Tag("[nn_module]")]
    | Annotated[OptimizerItem, Tag("[optimizer]")]
    | Annotated[SchedulerItem, Tag("[lr_scheduler]")],
    Discriminator(_kind_tag),
]


class SpecFile(Strict):
    """One YAML file: a section of the notes and its items."""

    section: str
    title: str
    tier: Literal["named", "header"] = "named"
    items: list[AnyItem]

    @field_validator("section")
    @classmethod
    def _section_id(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+|\.x)*", value):
            raise ValueError(f"section id {value!r} should look like 2.1.2")
        return value
