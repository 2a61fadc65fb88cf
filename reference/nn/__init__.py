"""``torch.nn``: the module system (``Module``, ``Parameter``, containers) and the linear
layers, with ``functional`` and ``init``."""

from __future__ import annotations

from . import functional, init, parameter
from .containers import ModuleDict, ModuleList, Sequential
from .linear import Bilinear, Identity, LazyLinear, Linear
from .module import Module
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .parameter_containers import ParameterDict, ParameterList

__all__ = [
    "Bilinear",
    "Buffer",
    "Identity",
    "LazyLinear",
    "Linear",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "ParameterDict",
    "ParameterList",
    "Sequential",
    "UninitializedBuffer",
    "UninitializedParameter",
    "functional",
    "init",
    "parameter",
]
