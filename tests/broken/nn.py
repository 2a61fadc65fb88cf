"""Broken adapters for torch.nn (36): realistic bugs in modules, containers, state dicts,
device moves, calling and hooks, reshaping layers, dropout, lazy modules and functions.

Each replaces one reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

import copy
import math
from functools import cached_property
from typing import Any

from tests.broken.base import Patched, standing_in_for


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


class FlattenEndDimExclusive(Patched):
    """Flatten merges start_dim up to end_dim - 1: end_dim is taken as exclusive, like a slice."""

    patches = {"torch.nn.Flatten": "Flatten"}

    @cached_property
    def Flatten(self) -> type:  # noqa: N802
        class Flatten(self.ref.nn.Flatten):
            def forward(self, input: Any) -> Any:  # noqa: A002
                start, end = self.start_dim % input.ndim, self.end_dim % input.ndim
                return input.flatten(start, max(start, end - 1))

        return Flatten


class FlattenDefaultStartAtZero(Patched):
    """Flatten's default start_dim is 0: the batch dim is merged too."""

    patches = {"torch.nn.Flatten": "Flatten"}

    @cached_property
    def Flatten(self) -> type:  # noqa: N802
        base = self.ref.nn.Flatten

        class Flatten(base):
            def __init__(self, start_dim: int = 0, end_dim: int = -1) -> None:
                super().__init__(start_dim, end_dim)

        return Flatten


class UnflattenNegativeDimAgainstTheOutput(Patched):
    """Unflatten resolves a negative dim against the output's rank, not the input's."""

    patches = {"torch.nn.Unflatten": "Unflatten"}

    @cached_property
    def Unflatten(self) -> type:  # noqa: N802
        class Unflatten(self.ref.nn.Unflatten):
            def forward(self, input: Any) -> Any:  # noqa: A002
                rank = input.ndim + len(self.unflattened_size) - 1
                dim = self.dim if self.dim >= 0 else self.dim + rank
                return input.unflatten(dim, self.unflattened_size)

        return Unflatten


class DropoutScalesByKeepProbability(Patched):
    """Dropout multiplies the kept elements by 1 - p instead of dividing by it."""

    patches = {"torch.nn.Dropout": "Dropout"}

    @cached_property
    def Dropout(self) -> type:  # noqa: N802
        class Dropout(self.ref.nn.Dropout):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                if not self.training or self.p in (0.0, 1.0):
                    return out
                return out * ((1 - self.p) ** 2)

        return Dropout


class DropoutActiveInEval(Patched):
    """Dropout keeps dropping in eval mode: the training flag is never consulted."""

    patches = {"torch.nn.Dropout": "Dropout"}

    @cached_property
    def Dropout(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Dropout(self.ref.nn.Dropout):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.dropout(input, self.p, True, self.inplace)

        return Dropout


class IdentityReturnsACopy(Patched):
    """Identity returns a copy of its input instead of the input itself."""

    patches = {"torch.nn.Identity": "Identity"}

    @cached_property
    def Identity(self) -> type:  # noqa: N802
        class Identity(self.ref.nn.Identity):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return input.clone()

        return Identity


class LazyLinearStaysLazy(Patched):
    """LazyLinear materializes its parameters but never turns into a Linear."""

    patches = {"torch.nn.LazyLinear": "LazyLinear"}

    @cached_property
    def LazyLinear(self) -> type:  # noqa: N802
        class LazyLinear(self.ref.nn.LazyLinear):
            cls_to_become = None

        return LazyLinear


class LazyLinearNotInitialised(Patched):
    """LazyLinear materializes its parameters without initialising them (reset_parameters is
    skipped): they keep whatever the allocation held."""

    patches = {"torch.nn.LazyLinear": "LazyLinear"}

    @cached_property
    def LazyLinear(self) -> type:  # noqa: N802
        class LazyLinear(self.ref.nn.LazyLinear):
            def reset_parameters(self) -> None:
                pass

        return LazyLinear


class PixelUnshuffleFactorsBeforeChannels(Patched):
    """PixelUnshuffle orders the output channels (r, r, C) instead of (C, r, r)."""

    patches = {"torch.nn.PixelUnshuffle": "PixelUnshuffle"}

    @cached_property
    def PixelUnshuffle(self) -> type:  # noqa: N802
        class PixelUnshuffle(self.ref.nn.PixelUnshuffle):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                r, c = self.downscale_factor, input.shape[-3]
                lead, (h, w) = tuple(out.shape[:-3]), tuple(out.shape[-2:])
                split = out.reshape(*lead, c, r * r, h, w)
                return split.transpose(-4, -3).reshape(*lead, c * r * r, h, w)

        return PixelUnshuffle


class ChannelShuffleAsTheNotesSay(Patched):
    """ChannelShuffle reshapes to (C / g, g) and swaps (the notes' misprint): the inverse
    permutation of torch's."""

    patches = {"torch.nn.ChannelShuffle": "ChannelShuffle"}

    @cached_property
    def ChannelShuffle(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class ChannelShuffle(self.ref.nn.ChannelShuffle):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if input.ndim <= 2 or self.groups <= 0 or input.shape[1] % self.groups:
                    return super().forward(input)
                return F.channel_shuffle(input, input.shape[1] // self.groups)

        return ChannelShuffle


class ModuleParametersRepeatShared(Patched):
    """Module.named_parameters() ignores remove_duplicate: a module held under two names
    yields its parameters twice (an optimizer would step them twice)."""

    patches = {"torch.nn.Module": "Module"}

    @cached_property
    def Module(self) -> type:  # noqa: N802
        class Module(self.ref.nn.Module, metaclass=standing_in_for(self.ref.nn.Module)):
            def named_parameters(self, prefix: str = "", recurse: bool = True, **_: Any) -> Any:
                return super().named_parameters(prefix, recurse, remove_duplicate=False)

        return Module


class CpuReplacesParameters(Patched):
    """Module.cpu() puts new Parameter objects in place of the old ones (an optimizer built
    before the move holds tensors the module no longer uses)."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        parameter = self.ref.nn.Parameter

        class Sequential(self.ref.nn.Sequential):
            def cpu(self) -> Any:
                for module in self.modules():
                    for name, p in module._parameters.items():
                        if p is not None:
                            module._parameters[name] = parameter(p.detach().cpu(), p.requires_grad)
                return self

        return Sequential


class CudaFallsBackToCpu(Patched):
    """Module.cuda() without CUDA swallows the error and leaves the module on the CPU."""

    patches = {"torch.nn.Linear": "Linear"}

    @cached_property
    def Linear(self) -> type:  # noqa: N802
        class Linear(self.ref.nn.Linear):
            def cuda(self, device: Any = None) -> Any:
                try:
                    return super().cuda(device)
                except (AssertionError, RuntimeError):
                    return self

        return Linear


class CallSkipsHooks(Patched):
    """Calling an Identity runs forward directly: the forward pre-hooks never run."""

    patches = {"torch.nn.Identity": "Identity"}

    @cached_property
    def Identity(self) -> type:  # noqa: N802
        class Identity(self.ref.nn.Identity):
            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                return self.forward(*args, **kwargs)

        return Identity


class EvalNotRecursive(Patched):
    """Sequential.eval() clears its own training flag only; the children stay in training."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        class Sequential(self.ref.nn.Sequential):
            def eval(self) -> Any:
                self.training = False
                return self

        return Sequential


class ModuleListInsertsAfter(Patched):
    """ModuleList.insert(i, m) puts m after position i instead of before it."""

    patches = {"torch.nn.ModuleList": "ModuleList"}

    @cached_property
    def ModuleList(self) -> type:  # noqa: N802
        class ModuleList(self.ref.nn.ModuleList):
            def insert(self, index: int, module: Any) -> None:
                super().insert(min(index + 1, len(self)), module)

        return ModuleList


class ModuleDictSortsPlainDict(Patched):
    """ModuleDict adds a plain dict's entries in sorted key order (ParameterDict's rule)
    instead of insertion order."""

    patches = {"torch.nn.ModuleDict": "ModuleDict"}

    @cached_property
    def ModuleDict(self) -> type:  # noqa: N802
        class ModuleDict(self.ref.nn.ModuleDict):
            def update(self, modules: Any) -> None:
                if isinstance(modules, dict):
                    modules = sorted(modules.items())
                super().update(modules)

        return ModuleDict


class ParameterListKeepsRequiresGrad(Patched):
    """ParameterList wraps a plain tensor in a Parameter that keeps the tensor's
    requires_grad (False), so the list's parameters are frozen."""

    patches = {"torch.nn.ParameterList": "ParameterList"}

    @cached_property
    def ParameterList(self) -> type:  # noqa: N802
        ref = self.ref

        class ParameterList(ref.nn.ParameterList):
            def __setitem__(self, idx: int, param: Any) -> None:
                if isinstance(param, ref.Tensor) and not isinstance(param, ref.nn.Parameter):
                    param = ref.nn.Parameter(param, param.requires_grad)
                super().__setitem__(idx, param)

        return ParameterList


class ParameterDictKeepsPlainDictOrder(Patched):
    """ParameterDict adds a plain dict's entries in insertion order instead of sorted."""

    patches = {"torch.nn.ParameterDict": "ParameterDict"}

    @cached_property
    def ParameterDict(self) -> type:  # noqa: N802
        class ParameterDict(self.ref.nn.ParameterDict):
            def update(self, parameters: Any) -> None:
                if type(parameters) is dict:
                    parameters = list(parameters.items())
                super().update(parameters)

        return ParameterDict


class ModuleSkipsParameterAttributes(Patched):
    """Module registers a Parameter assigned as an attribute only if the name is already a
    parameter: a new one becomes a plain attribute, unseen by parameters() and state_dict."""

    patches = {"torch.nn.Module": "Module"}

    @cached_property
    def Module(self) -> type:  # noqa: N802
        parameter = self.ref.nn.Parameter

        class Module(self.ref.nn.Module, metaclass=standing_in_for(self.ref.nn.Module)):
            def __setattr__(self, name: str, value: Any) -> None:
                if isinstance(value, parameter) and name not in self._parameters:
                    object.__setattr__(self, name, value)
                else:
                    super().__setattr__(name, value)

        return Module


class PreHookResultIgnored(Patched):
    """Calling an Identity runs its forward pre-hooks but drops what they return: a hook
    cannot replace the input."""

    patches = {"torch.nn.Identity": "Identity"}

    @cached_property
    def Identity(self) -> type:  # noqa: N802
        class Identity(self.ref.nn.Identity):
            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                for hook in list(self._forward_pre_hooks.values()):
                    hook(self, args)
                return self.forward(*args, **kwargs)

        return Identity


class EvalReturnsNone(Patched):
    """Sequential.eval() switches the mode but returns None (train's result is dropped), so
    ``net = net.eval()`` loses the model."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        class Sequential(self.ref.nn.Sequential):
            def eval(self) -> Any:
                self.train(False)

        return Sequential


class ModuleListSliceKeepsKeys(Patched):
    """A ModuleList slice keeps the original keys ("1", "2") instead of renumbering, as a
    Sequential slice does."""

    patches = {"torch.nn.ModuleList": "ModuleList"}

    @cached_property
    def ModuleList(self) -> type:  # noqa: N802
        class ModuleList(self.ref.nn.ModuleList):
            def __getitem__(self, idx: Any) -> Any:
                if not isinstance(idx, slice):
                    return super().__getitem__(idx)
                part = type(self)()
                for key in list(self._modules)[idx]:
                    part.add_module(key, self._modules[key])
                return part

        return ModuleList


class ModuleDictReplacedKeyMovesLast(Patched):
    """Replacing a ModuleDict entry deletes and re-adds it: the key moves to the end."""

    patches = {"torch.nn.ModuleDict": "ModuleDict"}

    @cached_property
    def ModuleDict(self) -> type:  # noqa: N802
        class ModuleDict(self.ref.nn.ModuleDict):
            def __setitem__(self, key: str, module: Any) -> None:
                if key in self:
                    del self[key]
                super().__setitem__(key, module)

        return ModuleDict


class ParameterListCopiesTensors(Patched):
    """ParameterList wraps a copy of a plain tensor: the Parameter no longer shares the
    tensor's memory."""

    patches = {"torch.nn.ParameterList": "ParameterList"}

    @cached_property
    def ParameterList(self) -> type:  # noqa: N802
        ref = self.ref

        class ParameterList(ref.nn.ParameterList):
            def __setitem__(self, idx: int, param: Any) -> None:
                if isinstance(param, ref.Tensor) and not isinstance(param, ref.nn.Parameter):
                    param = ref.nn.Parameter(param.detach().clone())
                super().__setitem__(idx, param)

        return ParameterList


class ParameterDictMissingKeyIsKeyError(Patched):
    """ParameterDict["missing"] raises KeyError (as a dict does) instead of torch's
    AttributeError."""

    patches = {"torch.nn.ParameterDict": "ParameterDict"}

    @cached_property
    def ParameterDict(self) -> type:  # noqa: N802
        class ParameterDict(self.ref.nn.ParameterDict):
            def __getitem__(self, key: str) -> Any:
                if isinstance(key, str) and key not in self:
                    raise KeyError(key)
                return super().__getitem__(key)

        return ParameterDict


class CpuReturnsACopy(Patched):
    """Module.cpu() returns a moved copy of the module and leaves the module itself alone."""

    patches = {"torch.nn.Sequential": "Sequential"}

    @cached_property
    def Sequential(self) -> type:  # noqa: N802
        class Sequential(self.ref.nn.Sequential):
            def cpu(self) -> Any:
                return copy.deepcopy(self)._apply(lambda t: t.cpu())

        return Sequential


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
    "FlattenEndDimExclusive": (["torch.nn.Flatten"], "torch.nn.Flatten"),
    "FlattenDefaultStartAtZero": (["torch.nn.Flatten"], "torch.nn.Flatten"),
    "UnflattenNegativeDimAgainstTheOutput": (["torch.nn.Unflatten"], "torch.nn.Unflatten"),
    "DropoutScalesByKeepProbability": (["torch.nn.Dropout"], "torch.nn.Dropout"),
    "DropoutActiveInEval": (["torch.nn.Dropout"], "torch.nn.Dropout"),
    "IdentityReturnsACopy": (["torch.nn.Identity"], "torch.nn.Identity"),
    "LazyLinearStaysLazy": (["torch.nn.LazyLinear"], "torch.nn.LazyLinear"),
    "LazyLinearNotInitialised": (["torch.nn.LazyLinear"], "torch.nn.LazyLinear"),
    "PixelUnshuffleFactorsBeforeChannels": (["torch.nn.PixelUnshuffle"], "torch.nn.PixelUnshuffle"),
    "ChannelShuffleAsTheNotesSay": (["torch.nn.ChannelShuffle"], "torch.nn.ChannelShuffle"),
    "ModuleParametersRepeatShared": (["torch.nn.Module"], "torch.nn.Module"),
    "CpuReplacesParameters": (["torch.nn.Module.cpu"], "torch.nn.Module.cpu"),
    "CudaFallsBackToCpu": (["torch.nn.Module.cuda"], "torch.nn.Module.cuda"),
    "CallSkipsHooks": (["torch.nn.Module.forward"], "torch.nn.Module.forward"),
    "EvalNotRecursive": (["torch.nn.Module.eval"], "torch.nn.Module.eval"),
    "ModuleListInsertsAfter": (["torch.nn.ModuleList"], "torch.nn.ModuleList"),
    "ModuleDictSortsPlainDict": (["torch.nn.ModuleDict"], "torch.nn.ModuleDict"),
    "ParameterListKeepsRequiresGrad": (["torch.nn.ParameterList"], "torch.nn.ParameterList"),
    "ParameterDictKeepsPlainDictOrder": (["torch.nn.ParameterDict"], "torch.nn.ParameterDict"),
    "ModuleSkipsParameterAttributes": (["torch.nn.Module"], "torch.nn.Module"),
    "PreHookResultIgnored": (["torch.nn.Module.forward"], "torch.nn.Module.forward"),
    "EvalReturnsNone": (["torch.nn.Module.eval"], "torch.nn.Module.eval"),
    "ModuleListSliceKeepsKeys": (["torch.nn.ModuleList"], "torch.nn.ModuleList"),
    "ModuleDictReplacedKeyMovesLast": (["torch.nn.ModuleDict"], "torch.nn.ModuleDict"),
    "ParameterListCopiesTensors": (["torch.nn.ParameterList"], "torch.nn.ParameterList"),
    "ParameterDictMissingKeyIsKeyError": (["torch.nn.ParameterDict"], "torch.nn.ParameterDict"),
    "CpuReturnsACopy": (["torch.nn.Module.cpu"], "torch.nn.Module.cpu"),
}
