"""The capabilities a case needs beyond its entry's ``requires``, read from the case itself:
complex dtypes, the ``out=`` and in-place variants, and the autograd, complex numbers, ``out=``
and in-place writes its expressions (examples, errors, properties, scenarios) use.

An adapter that lacks one of them has those cases skipped, each saying which capability it
lacks, instead of failing them one by one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from spec.dtypes import ALIASES, ALL, COMPLEX
from spec.expr import Expr
from spec.fields import Step

VARIANTS = {"out": "out_variant", "inplace": "inplace_variant"}
#: names and attributes that only a library with autograd understands
AUTOGRAD_WORDS = frozenset({"requires_grad", "requires_grad_", "backward", "autograd"})
#: dtype names and builtins that spell complex numbers
COMPLEX_WORDS = frozenset({*COMPLEX, "cfloat", "cdouble", "chalf", "complex32", "complex"})
#: check helpers that write a tensor in place (``write`` calls ``fill_``)
INPLACE_CHECKS = frozenset({"write"})


def needed(check: str, variant: str | None, dtype: str | None, exprs: Iterable[Expr]) -> set[str]:
    """The capabilities that a case of ``check``/``variant``/``dtype`` running ``exprs`` needs."""
    caps = {VARIANTS[variant]} if variant in VARIANTS else set()
    if dtype in COMPLEX:
        caps.add("complex")
    for expr in exprs:
        caps |= _used(expr.tree)
    return caps


def dtypes_named(exprs: Iterable[Expr]) -> set[str]:
    """The dtypes ``exprs`` name: ``torch.float64`` (or an alias, ``torch.double``), or a
    bare dtype name of the numpy world (``float64``)."""
    found: set[str] = set()
    for expr in exprs:
        for node in ast.walk(expr.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "torch" and (node.attr in ALL or node.attr in ALIASES):
                    found.add(ALIASES.get(node.attr, node.attr))
            elif isinstance(node, ast.Name) and node.id in ALL:
                found.add(node.id)
    return found


def _used(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        word = _word(node)
        if word in AUTOGRAD_WORDS:
            found.add("autograd")
        if word in COMPLEX_WORDS or isinstance(node, ast.Constant) and type(node.value) is complex:
            found.add("complex")
        if isinstance(node, ast.keyword) and node.arg == "out":
            found.add("out_variant")
        if _inplace(node, word):
            found.add("inplace_variant")
    return found


def _inplace(node: ast.AST, word: str | None) -> bool:
    """An in-place method (``x.add_``, not ``requires_grad_``), ``inplace=True``, or a check
    helper that writes in place."""
    if isinstance(node, ast.Attribute) and word not in AUTOGRAD_WORDS:
        return node.attr.endswith("_") and not node.attr.endswith("__")
    if isinstance(node, ast.keyword) and node.arg == "inplace":
        return isinstance(node.value, ast.Constant) and node.value.value is True
    return isinstance(node, ast.Name) and word in INPLACE_CHECKS


def _word(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.keyword):
        return node.arg
    return None


def step_exprs(steps: Iterable[Step]) -> Iterator[Expr]:
    """Every expression of ``steps``, nested blocks and threads included."""
    for step in steps:
        for value in (step.check, step.do, step.raises, step.warns, step.with_):
            if value is not None:
                yield value
        yield from (step.let or {}).values()
        yield from step_exprs(step.steps or [])
        yield from step_exprs(step.thread or [])
