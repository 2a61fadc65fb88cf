"""``torch.nn``: ``Softmin``, ``Softmax``, ``Softmax2d`` and ``LogSoftmax``, thin modules over
``functional.softmax`` & co. (``dim=None`` keeps torch's deprecated implicit choice and its
warning)."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import functional as F  # noqa: N812
from .module import Module

__all__ = ["Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


class _DimModule(Module):
    """A module holding the ``dim`` its function normalises along."""

    __constants__ = ["dim"]

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling a module saved before ``dim`` existed gives ``dim=None``."""
        self.__dict__.update(state)
        if "dim" not in self.__dict__:
            self.dim = None

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(_DimModule):
    """``softmax(-x)`` along ``dim``: the smallest input gets the largest weight."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax(_DimModule):
    """``exp(x) / sum(exp(x))`` along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels (``dim=-3``) at every position of a 3-d or 4-d input."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.dim() not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead"
            )
        return F.softmax(input, -3, _stacklevel=5)


class LogSoftmax(_DimModule):
    """``x - logsumexp(x)`` along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim, _stacklevel=5)
