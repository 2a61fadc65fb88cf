"""The L-BFGS oracles of spec/oracles/optim_lbfgs.py agree with PyTorch: the rule step by
step (parameter and whole state) against ``torch.optim.LBFGS``, and the test objectives'
gradients against autograd."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from spec.oracles import optim_lbfgs as oracles

torch = pytest.importorskip("torch")

TESTED = {"lbfgs", "quadratic_grad", "rosenbrock_grad"}

SCALE, CENTRE = 4.0, 0.5


def quadratic(x: Any) -> Any:
    return (SCALE * (x - CENTRE) ** 2).sum() + ((x[1:] - x[:-1]) ** 2).sum()


def rosenbrock(x: Any) -> Any:
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


GRADIENTS = {
    "quadratic": lambda x: oracles.quadratic_grad(x, SCALE, CENTRE),
    "rosenbrock": oracles.rosenbrock_grad,
}
OBJECTIVES = {"quadratic": quadratic, "rosenbrock": rosenbrock}


def _same(got: Any, want: Any, where: str, rtol: float) -> None:
    """A torch state value against the oracle's: lists item by item, None as None."""
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]", rtol)
        return
    if want is None or got is None:
        assert got is want, where
        return
    got = got.numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    np.testing.assert_allclose(got, np.asarray(want), rtol=rtol, atol=rtol, err_msg=where)


def _trajectory(problem: str, start: np.ndarray, steps: int, rtol: float, **options: Any) -> None:
    x = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.LBFGS([x], **options)
    objective = OBJECTIVES[problem]

    def closure() -> Any:
        optimizer.zero_grad()
        loss = objective(x)
        loss.backward()
        return loss

    def numpy_closure(v: np.ndarray) -> tuple[float, np.ndarray]:
        return float(objective(v)), GRADIENTS[problem](v)

    param, state = start.copy(), {}
    for step in range(1, steps + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            optimizer.step(closure)
        param, state = oracles.lbfgs(param, numpy_closure, state, step, **options)
        assert param.dtype == start.dtype
        _same(x.detach().numpy(), param, f"param after step {step}", rtol)
        got = optimizer.state[x]
        assert set(got) == set(state), f"state keys after step {step}"
        for key, value in state.items():
            _same(got[key], value, f"state[{key!r}] after step {step}", rtol)


@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("lr", [1, 0.5])
@pytest.mark.parametrize("history_size", [1, 3, 100])
@pytest.mark.parametrize("max_iter", [1, 2, 5])
def test_lbfgs(problem, line_search_fn, lr, history_size, max_iter) -> None:
    start = np.array([-1.2, 1.0, 0.4, -0.3])
    _trajectory(problem, start, 4, 1e-7, lr=lr, history_size=history_size,
                max_iter=max_iter, line_search_fn=line_search_fn)  # fmt: skip


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize(
    "options",
    [
        {"tolerance_grad": 1e-3, "tolerance_change": 1e-4, "max_iter": 20},
        {"tolerance_grad": 10.0},  # optimal at once: only the counts
        {"max_iter": 8, "max_eval": 3},
        {"max_iter": 20},  # the default max_eval, 25, stops it first
        {"max_iter": 0},
    ],
)
def test_lbfgs_stopping(line_search_fn, options) -> None:
    start = np.array([2.0, -1.0, 0.25])
    _trajectory("quadratic", start, 3, 1e-7, line_search_fn=line_search_fn, **options)


def test_lbfgs_float32_quadratic() -> None:
    """In float32 too, a few iterations away from the minimum."""
    start = np.array([2.0, -1.0, 0.25], dtype=np.float32)
    _trajectory("quadratic", start, 2, 1e-5, max_iter=2, line_search_fn="strong_wolfe")


@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [2, 3, 5])
def test_gradients(problem, dtype, n) -> None:
    x = np.random.default_rng(n).uniform(-2, 2, size=n).astype(dtype)
    t = torch.tensor(x, requires_grad=True)
    OBJECTIVES[problem](t).backward()
    got = GRADIENTS[problem](x)
    assert got.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, t.grad.numpy(), rtol=rtol, atol=rtol * 100)


def test_lbfgs_unknown_line_search() -> None:
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        oracles.lbfgs(np.ones(2), lambda v: (1.0, v), {}, 1, line_search_fn="armijo")
