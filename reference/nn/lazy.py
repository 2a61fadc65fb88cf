"""``LazyModuleMixin``: modules whose parameters get their shapes at the first forward,
then turn into their ``cls_to_become`` (``LazyLinear`` becomes ``Linear``)."""

from __future__ import annotations

import itertools
from typing import Any

from .._grad_mode import no_grad
from .parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mix in before a module class; define ``initialize_parameters(*inputs)``."""

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(
            self._infer_parameters, with_kwargs=True
        )

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        tables = (self._parameters.items(), self._buffers.items())
        for name, value in itertools.chain(*tables):
            if value is None or name in self._non_persistent_buffers_set:
                continue
            keep = keep_vars or is_lazy(value)
            destination[prefix + name] = value if keep else value.detach()

    def _lazy_load_hook(self, state_dict: dict, prefix: str, *_: Any) -> None:
        """Give uninitialized entries the shapes of the checkpoint's tensors."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                value = state_dict[key]
                if not is_lazy(value):
                    with no_grad():
                        param.materialize(value.shape)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize the parameters from the first inputs."""
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer is still uninitialized."""
        values = itertools.chain(self._parameters.values(), self._buffers.values())
        return any(is_lazy(v) for v in values)

    def _infer_parameters(self, module: Any, args: tuple, kwargs: dict | None = None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become
