"""The parts that spec entries of every kind share: expressions, examples, errors, steps,
properties, scenarios, contracts, tolerances and gradient declarations.

``spec/schema.py`` builds the entry kinds from them; ``spec/SCHEMA.md`` documents each field.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from spec import dtypes as dtype_names
from spec.expr import Expr, ExprError, parse

EXCEPTIONS = (
    "RuntimeError",
    "IndexError",
    "ValueError",
    "TypeError",
    "KeyError",
    "NotImplementedError",
    "AssertionError",
    "AttributeError",
    "OverflowError",
    "ZeroDivisionError",
    "EOFError",
    "UnpicklingError",  # pickle.UnpicklingError
)
WARNINGS = ("UserWarning", "DeprecationWarning", "FutureWarning", "RuntimeWarning")
VARIANTS = ("function", "method", "inplace", "out")
#: Optional behaviours an adapter declares; checks that need one are skipped without it.
CAPABILITIES = (
    "shares_memory",
    "grad_mode",
    "legacy_tensor_types",
    "warnings",
    "error_messages",
    "bitwise_torch_rng",
    "autograd",
    "cuda",  # a usable CUDA device: torch.cuda.is_available() is true
    "cpu_only",  # built without CUDA: CUDA calls raise "Torch not compiled with CUDA enabled"
    "onnx_export",  # torch.onnx.export writes ONNX models (section 9)
    "complex",  # complex dtypes
    "out_variant",  # out= arguments
    "inplace_variant",  # in-place methods x.f_()
    "strided_views",  # non-contiguous views of one memory
)
Capability = Literal[CAPABILITIES]  # type: ignore[valid-type]
PY_TYPES = ("int", "float", "bool", "complex", "str", "list", "tuple", "NoneType")


def _to_expr(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected an expression string, got {value!r}")
    try:
        return parse(str(value))
    except ExprError as exc:
        raise ValueError(str(exc)) from None


ExprT = Annotated[Expr, BeforeValidator(_to_expr)]
ExceptionName = Literal[EXCEPTIONS]  # type: ignore[valid-type]
WarningName = Literal[WARNINGS]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Unknown fields are mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


def _check_dtypes(value: str | list[str] | None) -> str | list[str] | None:
    """A dtype name or group, or a list of them, that ``spec.dtypes`` knows."""
    if value is not None:
        dtype_names.expand([value] if isinstance(value, str) else value)
    return value


class Example(Strict):
    """A call with an exact expected result, usually taken from the notes."""

    call: ExprT
    expect: Any = None
    dtype: str | None = None
    shape: list[int] | None = None
    type: Literal[PY_TYPES] | None = None  # type: ignore[valid-type]
    note: str | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Example:
        if "expect" not in self.model_fields_set and self.dtype is None and self.shape is None:
            raise ValueError("an example needs at least one of expect, dtype, shape")
        return self

    _dtype = field_validator("dtype")(_check_dtypes)


class ErrorCase(Strict):
    """A call that must raise ``raises`` with a message matching ``match``."""

    call: ExprT
    raises: ExceptionName
    match: str | None = None
    note: str | None = None

    _regex = field_validator("match")(_check_regex)


ACTIONS = ("let", "check", "do", "raises", "warns", "with", "thread")


class Step(Strict):
    """One step of a scenario; exactly one action key per step."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    let: dict[str, ExprT] | None = None
    check: ExprT | None = None
    do: ExprT | None = None
    raises: ExprT | None = None
    error: ExceptionName | None = None
    warns: ExprT | None = None
    warning: WarningName | None = None
    match: str | None = None
    with_: ExprT | None = Field(default=None, alias="with")
    as_: str | None = Field(default=None, alias="as")
    thread: list[Step] | None = None
    steps: list[Step] | None = None
    message: str | None = None

    _regex = field_validator("match")(_check_regex)

    @model_validator(mode="before")
    @classmethod
    def _one_action(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"a step is a mapping with one of {', '.join(ACTIONS)}")
        present = [key for key in ACTIONS if key in data]
        if len(present) != 1:
            raise ValueError(f"a step needs exactly one of {', '.join(ACTIONS)}, got {present}")
        return data

    @model_validator(mode="after")
    def _paired(self) -> Step:
        if self.raises is not None and self.error is None:
            raise ValueError("'raises' needs 'error' (the exception class name)")
        if self.warns is not None and self.warning is None:
            raise ValueError("'warns' needs 'warning' (the warning class name)")
        if self.with_ is not None and not self.steps:
            raise ValueError("'with' needs 'steps' (the block run inside the context)")
        if self.steps and self.with_ is None:
            raise ValueError("'steps' belongs to a 'with' step")
        return self

    @property
    def action(self) -> str:
        """The step's action key."""
        return next(
            key for key in ACTIONS if getattr(self, "with_" if key == "with" else key) is not None
        )


class Property(Strict):
    """A law that needs no reference: inputs drawn by ``given``, then steps or one check."""

    name: str
    given: dict[str, ExprT] = {}
    check: ExprT | None = None
    steps: list[Step] | None = None
    dtypes: list[str] | None = None
    requires: list[Capability] = []
    note: str | None = None

    @model_validator(mode="after")
    def _has_body(self) -> Property:
        if (self.check is None) == (self.steps is None):
            raise ValueError("a property needs exactly one of 'check' or 'steps'")
        return self

    _dtypes = field_validator("dtypes")(_check_dtypes)

    @property
    def body(self) -> list[Step]:
        """The steps, with a lone ``check`` turned into one step."""
        return list(self.steps) if self.steps else [Step(check=self.check)]


class Scenario(Strict):
    """Ordered steps with checks, for stateful APIs (context managers, generators, modules)."""

    name: str
    steps: list[Step]
    requires: list[Capability] = []
    note: str | None = None


class Contract(Strict):
    """The result's shape and dtype as expressions over the numpy inputs."""

    shape: ExprT | None = None
    dtype: ExprT | None = None


class Erratum(Strict):
    """A place where the notes disagree with PyTorch; the spec follows PyTorch."""

    notes: str
    torch: str
    checked_by: str | None = None


class Tolerance(Strict):
    rtol: float = Field(ge=0)
    atol: float = Field(ge=0)


class Accuracy(Strict):
    """How much rounding error the result may carry, scaled by the work done.

    ``terms`` is how many values are accumulated into each output element, ``magnitude``
    (broadcastable to the result) the same accumulation over their absolute values. The
    allowed error is ``atol + rtol * |expected| + terms * eps(dtype) * magnitude``.
    """

    terms: ExprT
    magnitude: ExprT


SWEEP_KINDS = ("tensor", "zero_dim", "scalar", "dtype")


class Sweep(Strict):
    """A type-promotion sweep: ``call`` for every combination of operand dtypes.

    ``operands`` names each operand of ``call`` and its kind: a tensor with dims, a 0-dim
    tensor, a Python scalar (one per kind: bool, int, float, complex) or a dtype object.
    ``expect`` is the result dtype over the operands (numpy arrays, Python scalars, or
    dtype names for ``dtype`` operands), usually ``result_type(...)``.
    """

    name: str
    call: ExprT
    operands: dict[str, Literal[SWEEP_KINDS]]  # type: ignore[valid-type]
    expect: ExprT
    dtypes: list[str] | None = None
    note: str | None = None

    _dtypes = field_validator("dtypes")(_check_dtypes)

    @model_validator(mode="after")
    def _names(self) -> Sweep:
        missing = sorted(self.call.names - set(self.operands) - {"torch"})
        if missing:
            raise ValueError(f"'call' uses names that 'operands' does not declare: {missing}")
        return self


class SpecialValue(Strict):
    """An input of NaN, an infinity, a signed zero or a boundary, and the exact result.

    ``values`` binds the call's tensor inputs by name (YAML spells them ``.nan``, ``.inf``,
    ``-.inf``, ``-0.0``); the result must be NaN where ``expect`` is NaN, the same infinity,
    the same signed zero, or within the dtype's tolerance.
    """

    values: dict[str, float | int | bool]
    expect: float | int | bool
    dtypes: list[str] | None = None
    note: str | None = None

    _dtypes = field_validator("dtypes")(_check_dtypes)


#: The dtypes gradients are checked in when a ``differentiable`` block names none.
GRADIENT_DTYPES = ("float32", "float64")


class Differentiable(Strict):
    """Which inputs an op is differentiable with respect to, and how its gradients are checked.

    ``wrt: []`` declares the op not differentiable. ``inputs`` overrides (or adds) generators
    of the item's inputs for the gradient checks only, to stay away from kinks and
    singularities; ``call`` replaces the item's call there. ``derivative`` gives, per wrt
    input, its vector-Jacobian product as a numpy expression (``grad * np.cos(input)``): the
    spec's own witness for the ``gradient`` check, beside the oracle.
    """

    wrt: list[str]
    dtypes: list[str] | None = None
    call: ExprT | None = None
    inputs: dict[str, ExprT] = {}
    derivative: dict[str, ExprT] = {}
    second_order: bool = True
    note: str | None = None

    @field_validator("dtypes")
    @classmethod
    def _floating(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            other = [d for d in dtype_names.expand(value) if d not in dtype_names.FLOATING]
            if other:
                raise ValueError(f"gradients are checked for floating dtypes only, not {other}")
        return value

    @field_validator("wrt")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if dupes := sorted({n for n in value if value.count(n) > 1}):
            raise ValueError(f"names repeat: {dupes}")
        return value

    def dtypes_for(self, item_dtypes: tuple[str, ...]) -> tuple[str, ...]:
        """The dtypes of the ``gradient`` checks: its own, or the item's float32/float64."""
        if self.dtypes is not None:
            return dtype_names.expand(self.dtypes)
        return tuple(d for d in GRADIENT_DTYPES if d in item_dtypes) or ("float64",)

    def merged_inputs(self, item_inputs: dict[str, Expr]) -> dict[str, Expr]:
        """The item's generators with this block's overrides; a new name is drawn just
        before the next overridden item input that follows it (or last)."""
        before: dict[str, list[str]] = {}
        pending: list[str] = []
        for name in self.inputs:
            if name in item_inputs:
                before[name], pending = pending, []
            else:
                pending.append(name)
        merged: dict[str, Expr] = {}
        for name, expr in item_inputs.items():
            merged.update({new: self.inputs[new] for new in before.get(name, [])})
            merged[name] = self.inputs.get(name, expr)
        merged.update({new: self.inputs[new] for new in pending})
        return merged


def _field_error(loc: tuple[str | int, ...], message: str, value: Any) -> ValidationError:
    """A validation error located inside the field being validated (for file:line reports)."""
    error = PydanticCustomError("value_error", "{message}", {"message": message})
    details = InitErrorDetails(type=error, loc=loc, input=value)
    return ValidationError.from_exception_data("Differentiable", [details])


def _check_differentiable(block: Differentiable, inputs: dict[str, Expr], call: Any) -> None:
    """``wrt`` names drawn inputs; a call exists and reads only drawn names."""
    drawn = block.merged_inputs(inputs)
    for index, name in enumerate(block.wrt):
        if name not in drawn:
            raise _field_error(
                ("wrt", index), f"{name!r} is not an input of the item or of this block", name
            )
    if block.call is None and call is None:
        raise _field_error(("call",), "a differentiable item needs a 'call'", None)
    missing = sorted(block.call.names - set(drawn) - {"torch", "dtype"}) if block.call else []
    if missing:
        raise _field_error(("call",), f"'call' uses names that no input draws: {missing}", None)
    _check_derivative(block)


def _check_derivative(block: Differentiable) -> None:
    """``derivative`` gives a formula for every wrt input, and for nothing else."""
    if not block.derivative:
        return
    if extra := [n for n in block.derivative if n not in block.wrt]:
        raise _field_error(("derivative", extra[0]), f"{extra[0]!r} is not in 'wrt'", extra[0])
    if lacking := [n for n in block.wrt if n not in block.derivative]:
        raise _field_error(("derivative",), f"no formula for the wrt inputs {lacking}", None)
