"""A small, whitelisted evaluator for the Python-syntax expressions inside spec files.

Spec text is input, and input may be hostile, so it is never handed to ``eval``/``exec``.
An expression is parsed once with :mod:`ast`, checked against a whitelist of node types,
and compiled into a tree of closures.  What an expression can reach is exactly what the
environment passed to :meth:`Expr.evaluate` binds: names are looked up there (no builtins
unless the environment supplies them), attributes starting with ``_`` are refused, and
there are no comprehensions, assignments or imports. A ``lambda`` of plain positional
parameters and one expression is allowed (``LambdaLR``'s schedule): its calls are bounded in
number and depth, so no lambda can recurse without end.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Env = Mapping[Any, Any]
Node = Callable[[Env], Any]


class _AttributeHook:
    """The key under which an environment may bind its ``getattr``: not a string, so no name
    a spec binds (``let``, ``given``, inputs) can replace it."""

    def __repr__(self) -> str:
        return "ATTRIBUTE_HOOK"


ATTRIBUTE_HOOK = _AttributeHook()


class _LambdaBudget:
    """The key under which a lambda's body finds the call budget it shares with the lambda
    that created it (a mutable ``[calls left, depth]``)."""

    def __repr__(self) -> str:
        return "LAMBDA_BUDGET"


LAMBDA_BUDGET = _LambdaBudget()
#: Calls that a lambda and every lambda created inside it may make, and their nesting
MAX_LAMBDA_CALLS = 1_000_000
MAX_LAMBDA_DEPTH = 64

MAX_POWER_EXPONENT = 4096
MAX_REPEAT = 1_000_000
#: Largest integer an expression may compute, in bits
MAX_INT_BITS = 1_000_000
#: Longest expression text, and deepest nesting of its syntax tree
MAX_SOURCE = 20_000
MAX_NESTING = 100

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class ExprError(ValueError):
    """An expression that is not allowed or cannot be parsed."""


class EvalError(Exception):
    """An expression failed while evaluating (unknown name, refused operation)."""


@dataclass(frozen=True)
class Expr:
    """A parsed, whitelisted expression; ``names`` are the free names it reads."""

    source: str
    names: frozenset[str] = field(compare=False)
    _fn: Node = field(compare=False, repr=False)
    _tree: ast.expr = field(compare=False, repr=False)

    def evaluate(self, env: Env) -> Any:
        """Evaluate in ``env`` (the only names the expression can see)."""
        return self._fn(env)

    @property
    def tree(self) -> ast.expr:
        """The checked syntax tree (for rewriting calls into other variants)."""
        return self._tree


def parse(source: str) -> Expr:
    """Parse and check ``source``; raises :class:`ExprError` with the reason."""
    if not isinstance(source, str):
        raise ExprError(f"expected an expression string, got {type(source).__name__}")
    return _parse(source)


@functools.lru_cache(maxsize=65536)
def _parse(source: str) -> Expr:
    """``parse`` of a string: an Expr is immutable, and families repeat their expressions in
    every entry, so each text is compiled once."""
    if len(source) > MAX_SOURCE:
        raise ExprError(f"expression of {len(source):,} characters (the limit is {MAX_SOURCE:,})")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExprError(f"invalid expression {_short(source)}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression nested too deeply: {_short(source)}") from None
    return from_tree(tree, source)


def _short(source: str, limit: int = 200) -> str:
    """``source`` quoted, cut to ``limit`` characters for messages."""
    return repr(source) if len(source) <= limit else repr(source[:limit]) + "..."


#: Every level of a parsed expression's tree but its last spends at least one character of the
#: text (an operator, a bracket, a comma, a dot, a keyword), so a shorter text cannot nest
#: MAX_NESTING levels deep and needs no walk.
_SHALLOW = MAX_NESTING - 2


def _depth(tree: ast.AST) -> int:
    """How deeply ``tree`` nests (iteratively: a hostile tree may be deeper than the stack)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def from_tree(tree: ast.expr, source: str | None = None) -> Expr:
    """Compile an already-built syntax tree (checked like parsed text)."""
    if (source is None or len(source) >= _SHALLOW) and _depth(tree) > MAX_NESTING:
        raise ExprError(f"expression nested more than {MAX_NESTING} levels deep")
    names: set[str] = set()
    fn = _compile(tree, names)
    text = source if source is not None else ast.unparse(tree)
    return Expr(text.strip(), frozenset(names), fn, tree)


def _compile(node: ast.AST, names: set[str]) -> Node:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise ExprError(f"{type(node).__name__} is not allowed in spec expressions")
    return handler(node, names)


def _constant(node: ast.Constant, names: set[str]) -> Node:
    value = node.value
    if not isinstance(value, (int, float, complex, str, bool, type(None), type(...))):
        raise ExprError(f"constant {value!r} is not allowed")
    return lambda env: value


def _name(node: ast.Name, names: set[str]) -> Node:
    ident = node.id
    if ident.startswith("__"):
        raise ExprError(f"name {ident!r} is not allowed")
    names.add(ident)

    def lookup(env: Env) -> Any:
        try:
            return env[ident]
        except KeyError:
            raise EvalError(f"unknown name {ident!r}") from None

    return lookup


def _attribute(node: ast.Attribute, names: set[str]) -> Node:
    attr = node.attr
    if attr.startswith("_"):
        raise ExprError(f"attribute {attr!r} is not allowed (names starting with '_')")
    base = _compile(node.value, names)

    def get(env: Env) -> Any:
        obj = base(env)
        getter = env.get(ATTRIBUTE_HOOK)
        try:
            return getter(obj, attr) if getter else getattr(obj, attr)
        except Exception as exc:
            mark(exc, node)
            raise

    return get


def _call(node: ast.Call, names: set[str]) -> Node:
    func = _compile(node.func, names)
    args = [_starred_or(arg, names) for arg in node.args]
    kwargs: list[tuple[str | None, Node]] = []
    for kw in node.keywords:
        if kw.arg is not None and kw.arg.startswith("__"):
            raise ExprError(f"keyword {kw.arg!r} is not allowed")
        kwargs.append((kw.arg, _compile(kw.value, names)))

    def call(env: Env) -> Any:
        pos: list[Any] = []
        for star, get in args:
            pos.extend(get(env)) if star else pos.append(get(env))
        named: dict[str, Any] = {}
        for key, get in kwargs:
            named.update(get(env)) if key is None else named.__setitem__(key, get(env))
        target = func(env)
        try:
            return target(*pos, **named)
        except Exception as exc:
            mark(exc, node)
            raise

    return call


def mark(exc: BaseException, node: ast.AST | str) -> BaseException:
    """``exc``, remembering (once: the innermost) the call or attribute that raised it."""
    if where(exc) is None:
        with contextlib.suppress(AttributeError, TypeError):
            exc.spec_where = node if isinstance(node, str) else ast.unparse(node)[:200]  # type: ignore[attr-defined]
    return exc


def where(exc: BaseException) -> str | None:
    """The call or attribute of a spec expression (or the engine's input step) that raised
    ``exc``, when one did."""
    return getattr(exc, "spec_where", None)


def _starred_or(node: ast.expr, names: set[str]) -> tuple[bool, Node]:
    if isinstance(node, ast.Starred):
        return True, _compile(node.value, names)
    return False, _compile(node, names)


def _sequence(node: ast.Tuple | ast.List | ast.Set, names: set[str]) -> Node:
    parts = [_starred_or(elt, names) for elt in node.elts]
    build: Callable[[list[Any]], Any] = {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)]

    def seq(env: Env) -> Any:
        out: list[Any] = []
        for star, get in parts:
            out.extend(get(env)) if star else out.append(get(env))
        return build(out)

    return seq


def _dict(node: ast.Dict, names: set[str]) -> Node:
    if any(key is None for key in node.keys):
        raise ExprError("dict unpacking (**) is not allowed in dict literals")
    pairs = [
        (_compile(k, names), _compile(v, names))
        for k, v in zip(node.keys, node.values, strict=True)
    ]
    return lambda env: {k(env): v(env) for k, v in pairs}


def _subscript(node: ast.Subscript, names: set[str]) -> Node:
    base = _compile(node.value, names)
    index = _compile(node.slice, names)
    return lambda env: base(env)[index(env)]


def _slice(node: ast.Slice, names: set[str]) -> Node:
    parts = [
        _compile(p, names) if p is not None else None for p in (node.lower, node.upper, node.step)
    ]
    return lambda env: slice(*(p(env) if p else None for p in parts))


def _binop(node: ast.BinOp, names: set[str]) -> Node:
    op = _BINOPS.get(type(node.op))
    if op is None:
        raise ExprError(f"operator {type(node.op).__name__} is not allowed")
    left, right = _compile(node.left, names), _compile(node.right, names)

    def binop(env: Env) -> Any:
        a, b = left(env), right(env)
        _guard(node.op, a, b)
        return op(a, b)

    return binop


def _guard(op: ast.operator, a: Any, b: Any) -> None:
    """Refuse operations whose cost the spec text alone could blow up."""
    ints = isinstance(a, int) and isinstance(b, int)
    if isinstance(op, ast.Pow) and ints and abs(a) > 1:
        if abs(b) > MAX_POWER_EXPONENT:
            raise EvalError(f"exponent {b} is too large")
        if b > 0 and a.bit_length() * b > MAX_INT_BITS:
            raise EvalError(f"an integer power of about {a.bit_length() * b:,} bits is too large")
    if isinstance(op, ast.Mult) and ints and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise EvalError(f"an integer product of more than {MAX_INT_BITS:,} bits is too large")
    if isinstance(op, ast.Mult):
        for seq, n in ((a, b), (b, a)):
            sequence = isinstance(seq, (str, list, tuple, bytes)) and isinstance(n, int)
            if sequence and n * max(len(seq), 1) > MAX_REPEAT:
                raise EvalError("sequence repetition is too large")


def _unary(node: ast.UnaryOp, names: set[str]) -> Node:
    op = _UNARY[type(node.op)]
    operand = _compile(node.operand, names)
    return lambda env: op(operand(env))


def _boolop(node: ast.BoolOp, names: set[str]) -> Node:
    values = [_compile(v, names) for v in node.values]
    if isinstance(node.op, ast.And):

        def all_of(env: Env) -> Any:
            result: Any = True
            for get in values:
                result = get(env)
                if not result:
                    return result
            return result

        return all_of

    def any_of(env: Env) -> Any:
        result: Any = False
        for get in values:
            result = get(env)
            if result:
                return result
        return result

    return any_of


def _compare(node: ast.Compare, names: set[str]) -> Node:
    left = _compile(node.left, names)
    ops = [_COMPARE[type(op)] for op in node.ops]
    rights = [_compile(c, names) for c in node.comparators]

    def compare(env: Env) -> Any:
        """Python's semantics: only a chain truth-tests its intermediate results, so a single
        comparison of arrays or tensors gives the elementwise result."""
        a = left(env)
        last = len(ops) - 1
        for i, (op, get) in enumerate(zip(ops, rights, strict=True)):
            b = get(env)
            result = op(a, b)
            if i < last and not result:
                return result
            a = b
        return result

    return compare


def _ifexp(node: ast.IfExp, names: set[str]) -> Node:
    test, body, orelse = (_compile(n, names) for n in (node.test, node.body, node.orelse))
    return lambda env: body(env) if test(env) else orelse(env)


def _lambda(node: ast.Lambda, names: set[str]) -> Node:
    """``lambda a, b: body``: positional parameters only; the body sees the environment
    the lambda was made in, its parameters on top."""
    spec = node.args
    if spec.posonlyargs or spec.vararg or spec.kwonlyargs or spec.kwarg or spec.defaults:
        raise ExprError("a lambda takes plain positional parameters only (no defaults, *, **)")
    params = [a.arg for a in spec.args]
    if bad := [p for p in params if p.startswith("__")]:
        raise ExprError(f"parameter {bad[0]!r} is not allowed")
    inner: set[str] = set()
    body = _compile(node.body, inner)
    names.update(inner - set(params))

    def make(env: Env) -> Callable[..., Any]:
        budget = env.get(LAMBDA_BUDGET) or [MAX_LAMBDA_CALLS, 0]

        def call(*args: Any) -> Any:
            if len(args) != len(params):
                raise TypeError(f"the lambda takes {len(params)} arguments, got {len(args)}")
            if budget[0] <= 0 or budget[1] >= MAX_LAMBDA_DEPTH:
                what = "calls" if budget[0] <= 0 else "nested calls"
                raise EvalError(f"a spec lambda made too many {what}")
            budget[0] -= 1
            budget[1] += 1
            try:
                return body({**env, **dict(zip(params, args, strict=True)), LAMBDA_BUDGET: budget})
            finally:
                budget[1] -= 1

        return call

    return make


_HANDLERS: dict[type, Callable[[Any, set[str]], Node]] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Call: _call,
    ast.Tuple: _sequence,
    ast.List: _sequence,
    ast.Set: _sequence,
    ast.Dict: _dict,
    ast.Subscript: _subscript,
    ast.Slice: _slice,
    ast.BinOp: _binop,
    ast.UnaryOp: _unary,
    ast.BoolOp: _boolop,
    ast.Compare: _compare,
    ast.IfExp: _ifexp,
    ast.Lambda: _lambda,
}
