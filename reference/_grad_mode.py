"""Grad-mode state (thread-local) and the no_grad / enable_grad / set_grad_enabled /
inference_mode context managers, which also work as decorators like torch's."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_recording",
]


class _State(threading.local):
    grad_enabled = True
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """True when operations record gradients (False under no_grad and inference_mode)."""
    return _state.grad_enabled


def is_inference_mode_enabled() -> bool:
    """True inside an enabled ``inference_mode``."""
    return _state.inference


def is_recording() -> bool:
    """True when operations are recorded for autograd: grad mode on and inference mode off
    (enable_grad inside inference_mode turns grad mode on, yet records nothing)."""
    return _state.grad_enabled and not _state.inference


def _set_grad(mode: bool) -> None:
    _state.grad_enabled = bool(mode)


class _DecoratorContextManager:
    """Context manager that can also decorate functions and generator functions."""

    def clone(self) -> _DecoratorContextManager:
        return self.__class__()

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            raise RuntimeError("Torch decorator cannot decorate classes")
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as exc:  # forward throw() into the generator
                        with self.clone():
                            response = gen.throw(exc)
                    else:
                        try:
                            with self.clone():
                                response = gen.send(request)
                        except StopIteration as stop:
                            return stop.value

            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class _NoParamDecorator(_DecoratorContextManager):
    """Allows the bare ``@no_grad`` spelling as well as ``@no_grad()``."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):  # noqa: N801
    """Disable gradient recording inside the block."""

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_grad(False)

    def __exit__(self, *exc: object) -> None:
        _set_grad(self.prev)


class enable_grad(_NoParamDecorator):  # noqa: N801
    """Enable gradient recording inside the block (even under no_grad)."""

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_grad(True)

    def __exit__(self, *exc: object) -> None:
        _set_grad(self.prev)


class set_grad_enabled(_DecoratorContextManager):  # noqa: N801
    """Set grad mode now; as a context manager, restore the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        self.prev = is_grad_enabled()
        self.mode = mode
        _set_grad(mode)

    def __call__(self, func: Callable) -> Callable:
        _set_grad(self.prev)
        return super().__call__(func)

    def __enter__(self) -> None:
        _set_grad(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_grad(self.prev)

    def clone(self) -> set_grad_enabled:
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):  # noqa: N801
    """Disable grad and mark new tensors as inference tensors; ``mode=False`` re-enables grad."""

    def __new__(cls, mode_or_orig_func: bool | Callable = True):
        if isinstance(mode_or_orig_func, bool) or mode_or_orig_func is None:
            return super().__new__(cls)
        return cls()(mode_or_orig_func)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self.prev = (_state.grad_enabled, _state.inference)
        _state.grad_enabled, _state.inference = not self.mode, bool(self.mode)

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled, _state.inference = self.prev

    def clone(self) -> inference_mode:
        return self.__class__(self.mode)
