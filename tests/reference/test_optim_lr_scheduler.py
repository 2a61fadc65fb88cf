"""``reference.optim.lr_scheduler`` against torch 2.13: StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, ReduceLROnPlateau and LambdaLR over many epochs with every option, on an
SGD of two groups; rates, get_last_lr, last_epoch and state_dict after every epoch; chained
schedulers, resumed schedulers, step(epoch), tensor rates; warnings and errors as torch's."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.conftest import check

torch = pytest.importorskip("torch")

Make = Callable[[Any, Any], Any]
METRICS = [1.0, 0.99995, 0.9, 0.9, 0.95, 0.85, 0.85, 0.8499, 0.9, 0.9, 1.2, 0.5] * 3


def _same(r: Any, t: Any, path: str = "") -> None:
    """Equal structure; floats within 1e-13 relative (they are computed the same way);
    tensors as their values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), path
        np.testing.assert_allclose(r.numpy(), t.detach().numpy(), rtol=1e-6, err_msg=path)
    elif isinstance(t, dict):
        assert type(r) is type(t) and list(r) == list(t), f"{path}: {list(r)} != {list(t)}"
        for key in t:
            _same(r[key], t[key], f"{path}[{key!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(r) is type(t) and len(r) == len(t), f"{path}: {r!r} != {t!r}"
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            _same(a, b, f"{path}[{i}]")
    elif isinstance(t, float):
        assert isinstance(r, float), f"{path}: {type(r)}"
        assert r == t or math.isclose(r, t, rel_tol=1e-13), f"{path}: {r!r} != {t!r}"
    else:
        assert type(r) is type(t) and r == t, f"{path}: {r!r} != {t!r}"


def _both(fn: Callable[[Any], Any]) -> None:
    """``fn(module)`` with reference and torch: same values, same warnings."""
    results = []
    for mod in (reference, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn(mod)
        results.append((value, [(w.category, str(w.message)) for w in caught]))
    (r, rw), (t, tw) = results
    _same(r, t)
    assert rw == tw


def _optimizer(mod: Any, lrs: tuple[float, ...] = (0.1, 0.5)) -> Any:
    groups = [{"params": [mod.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return mod.optim.SGD(groups, lr=0.01)


def _epochs(mod: Any, make: Make, epochs: int, metrics: list[float] | None = None) -> Any:
    """Each epoch's group rates, get_last_lr(), last_epoch and state_dict()."""
    opt = _optimizer(mod)
    sched = make(mod.optim.lr_scheduler, opt)
    seen = [([g["lr"] for g in opt.param_groups], sched.get_last_lr(), sched.last_epoch)]
    for epoch in range(epochs):
        opt.step()
        sched.step(*([] if metrics is None else [metrics[epoch]]))
        seen.append(
            ([g["lr"] for g in opt.param_groups], list(sched.get_last_lr()), sched.last_epoch)
        )
    return seen, sched.state_dict(), [g.get("initial_lr") for g in opt.param_groups]


SCHEDULES: dict[str, Make] = {
    "step_1": lambda S, o: S.StepLR(o, 1),
    "step_3_half": lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    "step_2_up": lambda S, o: S.StepLR(o, 2, gamma=1.5),
    "multistep": lambda S, o: S.MultiStepLR(o, [2, 5]),
    "multistep_repeated": lambda S, o: S.MultiStepLR(o, [9, 3, 3, 7, 3], gamma=0.5),
    "multistep_none": lambda S, o: S.MultiStepLR(o, (), gamma=0.5),
    "multistep_tuple": lambda S, o: S.MultiStepLR(o, milestones=(1, 1), gamma=0.9),
    "exponential": lambda S, o: S.ExponentialLR(o, 0.9),
    "exponential_up": lambda S, o: S.ExponentialLR(o, gamma=1.05),
    "cosine_1": lambda S, o: S.CosineAnnealingLR(o, 1),
    "cosine_3_eta": lambda S, o: S.CosineAnnealingLR(o, 3, eta_min=0.01),
    "cosine_7": lambda S, o: S.CosineAnnealingLR(o, T_max=7),
    "cosine_above": lambda S, o: S.CosineAnnealingLR(o, 5, eta_min=1.0),
    "lambda": lambda S, o: S.LambdaLR(o, lambda e: 0.95**e),
    "lambda_list": lambda S, o: S.LambdaLR(o, [lambda e: e // 3, lambda e: 1 / (e + 1)]),
    "lambda_tuple": lambda S, o: S.LambdaLR(o, lr_lambda=(lambda e: 2.0, lambda e: 0.5)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule(name: str) -> None:
    _both(lambda mod: _epochs(mod, SCHEDULES[name], 25))


PLATEAU: list[dict[str, Any]] = [
    {},
    {"patience": 0},
    {"patience": 1, "cooldown": 2},
    {"mode": "max", "patience": 1},
    {"patience": 0, "threshold": 0.05},
    {"patience": 0, "threshold_mode": "abs", "threshold": 0.01},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 2, "cooldown": 1},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02},
    {"patience": 0, "factor": 0.5, "min_lr": [0.03, 0.1]},
    {"patience": 0, "factor": 0.5, "min_lr": (0.03, 0.1)},
    {"patience": 0, "factor": 0.9, "eps": 0.02},
    {"patience": 0, "factor": 0.0},
]


@pytest.mark.parametrize("options", PLATEAU, ids=str)
def test_reduce_lr_on_plateau(options: dict[str, Any]) -> None:
    make: Make = lambda S, o: S.ReduceLROnPlateau(o, **options)  # noqa: E731
    _both(lambda mod: _epochs(mod, make, len(METRICS), METRICS))


def test_plateau_takes_a_tensor_metric_and_warns_on_epoch() -> None:
    def fn(mod: Any) -> Any:
        sched = mod.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(mod), patience=0)
        sched.step(mod.tensor(2.0))
        sched.step(mod.tensor([3.0]), 9)
        return sched.best, sched.last_epoch, sched.get_last_lr(), sched.num_bad_epochs

    _both(fn)


def test_plateau_with_a_group_added_later() -> None:
    def fn(mod: Any, min_lr: Any) -> Any:
        opt = _optimizer(mod, (1.0,))
        sched = mod.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=min_lr)
        opt.add_param_group({"params": [mod.zeros(1, requires_grad=True)], "lr": 0.5})
        sched.step(1.0)
        sched.step(2.0)
        return sched.get_last_lr(), sched.min_lrs

    _both(lambda mod: fn(mod, 0.2))
    check(lambda mod: fn(mod, [0.2]))


@pytest.mark.parametrize(
    "name", ["step_3_half", "multistep_repeated", "exponential", "cosine_3_eta"]
)
@pytest.mark.parametrize("epoch", [0, 4, 11])
def test_step_with_an_epoch(name: str, epoch: int) -> None:
    """Deprecated: warns, jumps to the epoch by the closed form, then steps on from there."""

    def fn(mod: Any) -> Any:
        opt = _optimizer(mod)
        sched = SCHEDULES[name](mod.optim.lr_scheduler, opt)
        opt.step()
        sched.step(epoch)
        after = sched.get_last_lr(), sched.last_epoch
        sched.step()
        return after, sched.get_last_lr(), sched.last_epoch

    _both(fn)


CHAINS: list[tuple[str, str]] = [
    ("exponential", "cosine_7"),
    ("cosine_3_eta", "exponential"),
    ("step_3_half", "multistep_repeated"),
    ("lambda", "step_1"),
]


@pytest.mark.parametrize(("first", "second"), CHAINS)
def test_two_schedulers_on_one_optimizer(first: str, second: str) -> None:
    def fn(mod: Any) -> Any:
        opt = _optimizer(mod)
        one = SCHEDULES[first](mod.optim.lr_scheduler, opt)
        two = SCHEDULES[second](mod.optim.lr_scheduler, opt)
        seen = []
        for _ in range(16):
            opt.step()
            one.step()
            two.step()
            seen.append((one.get_last_lr(), two.get_last_lr()))
        return seen

    _both(fn)


@pytest.mark.parametrize(
    "name", ["step_3_half", "multistep_repeated", "exponential", "cosine_3_eta", "lambda_list"]
)
def test_state_dict_resumes(name: str) -> None:
    """A scheduler loaded from another's state_dict (its optimizer loaded too) continues as
    that one does; and a scheduler built with last_epoch on an optimizer that has initial_lr
    keeps the current rate."""

    def fn(mod: Any) -> Any:
        S = mod.optim.lr_scheduler
        opt, copy = _optimizer(mod), _optimizer(mod, (0.3, 0.2))
        sched, other = SCHEDULES[name](S, opt), SCHEDULES[name](S, copy)
        for _ in range(5):
            opt.step()
            sched.step()
        copy.load_state_dict(opt.state_dict())
        other.load_state_dict(sched.state_dict())
        seen = []
        for _ in range(8):
            opt.step()
            copy.step()
            sched.step()
            other.step()
            seen.append((sched.get_last_lr(), other.get_last_lr(), other.last_epoch))
        resumed = type(sched)(copy, *_args(sched), last_epoch=other.last_epoch)
        return seen, resumed.get_last_lr(), resumed.last_epoch

    _both(fn)


def _args(sched: Any) -> tuple[Any, ...]:
    """The positional arguments that rebuild ``sched``'s schedule."""
    name = type(sched).__name__
    if name == "StepLR":
        return (sched.step_size, sched.gamma)
    if name == "MultiStepLR":
        return (list(sched.milestones.elements()), sched.gamma)
    if name == "ExponentialLR":
        return (sched.gamma,)
    if name == "CosineAnnealingLR":
        return (sched.T_max, sched.eta_min)
    return (sched.lr_lambdas,)


class _Warmup:
    """A callable schedule with state: LambdaLR's state_dict saves its __dict__."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.steps)


def test_lambda_state_dict_keeps_a_callable_objects_attributes() -> None:
    def fn(mod: Any) -> Any:
        S = mod.optim.lr_scheduler
        sched = S.LambdaLR(_optimizer(mod), [_Warmup(4), lambda e: 1.0])
        state = sched.state_dict()
        target = _Warmup(9)
        other = S.LambdaLR(_optimizer(mod), [target, lambda e: 1.0])
        other.load_state_dict(state)
        return state["lr_lambdas"], target.steps, "lr_lambdas" in state

    _both(fn)


def test_tensor_rates_are_filled_in_place() -> None:
    def fn(mod: Any) -> Any:
        rate = mod.tensor(0.1)
        opt = mod.optim.SGD([mod.zeros(2, requires_grad=True)], lr=rate)
        sched = mod.optim.lr_scheduler.StepLR(opt, 1, 0.5)
        opt.step()
        sched.step()
        return opt.param_groups[0]["lr"] is rate, float(rate), sched.base_lrs[0] is not rate

    _both(fn)


def test_warnings_of_the_step_order() -> None:
    def before(mod: Any) -> Any:
        opt = _optimizer(mod)
        sched = mod.optim.lr_scheduler.StepLR(opt, 1)
        sched.step()
        opt.step()
        sched.step()
        return sched.get_last_lr()

    def replaced(mod: Any) -> Any:
        opt = _optimizer(mod)
        sched = mod.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step = lambda: None
        opt.step()
        sched.step()
        return sched.get_last_lr()

    def get_lr(mod: Any) -> Any:
        return mod.optim.lr_scheduler.ExponentialLR(_optimizer(mod), 0.5).get_lr()

    for fn in (before, replaced, get_lr):
        _both(fn)


def test_the_optimizers_step_is_wrapped_once() -> None:
    def fn(mod: Any) -> Any:
        opt = _optimizer(mod)
        mod.optim.lr_scheduler.StepLR(opt, 1)
        first = opt.step
        mod.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        return opt.step is first, getattr(opt.step, "_wrapped_by_lr_sched", None)

    _both(fn)


ERRORS: dict[str, Callable[[Any], Any]] = {
    "not_an_optimizer": lambda mod: mod.optim.lr_scheduler.StepLR([mod.zeros(1)], 2),
    "plateau_not_an_optimizer": lambda mod: mod.optim.lr_scheduler.ReduceLROnPlateau([1]),
    "resume_without_initial_lr": lambda mod: mod.optim.lr_scheduler.CosineAnnealingLR(
        _optimizer(mod), 3, last_epoch=2
    ),
    "factor": lambda mod: mod.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(mod), factor=1.0),
    "mode": lambda mod: mod.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(mod), "avg"),
    "threshold_mode": lambda mod: mod.optim.lr_scheduler.ReduceLROnPlateau(
        _optimizer(mod), threshold_mode="ratio"
    ),
    "min_lrs": lambda mod: mod.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(mod), min_lr=[0.1]),
    "lambdas": lambda mod: mod.optim.lr_scheduler.LambdaLR(_optimizer(mod), [lambda e: 1.0]),
    "lambda_not_an_optimizer": lambda mod: mod.optim.lr_scheduler.LambdaLR([1], lambda e: 1.0),
    "base_get_lr": lambda mod: mod.optim.lr_scheduler.LRScheduler(_optimizer(mod)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name: str) -> None:
    check(ERRORS[name])
