"""How torch names things in ``torch.nn`` messages and reprs: ``torch.typename``, class
reprs under torch's module paths, and the indentation of nested module reprs."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor

__all__ = ["typename", "class_repr", "addindent"]

#: where torch defines the classes the reference defines in ``reference.nn``
_TORCH_HOMES = {
    "reference.nn.module": "torch.nn.modules.module",
    "reference.nn.linear": "torch.nn.modules.linear",
    "reference.nn.containers": "torch.nn.modules.container",
    "reference.nn.parameter_containers": "torch.nn.modules.container",
    "reference.nn.lazy": "torch.nn.modules.lazy",
    "reference.nn.parameter": "torch.nn.parameter",
}


def typename(obj: Any) -> str:
    """``torch.typename``: ``'torch.FloatTensor'`` for tensors, else the dotted class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = _TORCH_HOMES.get(cls.__module__ or "", cls.__module__ or "")
    return cls.__qualname__ if module in ("", "builtins") else f"{module}.{cls.__qualname__}"


def class_repr(cls: type) -> str:
    """``repr(cls)`` as torch prints it for its own classes (``<class 'torch.nn....'>``)."""
    return f"<class '{typename(cls)}'>"


def addindent(text: str, spaces: int, blank_lines: bool = False) -> str:
    """Indent every line but the first (blank lines stay empty unless ``blank_lines``)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    pad = " " * spaces
    return "\n".join([first] + [pad + s if s.strip() or blank_lines else "" for s in rest])
