"""The scheduler oracles of spec/oracles/lr_scheduler.py agree with PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from spec.oracles import lr_scheduler as oracles

torch = pytest.importorskip("torch")
S = torch.optim.lr_scheduler

TESTED = {
    "multi_step_lr",
    "exponential_lr",
    "cosine_annealing_lr",
    "cosine_annealing_closed_form",
    "reduce_lr_on_plateau",
    "lambda_lr",
}

METRICS = [1.0, 0.99995, 0.9, 0.9, 0.95, 0.85, 0.85, 0.8499, 0.9, 0.9, 1.2, 0.5] * 4


def _rates(
    make: Callable[[Any], Any], epochs: int, lr: float = 0.1, metrics: list | None = None
) -> list[list[float]]:
    """Every group's rate after construction and after each epoch (groups: lr, 5 * lr)."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr * k} for k in (1, 5)]
    opt = torch.optim.SGD(groups)
    sched = make(opt)
    seen = [[g["lr"] for g in opt.param_groups]]
    for epoch in range(epochs):
        opt.step()
        sched.step(*([] if metrics is None else [metrics[epoch]]))
        seen.append([g["lr"] for g in opt.param_groups])
    return np.asarray(seen).T.tolist()


def _same(mine: list[float], seen: list[float], rtol: float = 1e-14) -> None:
    np.testing.assert_allclose(mine, seen, rtol=rtol, atol=0)


@pytest.mark.parametrize(
    ("milestones", "gamma"), [([2, 5], 0.1), ([3, 3, 7], 0.5), ([9, 1, 4, 4, 4], 0.9), ([], 0.3)]
)
def test_multi_step_lr(milestones: list[int], gamma: float) -> None:
    seen = _rates(lambda o: S.MultiStepLR(o, milestones, gamma), 12)
    for k, rates in zip((1, 5), seen, strict=True):
        _same(oracles.multi_step_lr(0.1 * k, 12, milestones, gamma), rates)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99, 1.1])
def test_exponential_lr(gamma: float) -> None:
    seen = _rates(lambda o: S.ExponentialLR(o, gamma), 40)
    for k, rates in zip((1, 5), seen, strict=True):
        _same(oracles.exponential_lr(0.1 * k, 40, gamma), rates)


@pytest.mark.parametrize("t_max", [1, 2, 3, 7, 10, 50])
@pytest.mark.parametrize("eta_min", [0.0, 1e-3, 0.0999, 0.3])
def test_cosine_annealing_lr(t_max: int, eta_min: float) -> None:
    """The recursion equals torch's rates bit for bit over 200 epochs (several cycles); the
    closed form stays within 1e-12 of them (measured: 7.5e-14 at most), so a trajectory
    alone cannot tell them apart: a scenario that chains schedulers does."""
    seen = _rates(lambda o: S.CosineAnnealingLR(o, t_max, eta_min), 200)
    for k, rates in zip((1, 5), seen, strict=True):
        _same(oracles.cosine_annealing_lr(0.1 * k, 200, t_max, eta_min), rates, rtol=0)
        closed = oracles.cosine_annealing_closed_form(0.1 * k, 200, t_max, eta_min)
        _same(closed, rates, rtol=1e-12)


@pytest.mark.parametrize("epoch", [0, 1, 3, 6, 11])
def test_cosine_closed_form_is_step_with_epoch(epoch: int) -> None:
    """The deprecated step(epoch) jumps to the closed form."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.2)
    sched = S.CosineAnnealingLR(opt, 4, 0.01)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(epoch)
    want = oracles.cosine_annealing_closed_form(0.2, epoch, 4, 0.01)[-1]
    _same([want], [opt.param_groups[0]["lr"]])


PLATEAU = [
    {},
    {"patience": 0},
    {"patience": 1, "cooldown": 2},
    {"mode": "max", "patience": 1},
    {"patience": 0, "threshold": 0.05},
    {"patience": 0, "threshold_mode": "abs", "threshold": 0.01},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 2, "cooldown": 1},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02},
    {"patience": 0, "factor": 0.5, "min_lr": [0.03, 0.1]},
    {"patience": 0, "factor": 0.9, "eps": 0.02},
    {"patience": 0, "factor": 0.0},
]


@pytest.mark.parametrize("options", PLATEAU, ids=str)
def test_reduce_lr_on_plateau(options: dict[str, Any]) -> None:
    epochs = len(METRICS)
    seen = _rates(lambda o: S.ReduceLROnPlateau(o, **options), epochs, metrics=METRICS)
    for group, (k, rates) in enumerate(zip((1, 5), seen, strict=True)):
        mine = oracles.reduce_lr_on_plateau(0.1 * k, epochs, METRICS, **options, group=group)
        _same(mine, rates)


LAMBDAS: list[Callable[[int], float]] = [
    lambda e: 0.9**e,
    lambda e: 1.0 / (e + 1),
    lambda e: e // 3,
    lambda e: min(1.0, (e + 1) / 4),
]


@pytest.mark.parametrize("index", range(len(LAMBDAS)))
def test_lambda_lr(index: int) -> None:
    fn = LAMBDAS[index]
    seen = _rates(lambda o: S.LambdaLR(o, fn), 15)
    for k, rates in zip((1, 5), seen, strict=True):
        _same(oracles.lambda_lr(0.1 * k, 15, fn), rates)


def test_lambda_lr_per_group() -> None:
    first, second = LAMBDAS[0], LAMBDAS[3]
    seen = _rates(lambda o: S.LambdaLR(o, [first, second]), 15)
    _same(oracles.lambda_lr(0.1, 15, first), seen[0])
    _same(oracles.lambda_lr(0.5, 15, second), seen[1])
