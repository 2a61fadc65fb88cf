"""The base of every broken adapter: the reference with some names replaced."""

from __future__ import annotations

import functools
import inspect
from functools import cached_property
from pathlib import Path
from typing import Any

from adapters.base import EXPECTATIONS_DIR
from adapters.reference_adapter import ReferenceAdapter


class Patched(ReferenceAdapter):
    """The reference with some names replaced by buggy versions."""

    name = "broken"
    import_line = ""  # reproducers must see the patched names, not plain reference
    patches: dict[str, str] = {}

    def resolve(self, name: str) -> Any:
        if name in self.patches:
            return getattr(self, self.patches[name])
        return super().resolve(name)

    @property
    def ref(self) -> Any:
        return self.root()

    def expectations_file(self) -> Path | None:
        """The reference's: a case the reference is known to fail catches no planted bug."""
        return EXPECTATIONS_DIR / f"{ReferenceAdapter.name}.yaml"


def standing_in_for(base: type) -> type:
    """A metaclass whose classes pass isinstance and issubclass checks for ``base``, so that
    the library's other classes stay instances and subclasses of the patched name."""

    class StandIn(type(base)):
        def __instancecheck__(cls, obj: Any) -> bool:
            return isinstance(obj, base)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, base)

    return StandIn


#: operators whose results keep the patched tensor type (methods keep it by attribute lookup)
_OPERATORS = [
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__pow__",
    "__rpow__",
    "__matmul__",
    "__neg__",
    "__getitem__",
]


class MethodsPatched(Patched):
    """The reference whose tensors have some methods replaced.

    ``methods`` maps a Tensor attribute to the name of this adapter's replacement, called
    with the tensor first (a property when the adapter's attribute is one). Every tensor the
    adapter converts, a library function returns, or a method or operator of such a tensor
    returns, is of a subclass carrying them.
    """

    methods: dict[str, str] = {}

    @cached_property
    def _tensor_type(self) -> type:
        adapter, base = self, self.ref.Tensor

        def __getattribute__(tensor: Any, name: str) -> Any:  # noqa: N807
            value = base.__getattribute__(tensor, name)
            if name.startswith("_") or not callable(value) or isinstance(value, type):
                return value
            return _adopting(adapter, value)

        namespace: dict[str, Any] = {"__slots__": (), "__getattribute__": __getattribute__}
        for op in _OPERATORS:
            namespace[op] = _adopting(adapter, getattr(base, op))
        for attr, name in self.methods.items():
            replacement = inspect.getattr_static(type(self), name)
            if not isinstance(replacement, property):
                replacement = _bound(self, name)
            namespace[attr] = replacement
        return type("Tensor", (base,), namespace)

    def adopt(self, value: Any) -> Any:
        """``value``, made of the patched tensor type when it is a plain reference tensor."""
        if type(value) is self.ref.Tensor:
            value.__class__ = self._tensor_type
        return value

    def from_numpy(self, array: Any) -> Any:
        return self.adopt(super().from_numpy(array))

    def resolve(self, name: str) -> Any:
        obj = super().resolve(name)
        if not inspect.isfunction(obj) or name.startswith("torch.Tensor."):
            return obj
        return functools.wraps(obj)(_adopting(self, obj))


def _adopting(adapter: MethodsPatched, fn: Any) -> Any:
    """``fn`` whose tensor result is adopted by ``adapter``."""

    def adopting(*args: Any, **kwargs: Any) -> Any:
        return adapter.adopt(fn(*args, **kwargs))

    return adopting


def _bound(adapter: Patched, name: str) -> Any:
    """A method calling ``adapter.<name>(tensor, ...)``."""

    def method(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(adapter, name)(tensor, *args, **kwargs)

    method.__name__ = name
    return method
