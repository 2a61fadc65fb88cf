"""``torch.optim.SparseAdam``: Adam for sparse COO gradients, updating only the entries
the gradient holds (its moments elsewhere are left as they were)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._functional import run_closure, state_like, value_of
from .optimizer import Optimizer, array, params_with_grad, stepping, written

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """SparseAdam: ``SparseAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    maximize=False)``; every gradient must be sparse."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not lr > 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps > 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        _refuse(
            self.param_groups,
            lambda p: p.is_sparse,
            "SparseAdam requires dense parameter tensors",
            "Sparse",
        )
        _refuse(
            self.param_groups,
            lambda p: p.is_complex(),
            "SparseAdam does not support complex parameters",
            "Complex",
        )

    @stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of the entries each parameter's sparse gradient holds; returns the
        closure's loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            for p in params_with_grad(group):
                if not p.grad.is_sparse:
                    raise RuntimeError(
                        "SparseAdam does not support dense gradients, please consider Adam instead"
                    )
                state = self.state[p]
                if not state:
                    state.update(step=0, exp_avg=state_like(p), exp_avg_sq=state_like(p))
                state["step"] += 1
            for p in params_with_grad(group):
                _sparse_adam_step(p, self.state[p], group)
        return loss


def _refuse(
    groups: list[dict[str, Any]], bad: Callable[[Tensor], bool], why: str, what: str
) -> None:
    """torch's ValueError naming the ``[group, position]`` of every parameter ``bad`` holds."""
    where = [
        [g, i] for g, group in enumerate(groups) for i, p in enumerate(group["params"]) if bad(p)
    ]
    if where:
        raise ValueError(f"{what} params at indices {where}: {why}")


def _sparse_adam_step(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    """One step of one parameter, in the order of torch's functional sparse_adam."""
    grad = p.grad.coalesce()
    values = array(grad._values())
    values = -values if group["maximize"] else values
    if values.size == 0:
        return
    at = tuple(array(grad._indices()))
    beta1, beta2 = group["betas"]
    kind = values.dtype.type
    exp_avg, exp_avg_sq = array(state["exp_avg"]), array(state["exp_avg_sq"])
    old_avg = exp_avg[at]
    avg_update = (values - old_avg) * kind(1 - beta1)
    exp_avg[at] = old_avg + avg_update
    old_sq = exp_avg_sq[at]
    sq_update = (values * values - old_sq) * kind(1 - beta2)
    exp_avg_sq[at] = old_sq + sq_update
    written(state["exp_avg"])
    written(state["exp_avg_sq"])
    numer = avg_update + old_avg
    denom = np.sqrt(sq_update + old_sq) + kind(group["eps"])
    step = state["step"]
    step_size = value_of(group["lr"]) * math.sqrt(1 - beta2**step) / (1 - beta1**step)
    param = array(p)
    param[at] = param[at] + kind(-float(step_size)) * (numer / denom)
    written(p)
