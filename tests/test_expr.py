"""The spec's expression evaluator: what it computes, and what it refuses."""

from __future__ import annotations

import pytest

from spec.expr import EvalError, ExprError, parse


@pytest.mark.parametrize(
    ("source", "env", "value"),
    [
        ("1 + 2 * 3", {}, 7),
        ("a[1:]", {"a": [1, 2, 3]}, [2, 3]),
        ("f(*xs, k=2)", {"f": lambda *a, k: (a, k), "xs": [1]}, ((1,), 2)),
        ("{'a': 1}['a']", {}, 1),
        ("not a and b or c", {"a": 0, "b": 1, "c": 5}, 1),
        ("1 < x <= 3", {"x": 3}, True),
        ("(1, 2) + (3,)", {}, (1, 2, 3)),
        ("-x ** 2", {"x": 3}, -9),
        ("x if x else y", {"x": 0, "y": 4}, 4),
        ("None is None", {}, True),
        ("(lambda e: g ** e)(3)", {"g": 0.5}, 0.125),
        ("(lambda a, b: (lambda c: a + b + c))(1, 2)(3)", {}, 6),
        ("(lambda x: x)(5) + x", {"x": 1}, 6),
    ],
)
def test_evaluates(source: str, env: dict, value: object) -> None:
    assert parse(source).evaluate(env) == value


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "x.__class__",
        "x._private",
        "lambda x=1: x",
        "lambda *a: a",
        "lambda **k: k",
        "lambda x, *, y: y",
        "lambda __x: 1",
        "[y for y in x]",
        "(y := 1)",
        "f(__x=1)",
        "b'bytes'",
        "x = 1",
        "import os",
        "f'{x}'",
    ],
)
def test_refuses(source: str) -> None:
    with pytest.raises(ExprError):
        parse(source)


def test_names_are_only_what_the_environment_binds() -> None:
    with pytest.raises(EvalError, match="unknown name 'open'"):
        parse("open('/etc/passwd')").evaluate({})


def test_free_names_are_reported() -> None:
    assert parse("torch.gather(x, d, i)").names == {"torch", "x", "d", "i"}


def test_cost_guards() -> None:
    with pytest.raises(EvalError):
        parse("10 ** 100000").evaluate({})
    with pytest.raises(EvalError):
        parse("'a' * 10 ** 9").evaluate({})


def test_lambda_names_and_arity() -> None:
    assert parse("lambda e: gamma ** e").names == {"gamma"}
    with pytest.raises(TypeError, match="takes 1 arguments, got 2"):
        parse("lambda e: e").evaluate({})(1, 2)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("(lambda f: f(f))(lambda f: f(f))", "nested calls"),
        ("(lambda f: f(f, 40))(lambda f, n: 0 if n == 0 else f(f, n - 1) + f(f, n - 1))", "calls"),
    ],
)
def test_lambdas_cannot_run_without_end(source: str, what: str) -> None:
    with pytest.raises(EvalError, match=f"too many {what}$"):
        parse(source).evaluate({})


def test_a_single_comparison_is_not_truth_tested() -> None:
    np = pytest.importorskip("numpy")
    value = parse("a > 0").evaluate({"a": np.array([1, -1])})
    assert value.tolist() == [True, False]
    assert parse("0 < a < 2").evaluate({"a": 1}) is True
    assert parse("0 < a < 2").evaluate({"a": 3}) is False
    with pytest.raises(ValueError, match="ambiguous"):
        parse("0 < a < 2").evaluate({"a": np.array([1, 3])})


def _nested(n: int) -> list[str]:
    """Texts whose trees nest as deeply as ``n`` characters allow, one construct each."""
    return [
        "-" * (n - 1) + "a",
        "~" * (n - 1) + "a",
        "a" + ".b" * ((n - 1) // 2),
        "[" * ((n - 1) // 2) + "1" + "]" * ((n - 1) // 2),
        "a" + "[0]" * ((n - 1) // 3),
        "a" + "()" * ((n - 1) // 2),
        "a" + "+a" * ((n - 1) // 2),
        "a" + "**a" * ((n - 1) // 3),
        "not " * ((n - 1) // 4) + "a",
        "(lambda:" * ((n - 2) // 9) + "a" + ")" * ((n - 2) // 9),
    ]


def test_short_texts_cannot_nest_past_the_limit() -> None:
    """The walk that measures nesting is skipped for texts shorter than ``_SHALLOW``: every
    level spends a character, so the deepest texts of that length stay within the limit."""
    import ast

    from spec.expr import _SHALLOW, MAX_NESTING, _depth

    for text in _nested(_SHALLOW - 1):
        assert len(text) < _SHALLOW
        assert _depth(ast.parse(text, mode="eval").body) <= MAX_NESTING, text
    deep = "-" * (MAX_NESTING + 5) + "a"
    with pytest.raises(ExprError, match="nested more than"):
        parse(deep)
