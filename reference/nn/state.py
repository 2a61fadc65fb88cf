"""``Module.state_dict`` and ``Module.load_state_dict``: torch's keys, ``_metadata``,
error messages and the ``(missing_keys, unexpected_keys)`` result."""

from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import Any

from .._grad_mode import no_grad
from .._tensor import Tensor
from .parameter import Parameter, is_lazy

__all__ = ["state_dict", "load_state_dict", "save_own_state", "load_own_state"]

EXTRA_STATE = "_extra_state"


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _overrides(module: Any, name: str) -> bool:
    """Whether the module's class defines its own ``get_extra_state``/``set_extra_state``."""
    return not getattr(getattr(type(module), name), "_placeholder", False)


def _own_entries(module: Any) -> dict[str, Any]:
    """The module's own parameters and persistent buffers that are not None, by name."""
    entries = {k: v for k, v in module._parameters.items() if v is not None}
    skip = module._non_persistent_buffers_set
    entries.update((k, v) for k, v in module._buffers.items() if v is not None and k not in skip)
    return entries


# ----- saving ---------------------------------------------------------------------------
def save_own_state(module: Any, destination: dict, prefix: str, keep_vars: bool) -> None:
    """Put the module's own entries (not its children's) into ``destination``."""
    for name, value in _own_entries(module).items():
        destination[prefix + name] = value if keep_vars or is_lazy(value) else value.detach()
    if _overrides(module, "get_extra_state"):
        destination[prefix + EXTRA_STATE] = module.get_extra_state()


def state_dict(module: Any, args: tuple, destination: Any, prefix: str, keep_vars: bool):
    """``module.state_dict(...)``: its entries, then each child's under ``name.``."""
    if args:
        warnings.warn(
            "Positional args are being deprecated, use kwargs instead. Refer to "
            "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
            "#torch.nn.Module.state_dict for details.",
            FutureWarning,
            stacklevel=3,
        )
        destination = args[0] if destination is None else destination
        prefix = args[1] if len(args) > 1 and prefix == "" else prefix
        keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    local_metadata = {"version": module._version}
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in list(module._state_dict_pre_hooks.values()):
        hook(module, prefix, keep_vars)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = prefix + name + "."
            child.state_dict(destination=destination, prefix=child_prefix, keep_vars=keep_vars)
    for hook in list(module._state_dict_hooks.values()):
        if hook(module, destination, prefix, local_metadata) is not None:
            raise RuntimeError("state_dict post-hook must return None")
    return destination


# ----- loading --------------------------------------------------------------------------
def _load_entry(module: Any, name: str, param: Tensor, value: Any, key: str, assign: bool):
    """Copy (or assign) one checkpoint value; returns an error message or None."""
    if not isinstance(value, Tensor):
        return (
            f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
            f"object from checkpoint but received {type(value)}"
        )
    lazy = is_lazy(param)
    if not lazy and param.ndim == 0 and value.ndim == 1 and value.size(0) == 1:
        value = value[0]
    if not lazy and value.shape != param.shape:
        return (
            f"size mismatch for {key}: copying a param with shape {value.shape} from "
            f"checkpoint, the shape in current model is {param.shape}."
        )
    try:
        with no_grad():
            if not assign:
                param.copy_(value)
            elif isinstance(value, Parameter):
                setattr(module, name, value.requires_grad_(param.requires_grad))
            elif isinstance(param, Parameter):
                setattr(module, name, Parameter(value, requires_grad=param.requires_grad))
            else:
                setattr(module, name, value)
    except Exception as ex:  # noqa: BLE001 - reported like torch
        return (
            f'While copying the parameter named "{key}", whose dimensions in the model are '
            f"{param.size()} and whose dimensions in the checkpoint are {value.size()}, an "
            f"exception occurred : {ex.args}."
        )
    return None


def load_own_state(
    module: Any,
    state: dict,
    prefix: str,
    local_metadata: dict,
    missing: list,
    unexpected: list,
    errors: list,
) -> None:
    """Load the module's own entries from ``state`` (keys under ``prefix``), recording
    missing and unexpected keys and error messages."""
    for hook in list(module._load_state_dict_pre_hooks.values()):
        hook(state, prefix, local_metadata, True, missing, unexpected, errors)
    own = _own_entries(module)
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in own.items():
        key = prefix + name
        if key not in state:
            missing.append(key)
            continue
        error = _load_entry(module, name, param, state[key], key, assign)
        if error is not None:
            errors.append(error)
    extra_key = prefix + EXTRA_STATE
    if _overrides(module, "set_extra_state"):
        if extra_key in state:
            module.set_extra_state(state[extra_key])
        else:
            missing.append(extra_key)
    elif extra_key in state:
        unexpected.append(extra_key)
    for key in state:
        if not key.startswith(prefix) or key == extra_key:
            continue
        head, dot, _ = key[len(prefix) :].partition(".")
        if (dot and head not in module._modules) or (not dot and head not in own):
            unexpected.append(key)


def load_state_dict(module: Any, state: Any, strict: bool, assign: bool) -> _IncompatibleKeys:
    """``module.load_state_dict(state, strict, assign)``."""
    if not isinstance(state, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state)}.")
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []
    metadata = getattr(state, "_metadata", None)
    state = OrderedDict(state)
    if metadata is not None:
        state._metadata = metadata

    def load(mod: Any, local: dict, prefix: str = "") -> None:
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        mod._load_from_state_dict(local, prefix, local_metadata, True, missing, unexpected, errors)
        for name, child in mod._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                load(child, {k: v for k, v in local.items() if k.startswith(child_prefix)},
                     child_prefix)  # fmt: skip
        keys = _IncompatibleKeys(missing, unexpected)
        for hook in list(mod._load_state_dict_post_hooks.values()):
            if hook(mod, keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be modified, "
                    "it should be done inplace."
                )

    load(module, state)
    if strict:
        if unexpected:
            listed = ", ".join(f'"{k}"' for k in unexpected)
            errors.insert(0, f"Unexpected key(s) in state_dict: {listed}. ")
        if missing:
            listed = ", ".join(f'"{k}"' for k in missing)
            errors.insert(0, f"Missing key(s) in state_dict: {listed}. ")
    if errors:
        joined = "\n\t".join(errors)
        name = type(module).__name__
        raise RuntimeError(f"Error(s) in loading state_dict for {name}:\n\t{joined}")
    return _IncompatibleKeys(missing, unexpected)
