"""The dtype names the spec speaks of, and the groups a spec entry may name instead."""

from __future__ import annotations

FLOATING = ("float16", "bfloat16", "float32", "float64")
COMPLEX = ("complex64", "complex128")
UNSIGNED = ("uint8",)
SIGNED = ("int8", "int16", "int32", "int64")
INTEGRAL = UNSIGNED + SIGNED
BOOL = ("bool",)
ALL = BOOL + INTEGRAL + FLOATING + COMPLEX

GROUPS: dict[str, tuple[str, ...]] = {
    "all": ALL,
    "floating": FLOATING,
    "complex": COMPLEX,
    "integral": INTEGRAL,
    "signed": SIGNED,
    "numeric": INTEGRAL + FLOATING,
    "real": BOOL + INTEGRAL + FLOATING,
    "inexact": FLOATING + COMPLEX,
}

ALIASES: dict[str, str] = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "cfloat": "complex64",
    "cdouble": "complex128",
    "short": "int16",
    "int": "int32",
    "long": "int64",
}


def expand(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Expand group names into dtype names, keeping the canonical order, without repeats."""
    wanted: set[str] = set()
    for name in names:
        if name in GROUPS:
            wanted.update(GROUPS[name])
        elif name in ALL:
            wanted.add(name)
        else:
            known = ", ".join(list(GROUPS) + list(ALL))
            raise ValueError(f"unknown dtype or dtype group {name!r} (known: {known})")
    return tuple(d for d in ALL if d in wanted)
