"""Derive an item's variants (method, in-place, out=) from its one ``call`` expression."""

from __future__ import annotations

import ast

from spec.expr import Expr, from_tree

OUT_NAME = "out"


def _torch_call(tree: ast.expr) -> ast.Call | None:
    """The call node when ``tree`` is ``torch.NAME(...)``."""
    if (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Attribute)
        and isinstance(tree.func.value, ast.Name)
        and tree.func.value.id == "torch"
    ):
        return tree
    return None


def variant_call(call: Expr, variant: str) -> Expr:
    """The expression for ``variant``: ``torch.f(x, a)`` -> ``x.f(a)``, ``x.f_(a)``, ``out=``."""
    node = _torch_call(call.tree)
    if variant == "function" or (variant == "method" and node is None):
        return call
    if node is None:
        raise ValueError(f"variant {variant!r} needs a call of the form torch.NAME(...)")
    name = node.func.attr  # type: ignore[union-attr]
    if variant == "out":
        keywords = [*node.keywords, ast.keyword(OUT_NAME, ast.Name(OUT_NAME, ast.Load()))]
        tree: ast.expr = ast.Call(node.func, node.args, keywords)
    else:
        if not node.args:
            raise ValueError(f"variant {variant!r} needs a positional first argument")
        method = name + "_" if variant == "inplace" else name
        tree = ast.Call(
            ast.Attribute(node.args[0], method, ast.Load()), node.args[1:], node.keywords
        )
    return from_tree(ast.fix_missing_locations(tree))


def receiver(call: Expr) -> str | None:
    """Name of the first argument of ``torch.f(x, ...)`` (the tensor an in-place op changes)."""
    node = _torch_call(call.tree)
    if node is not None and node.args and isinstance(node.args[0], ast.Name):
        return node.args[0].id
    return None
