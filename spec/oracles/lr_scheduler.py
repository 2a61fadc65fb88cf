"""Numpy oracles of torch.optim.lr_scheduler: the learning rate of one parameter group after
construction and after each of ``epochs`` epochs (``epochs + 1`` values).

The schedules are computed as torch computes them, recursively from the previous rate where
torch does (``cosine_annealing_lr`` follows the recursion, not only the closed form), in
float64 (Python floats).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "step_lr",
    "multi_step_lr",
    "exponential_lr",
    "cosine_annealing_lr",
    "cosine_annealing_closed_form",
    "reduce_lr_on_plateau",
    "lambda_lr",
]


def step_lr(base_lr: float, epochs: int, step_size: int, gamma: float = 0.1) -> list[float]:
    """The rate is multiplied by ``gamma`` every ``step_size`` epochs."""
    rates = [float(base_lr)]
    for epoch in range(1, epochs + 1):
        rates.append(rates[-1] * gamma if epoch % step_size == 0 else rates[-1])
    return rates


def multi_step_lr(
    base_lr: float, epochs: int, milestones: Iterable[int], gamma: float = 0.1
) -> list[float]:
    """The rate is multiplied by ``gamma`` once per occurrence of the epoch among the
    milestones (a milestone given twice multiplies by ``gamma ** 2``)."""
    counts = Counter(int(m) for m in milestones)
    rates = [float(base_lr)]
    for epoch in range(1, epochs + 1):
        times = counts.get(epoch, 0)
        rates.append(rates[-1] * gamma**times if times else rates[-1])
    return rates


def exponential_lr(base_lr: float, epochs: int, gamma: float) -> list[float]:
    """The rate is multiplied by ``gamma`` every epoch."""
    rates = [float(base_lr)]
    for _ in range(epochs):
        rates.append(rates[-1] * gamma)
    return rates


def cosine_annealing_lr(
    base_lr: float, epochs: int, T_max: int, eta_min: float = 0.0
) -> list[float]:
    """Cosine annealing as torch's recursion computes it: each epoch scales the distance to
    ``eta_min`` by the ratio of consecutive ``1 + cos(pi * t / T_max)`` terms; one epoch past
    each minimum (where the previous term is zero) it adds the first step of the rise instead.

    In exact arithmetic this equals :func:`cosine_annealing_closed_form`; in floating point
    the two part by a few ulp of the rate, more where the rate nears ``eta_min`` and the
    distance to it loses digits. They part for good once something else also changes the
    rate (another scheduler on the same optimizer): the recursion carries the change on.
    """
    rates = [float(base_lr)]
    for t in range(1, epochs + 1):
        lr = rates[-1]
        if (t - 1 - T_max) % (2 * T_max) == 0:
            lr = lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            now = 1 + math.cos(math.pi * t / T_max)
            before = 1 + math.cos(math.pi * (t - 1) / T_max)
            lr = now / before * (lr - eta_min) + eta_min
        rates.append(lr)
    return rates


def cosine_annealing_closed_form(
    base_lr: float, epochs: int, T_max: int, eta_min: float = 0.0
) -> list[float]:
    """``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for t = 0..epochs:
    the schedule the recursion approximates, and what ``step(epoch)`` computes."""
    return [
        eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
        for t in range(epochs + 1)
    ]


def reduce_lr_on_plateau(
    base_lr: float,
    epochs: int,
    metrics: Sequence[float],
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float | Sequence[float] = 0.0,
    eps: float = 1e-8,
    group: int = 0,
) -> list[float]:
    """The rate of group ``group`` when ``metrics[e]`` is reported after epoch ``e``.

    A metric is better than the best so far when it beats it by more than ``threshold``
    (relative: ``best * (1 -/+ threshold)``, absolute: ``best -/+ threshold``, for mode min /
    max). A metric that is not better is a bad epoch, except during the ``cooldown`` epochs
    after a reduction, which count none. When the bad epochs exceed ``patience`` the rate
    becomes ``max(lr * factor, min_lr)`` (unless that lowers it by ``eps`` or less), and
    the count starts again.
    """
    floor = min_lr[group] if isinstance(min_lr, (list, tuple)) else min_lr
    best = math.inf if mode == "min" else -math.inf
    bad = cooldown_left = 0
    rates = [float(base_lr)]
    for epoch in range(epochs):
        lr = rates[-1]
        current = float(metrics[epoch])
        if _better(current, best, mode, threshold, threshold_mode):
            best, bad = current, 0
        else:
            bad += 1
        if cooldown_left > 0:
            cooldown_left -= 1
            bad = 0
        if bad > patience:
            new = max(lr * factor, floor)
            if lr - new > eps:
                lr = new
            cooldown_left, bad = cooldown, 0
        rates.append(lr)
    return rates


def _better(a: float, best: float, mode: str, threshold: float, threshold_mode: str) -> bool:
    if threshold_mode == "rel":
        bound = best * (1.0 - threshold) if mode == "min" else best * (threshold + 1.0)
    else:
        bound = best - threshold if mode == "min" else best + threshold
    return a < bound if mode == "min" else a > bound


def lambda_lr(base_lr: float, epochs: int, lr_lambda: Callable[[int], float]) -> list[float]:
    """The base rate times ``lr_lambda(epoch)`` (never the previous rate)."""
    return [base_lr * lr_lambda(epoch) for epoch in range(epochs + 1)]
