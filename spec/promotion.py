"""torch's type promotion, evaluated from the rules in ``spec/rules/promotion.yaml``.

Operands are numpy arrays (a 0-dim array stands for a 0-dim tensor), Python scalars
(``bool``, ``int``, ``float``, ``complex``: torch's "wrapped numbers"), or dtype names.
Results are spec dtype names.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import ml_dtypes  # noqa: F401 - registers bfloat16 with numpy
import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from spec.dtypes import ALL

RULES_FILE = Path(__file__).resolve().parent / "rules" / "promotion.yaml"
CATEGORY_ORDER = ("bool", "integral", "floating", "complex")


class Rules(BaseModel):
    """The promotion rules file, validated."""

    model_config = ConfigDict(extra="forbid")

    default_float: str
    complex_of: dict[str, str]
    categories: dict[str, list[str]]
    scalars: dict[str, str]
    to_floating: dict[str, str]
    sum_dtype: dict[str, str]
    table: dict[str, list[str]]

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        if list(self.table) != list(ALL) or any(len(r) != len(ALL) for r in self.table.values()):
            raise ValueError(f"table must have a row and a column for each of {', '.join(ALL)}")
        if tuple(self.categories) != CATEGORY_ORDER:
            raise ValueError(f"categories must be {', '.join(CATEGORY_ORDER)} in that order")
        return self


@functools.cache
def rules() -> Rules:
    """The rules, loaded once."""
    return Rules.model_validate(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))


def category(dtype: str) -> str:
    """``bool``, ``integral``, ``floating`` or ``complex``."""
    return next(c for c, members in rules().categories.items() if dtype in members)


def _name(dtype: Any) -> str:
    if isinstance(dtype, str):
        return dtype
    return np.dtype(getattr(dtype, "dtype", dtype)).name


def _symbol(value: str) -> str:
    """Resolve the rules' symbolic names (``default_float``, ``complex_of_default``)."""
    r = rules()
    if value == "default_float":
        return r.default_float
    if value == "complex_of_default":
        return r.complex_of[r.default_float]
    return value


def promote_types(a: Any, b: Any) -> str:
    """torch.promote_types of two dtypes, from the table."""
    a, b = _name(a), _name(b)
    return rules().table[a][ALL.index(b)]


def scalar_dtype(value: Any) -> str:
    """The dtype a Python scalar operand enters the promotion as."""
    kind = (
        "bool"
        if isinstance(value, bool)
        else "int"
        if isinstance(value, int)
        else "float"
        if isinstance(value, float)
        else "complex"
        if isinstance(value, complex)
        else None
    )
    if kind is None:
        raise TypeError(f"not a Python scalar: {value!r}")
    return _symbol(rules().scalars[kind])


def _to_complex(dtype: str) -> str:
    return rules().complex_of[dtype]


def _combine(higher: str | None, lower: str | None) -> str | None:
    """A lower-priority class changes the result only by raising its category."""
    if higher is None or lower is None:
        return higher or lower
    high, low = category(higher), category(lower)
    if high == "complex":
        return higher
    if low == "complex":
        return _to_complex(higher) if high == "floating" else lower
    if high == "floating":
        return higher
    if high == "bool" or low == "floating":
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> str:
    """torch.result_type over tensors with dims, 0-dim tensors and Python scalars together."""
    classes: dict[str, str | None] = {"dim": None, "zero": None, "scalar": None}
    for op in operands:
        if isinstance(op, (bool, int, float, complex)):
            key, dtype = "scalar", scalar_dtype(op)
        else:
            key = "dim" if getattr(op, "ndim", 0) > 0 else "zero"
            dtype = _name(op.dtype)
        current = classes[key]
        classes[key] = dtype if current is None else promote_types(current, dtype)
    return _combine(classes["dim"], _combine(classes["zero"], classes["scalar"]))  # type: ignore[return-value]


def _by_category(table: dict[str, str], dtype: Any) -> str:
    name = _name(dtype)
    return _symbol(table.get(category(name), name))


def to_floating(dtype: Any) -> str:
    """The dtype of an op that computes in floating point (sin, mean) on ``dtype``."""
    return _by_category(rules().to_floating, dtype)


def sum_dtype(dtype: Any) -> str:
    """The dtype of sum/cumsum of ``dtype`` without ``dtype=``."""
    return _by_category(rules().sum_dtype, dtype)
