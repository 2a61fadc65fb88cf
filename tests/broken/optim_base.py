"""Broken adapters for the Optimizer base class: constructor (param groups and defaults),
state_dict and load_state_dict, zero_grad, add_param_group and step mistakes that optimizer
implementations have made.

Each replaces SGD or Adam by a subclass of the reference's with one base-class method wrong.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


class StateDictDropsStep(Patched):
    """state_dict() leaves out each parameter's ``step`` (a checkpoint that restarts Adam's
    bias correction)."""

    patches = {"torch.optim.Adam": "Adam"}

    @cached_property
    def Adam(self) -> type:  # noqa: N802 - the class's own name
        class Adam(self.ref.optim.Adam):
            def state_dict(self) -> dict[str, Any]:
                sd = super().state_dict()
                state = {
                    k: {n: v for n, v in s.items() if n != "step"} for k, s in sd["state"].items()
                }
                return {"state": state, "param_groups": sd["param_groups"]}

        return Adam


class StateDictNumbersPerGroup(Patched):
    """state_dict() numbers each group's parameters from 0 (ids collide across groups)."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        tensor = self.ref.Tensor

        class SGD(self.ref.optim.SGD):
            def state_dict(self) -> dict[str, Any]:
                groups, state = [], {}
                for group in self.param_groups:
                    packed = {k: v for k, v in group.items() if k != "params"}
                    packed["params"] = list(range(len(group["params"])))
                    for i, p in enumerate(group["params"]):
                        if isinstance(p, tensor) and p in self.state:
                            state[i] = self.state[p]
                    groups.append(packed)
                return {"state": state, "param_groups": groups}

        return SGD


class ZeroGradIgnoresSetToNone(Patched):
    """zero_grad(set_to_none=False) drops the gradients like the default does (code that
    reads ``p.grad`` after it finds None)."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def zero_grad(self, set_to_none: bool = True) -> None:
                super().zero_grad(True)

        return SGD


class AddParamGroupWithoutDefaults(Patched):
    """add_param_group() after construction stores the group as given: options it does not
    name are missing (the step then falls back on the defaults, the state_dict lacks them)."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def add_param_group(self, param_group: dict[str, Any]) -> None:
                if not self.param_groups:
                    return super().add_param_group(param_group)
                params = param_group["params"]
                param_group["params"] = [params] if hasattr(params, "shape") else list(params)
                self.param_groups.append(param_group)
                return None

        return SGD


class LoadStateDictKeepsSavedDtype(Patched):
    """load_state_dict() takes the saved tensors as they are: float32 moments on float64
    parameters."""

    patches = {"torch.optim.Adam": "Adam"}

    @cached_property
    def Adam(self) -> type:  # noqa: N802
        class Adam(self.ref.optim.Adam):
            def load_state_dict(self, state_dict: dict[str, Any]) -> None:
                params = [p for g in self.param_groups for p in g["params"]]
                saved = {k: dict(v) for k, v in state_dict["state"].items()}
                super().load_state_dict(state_dict)
                for key, value in saved.items():
                    self.state[params[key]] = value

        return Adam


class LoadStateDictCastsStep(Patched):
    """load_state_dict() casts ``step`` to the parameter's dtype like the other state (the
    bug torch fixed in pytorch/pytorch#74424)."""

    patches = {"torch.optim.Adam": "Adam"}

    @cached_property
    def Adam(self) -> type:  # noqa: N802
        class Adam(self.ref.optim.Adam):
            def load_state_dict(self, state_dict: dict[str, Any]) -> None:
                super().load_state_dict(state_dict)
                for p, state in self.state.items():
                    if "step" in state:
                        state["step"] = state["step"].to(p.dtype)

        return Adam


class StepDropsClosureLoss(Patched):
    """step(closure) evaluates the closure and updates, but returns None instead of the loss."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def step(self, *args: Any, **kwargs: Any) -> None:
                super().step(*args, **kwargs)

        return SGD


class StepSkipsZeroGradients(Patched):
    """step() skips parameters whose gradient is all zeros, as if they had none: momentum
    stops moving them."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def step(self, *args: Any, **kwargs: Any) -> Any:
                params = [p for g in self.param_groups for p in g["params"]]
                zero = [p for p in params if p.grad is not None and not p.grad.any().item()]
                saved = [p.grad for p in zero]
                for p in zero:
                    p.grad = None
                try:
                    return super().step(*args, **kwargs)
                finally:
                    for p, grad in zip(zero, saved, strict=True):
                        p.grad = grad

        return SGD


class GroupsCopied(Patched):
    """The constructor keeps copies of the caller's group dicts: options changed through
    the caller's dict (a hand-made lr schedule) no longer reach the optimizer."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.param_groups = [dict(group) for group in self.param_groups]

        return SGD


class DefaultsOverrideGroupOptions(Patched):
    """A group's own options are overwritten by the defaults ({**group, **defaults}): the
    per-parameter learning rates are lost."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def add_param_group(self, param_group: dict[str, Any]) -> None:
                super().add_param_group(param_group)
                param_group.update(self.defaults)

        return SGD


CAUGHT = {
    "StateDictDropsStep": (
        ["torch.optim.Optimizer.state_dict"],
        "torch.optim.Optimizer.state_dict",
    ),
    "StateDictNumbersPerGroup": (
        ["torch.optim.Optimizer.state_dict"],
        "torch.optim.Optimizer.state_dict",
    ),
    "ZeroGradIgnoresSetToNone": (
        ["torch.optim.Optimizer.zero_grad"],
        "torch.optim.Optimizer.zero_grad",
    ),
    "AddParamGroupWithoutDefaults": (
        ["torch.optim.Optimizer.add_param_group"],
        "torch.optim.Optimizer.add_param_group",
    ),
    "LoadStateDictKeepsSavedDtype": (
        ["torch.optim.Optimizer.load_state_dict"],
        "torch.optim.Optimizer.load_state_dict",
    ),
    "LoadStateDictCastsStep": (
        ["torch.optim.Optimizer.load_state_dict"],
        "torch.optim.Optimizer.load_state_dict",
    ),
    "StepDropsClosureLoss": (["torch.optim.Optimizer.step"], "torch.optim.Optimizer.step"),
    "StepSkipsZeroGradients": (["torch.optim.Optimizer.step"], "torch.optim.Optimizer.step"),
    "GroupsCopied": (["torch.optim.Optimizer"], "torch.optim.Optimizer"),
    "DefaultsOverrideGroupOptions": (["torch.optim.Optimizer"], "torch.optim.Optimizer"),
}
