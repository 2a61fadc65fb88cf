"""Optimizer state_dicts across libraries: every reference optimizer's state, saved with
``reference.save``, loads into torch's optimizer of the same class with
``torch.load(..., weights_only=True)``, and torch's saved state into the reference's with
``reference.load``; either way both optimizers then take the same steps (float32, within a
few ulp) and end with the same state_dict."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

import reference
import reference.optim
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")

#: options per optimizer: the defaults, and one variant that adds state or changes the rule
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "Adadelta": [{}, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}],
    "Adagrad": [{"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}],
    "Adam": [{"lr": 0.01}, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}],
    "AdamW": [{"lr": 0.01}, {"lr": 0.01, "amsgrad": True, "betas": (0.8, 0.9)}],
    "Adamax": [{"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.1}],
    "ASGD": [{"lr": 0.01}, {"lr": 0.01, "t0": 2.0, "lambd": 0.01}],
    # LBFGS: few inner iterations, so that no step ends on a convergence test decided by
    # rounding noise (a float32 gradient at its 1e-7 tolerance)
    "LBFGS": [
        {"lr": 0.5, "max_iter": 3},
        {"lr": 0.5, "max_iter": 3, "history_size": 2, "line_search_fn": "strong_wolfe"},
    ],
    "RMSprop": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.9, "centered": True}],
    "Rprop": [{"lr": 0.01}, {"lr": 0.01, "etas": (0.4, 1.5), "step_sizes": (1e-4, 1.0)}],
    "SGD": [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9, "nesterov": True}],
    "SparseAdam": [{"lr": 0.01}, {"lr": 0.01, "betas": (0.8, 0.9)}],
}

SHAPES = [(3, 4), (5,), (2,)]
ULPS = 64  # a few steps of each rule: each step adds its rounding to the state


def available() -> list[str]:
    """The reference's optimizers whose module exists."""
    return [
        name
        for name, module in reference.optim.OPTIMIZERS.items()
        if importlib.util.find_spec(f"reference.optim.{module}") is not None
    ]


CASES = [(name, i) for name in available() for i in range(len(OPTIONS.get(name, [{}])))]


def values(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(np.float32)


class Run:
    """One library's optimizer over parameters of SHAPES (one group, or two)."""

    def __init__(self, lib: Any, name: str, options: dict[str, Any], start: list[np.ndarray]):
        self.lib, self.name = lib, name
        self.params = [lib.tensor(a.copy(), requires_grad=True) for a in start]
        cls = getattr(lib.optim, name)
        if name == "LBFGS":  # one group only
            self.opt = cls(self.params, **options)
        else:
            groups = [{"params": self.params[:2]}, {"params": self.params[2:], "lr": 0.05}]
            self.opt = cls(groups, **options)

    def steps(self, first: int, count: int) -> None:
        for k in range(first, first + count):
            if self.name == "LBFGS":
                self.opt.step(self.closure(k))
                continue
            for i, p in enumerate(self.params):
                grad = self.lib.tensor(values(100 * k + i, tuple(p.shape)))
                p.grad = grad.to_sparse() if self.name == "SparseAdam" else grad
            self.opt.step()

    def closure(self, k: int) -> Any:
        """A quadratic loss whose minimum moves with ``k``."""
        targets = [
            self.lib.tensor(values(100 * k + i, tuple(p.shape))) for i, p in enumerate(self.params)
        ]

        def loss() -> Any:
            self.opt.zero_grad()
            total = sum(
                ((p - t) ** 2 * (i + 1)).sum()
                for i, (p, t) in enumerate(zip(self.params, targets, strict=True))
            )
            total.backward()
            return total

        return loss


class Values(NamedTuple):
    """A tensor of either library: its dtype's name and its values."""

    dtype: str
    array: np.ndarray


def plain(x: Any) -> Any:
    """Tensors as :class:`Values`, containers item by item."""
    if isinstance(x, (reference.Tensor, torch.Tensor)):
        return Values(str(x.dtype).removeprefix("torch."), np.array(x.detach().numpy()))
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(plain(v) for v in x)
    return x


#: LBFGS's ``al``: the two-loop recursion's coefficients, dot products of the history with a
#: direction whose terms cancel; their float32 rounding is relative to the terms, not the sum
RELATIVE = {"al": 1e-4}


def assert_same_state(r: Any, t: Any, path: str = "state_dict") -> None:
    """Same structure, keys, dtypes and types; floating values within ULPS ulp."""
    if isinstance(t, dict):
        assert isinstance(r, dict) and list(r) == list(t), f"{path}: {list(r)} != {list(t)}"
        for key in t:
            if key in RELATIVE:
                assert len(r[key]) == len(t[key]), path
                for i, (a, b) in enumerate(zip(r[key], t[key], strict=True)):
                    where = f"{path}[{key!r}][{i}]"
                    assert (a is None) == (b is None), where
                    if b is not None:
                        np.testing.assert_allclose(a.array, b.array, RELATIVE[key], err_msg=where)
                continue
            assert_same_state(r[key], t[key], f"{path}[{key!r}]")
    elif isinstance(t, Values):
        assert isinstance(r, Values) and r.dtype == t.dtype, f"{path}: {r} != {t.dtype}"
        scale = np.abs(t.array).max(initial=0.0)
        assert_close_ulp(r.array, t.array, ULPS, scale=scale, err_msg=path)
    elif isinstance(t, (list, tuple)):
        assert type(r) is type(t) and len(r) == len(t), f"{path}: {r!r} != {t!r}"
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            assert_same_state(a, b, f"{path}[{i}]")
    elif isinstance(t, float):
        assert type(r) is float, f"{path}: {type(r)}"
        assert r == pytest.approx(t, rel=1e-5, abs=1e-7), path
    else:
        assert type(r) is type(t) and r == t, f"{path}: {r!r} != {t!r}"


def finish(first: Run, second: Run) -> None:
    """Both take three more steps; parameters and state_dicts agree."""
    first.steps(3, 3)
    second.steps(3, 3)
    runs = {first.lib: first, second.lib: second}
    r, t = runs[reference], runs[torch]
    for i, (a, b) in enumerate(zip(r.params, t.params, strict=True)):
        want = b.detach().numpy()
        assert_close_ulp(
            a.detach().numpy(), want, ULPS, scale=np.abs(want).max(), err_msg=f"param {i}"
        )
    assert_same_state(plain(r.opt.state_dict()), plain(t.opt.state_dict()))


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_reference_state_loads_into_torch(name: str, variant: int, tmp_path: Path) -> None:
    options = OPTIONS.get(name, [{}])[variant]
    start = [values(i, s) for i, s in enumerate(SHAPES)]
    ours = Run(reference, name, options, start)
    ours.steps(0, 3)
    path = tmp_path / "optimizer.pt"
    reference.save(ours.opt.state_dict(), path)
    now = [p.detach().numpy().copy() for p in ours.params]
    theirs = Run(torch, name, {**options, "lr": 1.0}, now)
    theirs.opt.load_state_dict(torch.load(path, weights_only=True))
    assert theirs.opt.param_groups[0]["lr"] == ours.opt.param_groups[0]["lr"]
    finish(ours, theirs)


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_torch_state_loads_into_the_reference(name: str, variant: int, tmp_path: Path) -> None:
    options = OPTIONS.get(name, [{}])[variant]
    start = [values(i, s) for i, s in enumerate(SHAPES)]
    theirs = Run(torch, name, options, start)
    theirs.steps(0, 3)
    path = tmp_path / "optimizer.pt"
    torch.save(theirs.opt.state_dict(), path)
    now = [p.detach().numpy().copy() for p in theirs.params]
    ours = Run(reference, name, {**options, "lr": 1.0}, now)
    ours.opt.load_state_dict(reference.load(path, weights_only=True))
    assert ours.opt.param_groups[0]["lr"] == theirs.opt.param_groups[0]["lr"]
    finish(theirs, ours)


def test_every_optimizer_is_covered() -> None:
    assert set(OPTIONS) == set(reference.optim.OPTIMIZERS)
