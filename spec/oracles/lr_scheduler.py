"""Numpy oracles of torch.optim.lr_scheduler: the learning rate after construction and
after each of ``epochs`` epochs (``epochs + 1`` values)."""

from __future__ import annotations

__all__ = ["step_lr"]


def step_lr(base_lr: float, epochs: int, step_size: int, gamma: float = 0.1) -> list[float]:
    """The rate is multiplied by ``gamma`` every ``step_size`` epochs."""
    rates = [float(base_lr)]
    for epoch in range(1, epochs + 1):
        rates.append(rates[-1] * gamma if epoch % step_size == 0 else rates[-1])
    return rates
