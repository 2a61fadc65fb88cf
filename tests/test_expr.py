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
        "lambda: 1",
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


def test_a_single_comparison_is_not_truth_tested() -> None:
    np = pytest.importorskip("numpy")
    value = parse("a > 0").evaluate({"a": np.array([1, -1])})
    assert value.tolist() == [True, False]
    assert parse("0 < a < 2").evaluate({"a": 1}) is True
    assert parse("0 < a < 2").evaluate({"a": 3}) is False
    with pytest.raises(ValueError, match="ambiguous"):
        parse("0 < a < 2").evaluate({"a": np.array([1, 3])})
