"""How losses reduce: the ``reduction`` argument, its legacy ``size_average``/``reduce``
spelling (``torch.nn._reduction``), and the ``_Loss``/``_WeightedLoss`` bases of the loss
modules."""

from __future__ import annotations

import warnings
from typing import Any

from .._tensor import Tensor
from .module import Module

__all__ = ["Loss", "WeightedLoss", "get_enum", "legacy_get_string", "reduce"]

_ENUM = {"none": 0, "mean": 1, "sum": 2}


def get_enum(reduction: str) -> int:
    """0, 1, 2 for ``'none'``, ``'mean'``, ``'sum'``; ``ValueError`` for anything else."""
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
        return 1
    if reduction not in _ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ENUM[reduction]


def legacy_get_string(
    size_average: bool | None, reduce: bool | None, emit_warning: bool = True
) -> str:
    """The ``reduction`` that the deprecated ``size_average``/``reduce`` pair stands for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
            "instead.",
            UserWarning,
            stacklevel=3,
        )
    return ret


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """``loss`` itself, its mean or its sum, as ``reduction`` says."""
    code = get_enum(reduction)
    return loss if code == 0 else loss.mean() if code == 1 else loss.sum()


class Loss(Module):
    """Base of the loss modules (torch's ``_Loss``): holds ``reduction``."""

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction: str = legacy_get_string(size_average, reduce)
        else:
            self.reduction = reduction


class WeightedLoss(Loss):
    """A loss with an optional per-class ``weight`` buffer (torch's ``_WeightedLoss``)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.weight: Any
