"""The numpy oracles of spec/oracles agree with PyTorch itself, and stay apart from the
reference (neither imports the other)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

from spec.oracles import ORACLES, lr_scheduler, nn, optim

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
RNG_SEEDS = range(5)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _close(actual: np.ndarray, expected: torch.Tensor, rtol: float = 1e-5) -> None:
    np.testing.assert_allclose(actual, expected.detach().numpy(), rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("seed", RNG_SEEDS)
@pytest.mark.parametrize("bias", [True, False])
def test_linear(seed: int, bias: bool) -> None:
    rng = _rng(seed)
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)
    want = torch.nn.functional.linear(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b) if bias else None
    )
    _close(nn.linear(x, w, b if bias else None), want)


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_bilinear(seed: int) -> None:
    rng = _rng(seed)
    x1, x2 = rng.normal(size=(3, 2)), rng.normal(size=(3, 4))
    w, b = rng.normal(size=(5, 2, 4)), rng.normal(size=5)
    tensors = [torch.from_numpy(a) for a in (x1, x2, w, b)]
    _close(nn.bilinear(x1, x2, w, b), torch.nn.functional.bilinear(*tensors))


def test_linear_keeps_the_input_dtype() -> None:
    x, w = np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)
    assert nn.linear(x, w).dtype == np.float32


SGD_OPTIONS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01},
    {"lr": 0.1, "momentum": 0.9, "maximize": True, "weight_decay": 0.1},
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda o: "-".join(map(str, o.items())))
def test_sgd_trajectory(options: dict) -> None:
    rng = _rng(0)
    start = rng.normal(size=(3, 2))
    grads = [rng.normal(size=(3, 2)) for _ in range(5)]
    param = torch.nn.Parameter(torch.from_numpy(start.copy()))
    opt = torch.optim.SGD([param], **options)
    mine, state = start.copy(), {}
    for step, grad in enumerate(grads, start=1):
        param.grad = torch.from_numpy(grad)
        opt.step()
        mine, state = optim.sgd(mine, grad, state, step, **options)
        _close(mine, param, rtol=1e-10)
        for key, value in state.items():
            _close(value, opt.state[param][key], rtol=1e-10)


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.5), (3, 0.1), (4, 0.9)])
def test_step_lr(step_size: int, gamma: float) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(10):
        opt.step()
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lr_scheduler.step_lr(0.3, 10, step_size, gamma), seen, rtol=1e-12)


TESTED = {"linear", "bilinear", "sgd", "step_lr"}
"""The oracles this file holds against torch; each ``tests/test_oracles_<area>.py`` names its
own in a ``TESTED`` set."""


def test_every_registered_oracle_is_tested() -> None:
    tested: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_oracles*.py")):
        tested |= importlib.import_module(f"tests.{path.stem}").TESTED
    assert set(ORACLES) == tested


@pytest.mark.parametrize("path", sorted((ROOT / "spec" / "oracles").glob("*.py")), ids=str)
def test_oracles_import_only_numpy(path: Path) -> None:
    """numpy and the pure standard library: never the reference, torch or scipy."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    pure = {"__future__", "numpy", "typing", "collections", "itertools", "math", "spec"}
    assert imported <= pure, imported
