"""Broken adapters for torch.nn (9): realistic bugs in modules, containers, state dicts and
functions.

Each replaces one reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from tests.broken.base import Patched


class LinearForgetsBias(Patched):
    """Linear's forward drops the bias (it is created and initialised, never added)."""

    patches = {"torch.nn.Linear": "Linear"}

    @cached_property
    def Linear(self) -> type:  # noqa: N802 - the class's own name
        F = self.ref.nn.functional

        class Linear(self.ref.nn.Linear):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.linear(input, self.weight)

        return Linear


class LinearInitFromFanOut(Patched):
    """Linear's default bound is 1/sqrt(out_features) instead of 1/sqrt(in_features)."""

    patches = {"torch.nn.Linear": "Linear"}

    @cached_property
    def Linear(self) -> type:  # noqa: N802
        init = self.ref.nn.init

        class Linear(self.ref.nn.Linear):
            def reset_parameters(self) -> None:
                bound = 1 / math.sqrt(self.out_features)
                init.uniform_(self.weight, -bound, bound)
                if self.bias is not None:
                    init.uniform_(self.bias, -bound, bound)

        return Linear


class BilinearSwapsInputs(Patched):
    """Bilinear contracts the weight with (input2, input1): right only when in1 == in2 and
    the weight is symmetric."""

    patches = {"torch.nn.Bilinear": "Bilinear"}

    @cached_property
    def Bilinear(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Bilinear(self.ref.nn.Bilinear):
            def forward(self, input1: Any, input2: Any) -> Any:
                weight = self.weight.transpose(1, 2)
                if input1.shape[-1] != input2.shape[-1]:
                    return F.bilinear(input1, input2, self.weight, self.bias)
                return F.bilinear(input1, input2, weight, self.bias)

        return Bilinear


class SequentialTrainNotRecursive(Patched):
    """Sequential.train(mode) sets its own flag only; the children keep their mode."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        class Sequential(self.ref.nn.Sequential):
            def train(self, mode: bool = True) -> Any:
                self.training = mode
                return self

        return Sequential


class SequentialSliceIsList(Patched):
    """Slicing a Sequential gives a plain list of its modules instead of a Sequential."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        class Sequential(self.ref.nn.Sequential):
            def __getitem__(self, idx: Any) -> Any:
                if isinstance(idx, slice):
                    return list(self._modules.values())[idx]
                return super().__getitem__(idx)

        return Sequential


class StateDictCopies(Patched):
    """Linear.state_dict() returns copies, so writing through it leaves the module alone."""

    patches = {"torch.nn.Linear": "Linear"}

    @cached_property
    def Linear(self) -> type:  # noqa: N802
        class Linear(self.ref.nn.Linear):
            def state_dict(self, *args: Any, **kwargs: Any) -> Any:
                state = super().state_dict(*args, **kwargs)
                for key, value in state.items():
                    state[key] = value.clone()
                return state

        return Linear


class LoadStateDictSwapsKeyLists(Patched):
    """load_state_dict(strict=False) reports missing keys as unexpected and the other way."""

    patches = {"torch.nn.Linear": "Linear"}

    @cached_property
    def Linear(self) -> type:  # noqa: N802
        class Linear(self.ref.nn.Linear):
            def load_state_dict(self, *args: Any, **kwargs: Any) -> Any:
                found = super().load_state_dict(*args, **kwargs)
                return type(found)(found.unexpected_keys, found.missing_keys)

        return Linear


class NormalizeAddsEps(Patched):
    """functional.normalize divides by norm + eps instead of max(norm, eps)."""

    patches = {"torch.nn.functional.normalize": "normalize"}

    def normalize(
        self,
        input: Any,  # noqa: A002
        p: float = 2.0,
        dim: int = 1,
        eps: float = 1e-12,
        out: Any = None,
    ) -> Any:
        result = input / (input.norm(p, dim, keepdim=True) + eps)
        return result if out is None else out.copy_(result)


class NormalizeDefaultDimIsLast(Patched):
    """functional.normalize's default dim is -1 (torch: 1)."""

    patches = {"torch.nn.functional.normalize": "normalize"}

    def normalize(
        self,
        input: Any,  # noqa: A002
        p: float = 2.0,
        dim: int = -1,
        eps: float = 1e-12,
        out: Any = None,
    ) -> Any:
        return self.ref.nn.functional.normalize(input, p, dim, eps, out)


CAUGHT = {
    "LinearForgetsBias": (["torch.nn.Linear"], "torch.nn.Linear"),
    "LinearInitFromFanOut": (["torch.nn.Linear"], "torch.nn.Linear"),
    "BilinearSwapsInputs": (["torch.nn.Bilinear"], "torch.nn.Bilinear"),
    "SequentialTrainNotRecursive": (["torch.nn.Module.train"], "torch.nn.Module.train"),
    "SequentialSliceIsList": (["torch.nn.Sequential"], "torch.nn.Sequential"),
    "StateDictCopies": (["torch.nn.Module.state_dict"], "torch.nn.Module.state_dict"),
    "LoadStateDictSwapsKeyLists": (
        ["torch.nn.Module.load_state_dict"],
        "torch.nn.Module.load_state_dict",
    ),
    "NormalizeAddsEps": (["torch.nn.functional.normalize"], "torch.nn.functional.normalize"),
    "NormalizeDefaultDimIsLast": (
        ["torch.nn.functional.normalize"],
        "torch.nn.functional.normalize",
    ),
}
