"""Structured expected failures, one file per adapter, matched strictly.

``adapters/expectations/<adapter>.yaml``::

    expectations:
      - item: torch.gather          # fnmatch patterns for item, id, variant, dtype, check
        dtype: bfloat16
        check: oracle
        status: xfail               # xfail: must fail (a pass is reported as xpassed)
        reason: what is wrong and where it is tracked
        versions: ">=2.0,<3"        # optional: library versions it applies to
      - item: torch.something
        status: crash               # never run: it takes the process down
        reason: ...
      - item: torch.all
        status: flaky               # fails only on some drawn inputs: a failure is xfailed,
        reason: ...                 # a pass stays passed (not xpassed)

``variant`` matches what ``results.json`` records: a scenario's is ``scenario``.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Literal

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from conformance.cases import Case


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str
    id: str = "*"
    variant: str = "*"
    dtype: str = "*"
    check: str = "*"
    status: Literal["xfail", "crash", "flaky"] = "xfail"
    reason: str
    versions: str | None = None

    @field_validator("versions")
    @classmethod
    def _specifier(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                SpecifierSet(value)
            except InvalidSpecifier as exc:
                raise ValueError(str(exc)) from None
        return value

    def matches(self, case: Case, version: str) -> bool:
        """Whether this expectation covers ``case`` for the library ``version``."""
        fields = (
            (self.item, case.item),
            (self.id, case.id),
            (self.variant, case.variant or ("scenario" if case.check == "scenario" else "")),
            (self.dtype, case.dtype or ""),
            (self.check, case.check),
        )
        if not all(
            fnmatch.fnmatchcase(value, _literal_brackets(pattern)) for pattern, value in fields
        ):
            return False
        if self.versions is None:
            return True
        try:
            return Version(version.split("+")[0]) in SpecifierSet(self.versions)
        except InvalidVersion:
            return True


def _literal_brackets(pattern: str) -> str:
    """Case ids contain brackets (``torch.gather[example-0]``): match them literally."""
    return pattern.replace("[", "\0").replace("]", "[]]").replace("\0", "[[]")


class ExpectationsError(Exception):
    """A malformed expectations file."""


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expectations: list[Expectation] = []


def load_expectations(path: Path | None) -> list[Expectation]:
    """Read an expectations file; a missing file means none."""
    if path is None or not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return _File.model_validate(data).expectations
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()
        raise ExpectationsError(f"{path}: {' '.join(first[:3])}") from None


def find(expectations: list[Expectation], case: Case, version: str) -> Expectation | None:
    """The first expectation covering ``case``."""
    return next((e for e in expectations if e.matches(case, version)), None)
