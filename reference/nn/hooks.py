"""Module hooks: ``RemovableHandle`` (what registering a hook returns, torch's
``torch.utils.hooks.RemovableHandle``) and running the forward (pre-)hooks around
``forward``."""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle", "call_with_hooks", "WithModule"]


class RemovableHandle:
    """Removes one hook (by its ``id``) from the ordered dicts it was registered in."""

    next_id: int = 0

    def __init__(self, hooks_dict: OrderedDict, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else list(extra_dict or ())
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (a no-op when already removed)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __getstate__(self) -> tuple:
        return self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref)

    def __setstate__(self, state: tuple) -> None:
        hooks, self.id, extras = state
        self.hooks_dict_ref = weakref.ref(OrderedDict() if hooks is None else hooks)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class WithModule:
    """A hook called with its module first (load-state-dict pre-hooks)."""

    def __init__(self, hook: Callable, module: Any) -> None:
        self.hook, self.module = hook, module

    def __call__(self, *args: Any) -> Any:
        return self.hook(self.module, *args)


def _pre_hooks(module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Run the forward pre-hooks; a non-None result replaces the input."""
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id not in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
            continue
        result = hook(module, args, kwargs)
        if result is None:
            continue
        if not (isinstance(result, tuple) and len(result) == 2):
            raise RuntimeError(
                "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                f"but got {result}."
            )
        args, kwargs = result
    return args, kwargs


def _call_hook(module: Any, hook_id: int, hook: Callable, args, kwargs, result) -> Any:
    if hook_id in module._forward_hooks_with_kwargs:
        return hook(module, args, kwargs, result)
    return hook(module, args, result)


def _post_hooks(module: Any, args: tuple, kwargs: dict, result: Any, done: set) -> Any:
    """Run the forward hooks; a non-None result replaces the output."""
    for hook_id, hook in list(module._forward_hooks.items()):
        done.add(hook_id)
        out = _call_hook(module, hook_id, hook, args, kwargs, result)
        result = result if out is None else out
    return result


def _always_called(module: Any, args: tuple, kwargs: dict, result: Any, done: set) -> None:
    """After an error in forward, the ``always_call`` hooks that did not run yet."""
    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id not in module._forward_hooks_always_called or hook_id in done:
            continue
        try:
            out = _call_hook(module, hook_id, hook, args, kwargs, result)
            result = result if out is None else out
        except Exception as e:  # noqa: BLE001 - torch silences it with a warning
            warnings.warn(
                "module forward hook with ``always_call=True`` raised an exception that was "
                f"silenced as another error was raised in forward: {e}",
                stacklevel=4,
            )


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module.forward`` between its forward pre-hooks and hooks."""
    done: set = set()
    result = None
    try:
        args, kwargs = _pre_hooks(module, args, kwargs)
        result = module.forward(*args, **kwargs)
        return _post_hooks(module, args, kwargs, result, done)
    except Exception:
        _always_called(module, args, kwargs, result, done)
        raise
