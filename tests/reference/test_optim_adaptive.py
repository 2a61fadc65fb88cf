"""``reference.optim`` Adadelta, Adagrad, RMSprop and Rprop against torch 2.13: the same
parameters and gradients, several steps, every option; parameters, gradients, the whole
state and the state_dict after every step; construction errors (class and message)."""

from __future__ import annotations

from typing import Any

import pytest

import reference
from tests.reference.test_optim_sgd import (
    assert_same_tree,
    grid,
    same_error,
    same_trajectory,
)

torch = pytest.importorskip("torch")

OPTIONS = {
    "Adadelta": grid(
        lr=[1.0, 0.5],
        rho=[0.9, 0.5],
        eps=[1e-6, 1e-2],
        weight_decay=[0.0, 0.1],
        maximize=[False, True],
    ),
    "Adagrad": grid(
        lr=[0.1],
        lr_decay=[0.0, 0.1],
        weight_decay=[0.0, 0.1],
        initial_accumulator_value=[0.0, 0.5],
        eps=[1e-10, 1e-3],
        maximize=[False, True],
    ),
    "RMSprop": grid(
        alpha=[0.99, 0.5],
        eps=[1e-8, 1e-2],
        weight_decay=[0.0, 0.1],
        momentum=[0.0, 0.9],
        centered=[False, True],
        maximize=[False, True],
    ),
    "Rprop": grid(
        lr=[0.01, 0.1],
        etas=[(0.5, 1.2), (0.3, 2.0)],
        step_sizes=[(1e-6, 50), (1e-3, 0.02)],
        maximize=[False, True],
    ),
}
CASES = [(cls, options) for cls, table in OPTIONS.items() for options in table]


@pytest.mark.parametrize(("cls", "options"), CASES, ids=str)
def test_trajectory(cls: str, options: dict[str, Any]) -> None:
    """RMSprop's centered variance cancels (a difference of running means): its buffers
    get a wider bound."""
    same_trajectory(cls, options, ulps=64 if options.get("centered") else 8)


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
@pytest.mark.parametrize("cls", list(OPTIONS))
@pytest.mark.parametrize("foreach", [None, True])
def test_dtypes_and_foreach(cls: str, dtype: str, foreach: bool | None) -> None:
    options = {k: v for k, v in OPTIONS[cls][-1].items() if k != "centered"}
    same_trajectory(cls, {**options, "foreach": foreach}, dtype)


def test_adagrad_state_from_construction_and_fused() -> None:
    for lib in (reference, torch):
        w = lib.ones(2, requires_grad=True)
        optimizer = lib.optim.Adagrad([w], initial_accumulator_value=0.5)
        assert sorted(optimizer.state[w]) == ["step", "sum"]
    r, t = (
        lib.optim.Adagrad([lib.ones(2, requires_grad=True)], initial_accumulator_value=0.5)
        for lib in (reference, torch)
    )
    assert_same_tree(r.state_dict(), t.state_dict())
    same_trajectory("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "fused": True})


ERRORS = [
    ("Adadelta", {"lr": -0.5}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"rho": -0.25}),
    ("Adadelta", {"eps": -0.125}),
    ("Adadelta", {"weight_decay": -0.125}),
    ("Adagrad", {"lr": -0.5}),
    ("Adagrad", {"lr_decay": -0.25}),
    ("Adagrad", {"weight_decay": -0.125}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -0.125}),
    ("Adagrad", {"fused": True, "foreach": True}),
    ("Adagrad", {"fused": True, "differentiable": True}),
    ("RMSprop", {"lr": -0.5}),
    ("RMSprop", {"eps": -0.125}),
    ("RMSprop", {"momentum": -0.25}),
    ("RMSprop", {"weight_decay": -0.125}),
    ("RMSprop", {"alpha": -0.5}),
    ("Rprop", {"lr": -0.5}),
    ("Rprop", {"etas": (0.5, 0.75)}),
    ("Rprop", {"etas": (1.0, 1.2)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
]


@pytest.mark.parametrize(("cls", "options"), ERRORS, ids=str)
def test_errors(cls: str, options: dict[str, Any]) -> None:
    same_error(lambda lib: getattr(lib.optim, cls)([lib.zeros(2, requires_grad=True)], **options))


@pytest.mark.parametrize("cls", list(OPTIONS))
@pytest.mark.parametrize("flag", ["differentiable", "capturable"])
def test_step_errors(cls: str, flag: str) -> None:
    """differentiable=True writes a leaf in place under grad mode; capturable=True needs a
    graph-capturing device (Adagrad has no capturable)."""
    if cls == "Adagrad" and flag == "capturable":
        pytest.skip("Adagrad takes no capturable")

    def step(lib: Any) -> None:
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.grad = lib.tensor([0.5, -0.5])
        getattr(lib.optim, cls)([w], **{flag: True}).step()

    same_error(step)
