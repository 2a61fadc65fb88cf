"""The graph being built: ONNX nodes, and which ONNX value each traced tensor is.

Every tensor a lowering meets is a graph input, a parameter or buffer of the model (an
initializer, or a graph input without ``export_params``), the output of an earlier node, or
else a constant (a ``Constant`` node holding the value it had while tracing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor

__all__ = ["Graph", "tensors_in"]

INPUT, PARAM, CONST, NODE = "input", "param", "const", "node"


def tensors_in(value: Any) -> Iterable[Tensor]:
    """The tensors in an argument or result (nested in tuples, lists and dicts)."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item)


def host(t: Tensor) -> np.ndarray:
    """A tensor's values as a numpy array (a copy)."""
    return np.array(t.detach().cpu()._data)


class Graph:
    """Nodes in order, the value name of each traced tensor, and the parameters used."""

    def __init__(self, onnx: Any, opset: int, reserved: Iterable[str] = ()) -> None:
        self.onnx, self.opset = onnx, opset
        #: lowering for torch's TorchScript-based exporter (which lacks some ops)
        self.legacy = False
        self.nodes: list = []
        self.names: dict[int, str] = {}
        self.kinds: dict[str, str] = {}
        self.params: dict[str, np.ndarray] = {}
        self._pending: dict[int, tuple[str, Tensor]] = {}
        self._keep: list[Any] = []
        self._taken: set[str] = set(reserved)

    # ----- names ----------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A new value name: ``hint``, else ``hint_1``, ``hint_2``, ..."""
        name, k = hint, 0
        while name in self._taken:
            k += 1
            name = f"{hint}_{k}"
        self._taken.add(name)
        return name

    def bind(self, t: Tensor, name: str, kind: str = NODE) -> None:
        """Say that tensor ``t`` is the ONNX value ``name`` from now on."""
        self.names[id(t)] = name
        self.kinds.setdefault(name, kind)
        self._keep.append(t)

    def add_input(self, t: Tensor, name: str) -> None:
        self._taken.add(name)
        self.bind(t, name, INPUT)

    def add_param(self, t: Tensor, name: str) -> None:
        """A parameter or buffer: it becomes an initializer (or input) once used."""
        self._taken.add(name)
        self._pending.setdefault(id(t), (name, t))

    def kind_of(self, t: Tensor) -> str:
        """INPUT, PARAM, NODE, or CONST for a tensor not seen before."""
        if id(t) in self.names:
            return self.kinds[self.names[id(t)]]
        return PARAM if id(t) in self._pending else CONST

    # ----- values ---------------------------------------------------------------------
    def value(self, t: Tensor) -> str:
        """The ONNX value of tensor ``t`` (a constant when nothing else)."""
        key = id(t)
        if key in self.names:
            return self.names[key]
        if key in self._pending:
            name, param = self._pending[key]
            self.params[name] = host(param)
            self.bind(param, name, PARAM)
            return name
        name = self.const(host(t))
        self.bind(t, name, CONST)
        return name

    def const(self, array: np.ndarray, hint: str = "val") -> str:
        """A ``Constant`` node holding ``array``."""
        name = self.fresh(hint)
        tensor = self.onnx.numpy_helper.from_array(np.asarray(array), name)
        self.nodes.append(self.onnx.helper.make_node("Constant", [], [name], value=tensor))
        self.kinds[name] = CONST
        return name

    def ints(self, values: Iterable[int]) -> str:
        """An int64 1-d constant (shapes, axes)."""
        return self.const(np.array(list(values), dtype=np.int64))

    def scalar(self, value: Any, dtype: np.dtype) -> str:
        """A 0-d constant of ``dtype``."""
        return self.const(np.array(value, dtype=dtype))

    def node(self, op: str, inputs: list[str], hint: str, outputs: int = 1, **attrs: Any) -> Any:
        """Append a node; its output name (a list of names when ``outputs`` > 1)."""
        names = [self.fresh(hint) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op, inputs, names, **attrs))
        for name in names:
            self.kinds[name] = NODE
        return names[0] if outputs == 1 else names

    def elem_type(self, dtype: np.dtype) -> int:
        """The ONNX element type of a numpy dtype."""
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def cast(self, name: str, source: np.dtype, target: np.dtype) -> str:
        """``name`` cast to ``target`` (itself when already of that dtype)."""
        if np.dtype(source) == np.dtype(target):
            return name
        return self.node("Cast", [name], "cast", to=self.elem_type(target))
