"""``torch.optim.Rprop``: resilient backpropagation, steps from the gradient's sign only.

Each coordinate's ``step_size`` grows by ``etaplus`` while the gradient keeps its sign and
shrinks by ``etaminus`` when it flips (clamped to ``step_sizes``); after a flip the gradient
counts as zero (no move, and ``prev`` is zero for the next step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tensor import Tensor
from ._functional import (
    bump,
    check_lr,
    guard,
    number,
    real,
    restore_state,
    scalar_tensor,
    state_like,
    step_each,
)
from .optimizer import Optimizer, array, stepping, written, xp

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller and Braun, 1993), the variant without weight backtracking."""

    #: the update of one parameter: ``rule(param, state, group)``
    _rule: Callable[[Tensor, dict[str, Any], dict[str, Any]], None]

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_state(
            self,
            {"foreach": None, "maximize": False, "differentiable": False, "capturable": False},
            lambda v, p, group: scalar_tensor(v, p if group["capturable"] else None),
        )

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return step_each(self, closure, self._init_state)

    @staticmethod
    def _init_state(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        lr = number(group["lr"])
        state["step"] = scalar_tensor(0.0, p if group["capturable"] else None)
        state["prev"] = state_like(p)
        state["step_size"] = state_like(p, complex(lr, lr) if p.is_complex() else lr)


def _update(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    etaminus, etaplus = group["etas"]
    low, high = group["step_sizes"]
    grad = -array(p.grad) if group["maximize"] else array(p.grad)
    bump(state["step"])
    grad = real(grad)
    prev, step_size = real(array(state["prev"])), real(array(state["step_size"]))
    lib = xp(p)
    sign = lib.sign(grad * prev)
    sign[sign > 0] = etaplus
    sign[sign < 0] = etaminus
    sign[sign == 0] = 1
    step_size *= sign
    lib.clip(step_size, low, high, out=step_size)
    written(state["step_size"])
    grad = grad.copy()
    grad[sign == etaminus] = 0
    guard(p)
    real(array(p))[...] += -1 * lib.sign(grad) * step_size
    written(p)
    prev[...] = grad
    written(state["prev"])


Rprop._rule = staticmethod(_update)
