"""``torch.optim.Optimizer``: parameter groups, per-parameter state, and their state_dict.

An optimizer holds ``param_groups`` (dicts of a ``params`` list and the options, defaults
filled in) and ``state`` (a dict per parameter, keyed by the tensor itself). Subclasses write
:meth:`Optimizer.step` with :func:`stepping`, which runs the step hooks and computes without
recording gradients. Updates compute on the parameters' arrays in place (:func:`array`,
:func:`written`), so views and modules that share a parameter see the new values.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

from .._device import module_of
from .._dtypes import float32
from .._grad_mode import set_grad_enabled
from .._ops import bump_version
from .._tensor import Tensor
from ..nn.hooks import RemovableHandle
from ..nn.module import clear_grad
from ..nn.printing import typename

__all__ = [
    "Optimizer",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "required",
]


class _Required:
    """The default of an option that every parameter group must give (SGD's ``lr`` once)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()
#: hooks every optimizer runs around its step (before its own pre-hooks, after its post-hooks)
_GLOBAL_PRE_HOOKS: OrderedDict[int, Callable] = OrderedDict()
_GLOBAL_POST_HOOKS: OrderedDict[int, Callable] = OrderedDict()
_HOOK_TABLES = (
    "_step_pre_hooks",
    "_step_post_hooks",
    "_state_dict_pre_hooks",
    "_state_dict_post_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


class Optimizer:
    """Base class of the optimizers: ``Optimizer(params, defaults)``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        for table in _HOOK_TABLES:
            setattr(self, table, OrderedDict())
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {typename(params)}"
            )
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for table in _HOOK_TABLES:
            self.__dict__.setdefault(table, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
        return text + ")"

    # ----- parameter groups -------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: its ``params`` (a tensor, or an ordered iterable of tensors or of
        ``(name, tensor)`` pairs) and options; missing options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list "
                "instead."
            )
        params = [params] if isinstance(params, Tensor) else list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError(
                "all optimizer params should be with/without names. Some param names are missing"
            )
        if names:
            param_group["param_names"] = names
        for p in param_group["params"]:
            _check_param(p, self.defaults.get("differentiable"))
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)
        self._check_new_group(param_group)
        self.param_groups.append(param_group)

    def _check_new_group(self, group: dict[str, Any]) -> None:
        params = group["params"]
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                UserWarning,
                stacklevel=4,
            )
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                which = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        seen = {id(p) for other in self.param_groups for p in other["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")

    # ----- gradients and steps ----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None, or (``set_to_none=False``) to zeros
        detached from any graph."""
        for group in self.param_groups:
            for p in group["params"]:
                clear_grad(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter (subclasses)."""
        raise NotImplementedError

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` before every step (``args`` starts with the
        optimizer); it may return new ``(args, kwargs)``."""
        return _add_hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` after every step."""
        return _add_hook(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer)`` before :meth:`state_dict` builds the dict."""
        return _add_hook(self._state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` after :meth:`state_dict`; it may return a new dict."""
        return _add_hook(self._state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` before :meth:`load_state_dict` (on a shallow copy);
        it may return the dict to load instead."""
        return _add_hook(self._load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(optimizer)`` after :meth:`load_state_dict`."""
        return _add_hook(self._load_state_dict_post_hooks, hook, prepend)

    # ----- state_dict -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {id: {...}}, "param_groups": [{..., "params": [ids]}]}``: parameters
        replaced by their position over all groups, in order (a parameter listed twice in one
        group takes its last position there). State values are the optimizer's own tensors."""
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self)
        ids: dict[int, int] = {}
        groups, start = [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            seen = set(ids)
            for i, p in enumerate(group["params"], start):
                if id(p) not in seen:
                    ids[id(p)] = i
            packed["params"] = [ids[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in list(self._state_dict_post_hooks.values()):
            if (result := hook(self, state_dict)) is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state and options of ``state_dict`` (from an optimizer over parameters of
        the same group sizes); state tensors are copied onto each parameter's dtype and device
        (``step`` is kept as saved, but for capturable or fused groups: float32 there)."""
        state_dict = state_dict.copy()
        for hook in list(self._load_state_dict_pre_hooks.values()):
            if (result := hook(self, state_dict)) is not None:
                state_dict = result
        saved = deepcopy(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"])
            for g, s in zip(self.param_groups, saved, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        params = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved),
                chain.from_iterable(g["params"] for g in self.param_groups),
                strict=True,
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params:
                special = _step_as_float32(key, state_dict["param_groups"])
                state[params[key]] = _cast(params[key], value, special)
            else:
                state[key] = value
        for group, new in zip(self.param_groups, saved, strict=True):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved})
        for hook in list(self._load_state_dict_post_hooks.values()):
            hook(self)


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` before every optimizer's step, its own hooks after."""
    return _add_hook(_GLOBAL_PRE_HOOKS, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` after every optimizer's step and its own hooks."""
    return _add_hook(_GLOBAL_POST_HOOKS, hook)


def _step_as_float32(param_id: Any, groups: list[dict[str, Any]]) -> bool:
    """Whether the saved group holding ``param_id`` is capturable or fused: its ``step`` is
    loaded as float32 on the parameter's device."""
    for group in groups:
        if param_id in group["params"]:
            return bool(group.get("fused", False) or group.get("capturable", False))
    return False


def _check_param(p: Any, differentiable: Any) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(
            f"optimizer can only optimize Tensors, but one of the params is {typename(p)}"
        )
    if not differentiable and not (p.is_leaf or p.retains_grad):
        raise ValueError("can't optimize a non-leaf Tensor")


def _cast(param: Tensor, value: Any, special_step: bool, key: Any = None) -> Any:
    """A saved state value with its tensors on ``param``'s device and floating dtype (the
    tensor itself where nothing changes); ``step`` as saved, or float32 if ``special_step``."""
    if isinstance(value, Tensor):
        if key == "step":
            if special_step:
                return value.to(dtype=float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, special_step, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, special_step) for v in value)
    return value


def _add_hook(
    hooks: OrderedDict[int, Callable], hook: Callable, prepend: bool = False
) -> RemovableHandle:
    """Register ``hook`` in ``hooks`` (first with ``prepend``); the handle removes it."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def stepping(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step``: pre-hooks, the update without recording gradients (unless
    the optimizer is ``differentiable``), post-hooks; counts the steps a scheduler checks."""

    @functools.wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        self: Optimizer = args[0]
        for hook in [*_GLOBAL_PRE_HOOKS.values(), *self._step_pre_hooks.values()]:
            result = hook(self, args, kwargs)
            if result is None:
                continue
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(
                    f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                    f"{result}."
                )
            args, kwargs = result
        self._opt_called = True
        with set_grad_enabled(bool(self.defaults.get("differentiable", False))):
            out = step(*args, **kwargs)
        for hook in [*self._step_post_hooks.values(), *_GLOBAL_POST_HOOKS.values()]:
            hook(self, args, kwargs)
        return out

    return wrapper


# ----- helpers of the update rules --------------------------------------------------------
def array(t: Tensor) -> Any:
    """The memory of ``t`` as a numpy (or cupy) array, written in place by updates."""
    return t._data


def written(t: Tensor) -> Tensor:
    """Count an in-place update of ``t`` (autograd sees its version move)."""
    bump_version(t)
    return t


def xp(t: Tensor) -> Any:
    """numpy or cupy: the array module of ``t``."""
    return module_of(t._data)


def params_with_grad(group: dict[str, Any]) -> list[Tensor]:
    """The group's parameters that have a gradient (the others are skipped)."""
    return [p for p in group["params"] if p.grad is not None]
