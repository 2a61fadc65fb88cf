"""The autograd graph: backward nodes (torch's ``grad_fn``), the tensors they save (with
version checks), and one AccumulateGrad node per leaf.

An op that differentiates passes a :class:`Formula` to ``apply_op``; :func:`record` then
builds a :class:`Node` whose ``next_functions`` point at the inputs' nodes.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from .._grad_mode import _state as _grad_state

__all__ = ["Formula", "Node", "AccumulateGrad", "record", "edge_of", "register_hook"]

_sequence = itertools.count()

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)
_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its "
    "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
_INFERENCE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
    "of `torch.inference_mode()`."
)


class Formula:
    """How an op differentiates: ``fn(node, *grads) -> grads per input`` and what it saves.

    ``inputs``: ``"all"``, ``"none"``, ``"cross"`` (input i is saved when another input
    requires grad, as for ``mul``) or a tuple of input indices. ``outputs``: save the outputs.
    """

    __slots__ = ("fn", "inputs", "outputs")

    def __init__(
        self, fn: Callable[..., Sequence[Any]], *, inputs: Any = "none", outputs: bool = False
    ) -> None:
        self.fn, self.inputs, self.outputs = fn, inputs, outputs

    def saved_input_indices(self, requires: Sequence[bool]) -> tuple[int, ...]:
        """Indices of the inputs to save, given which inputs require grad."""
        n = len(requires)
        if self.inputs == "all":
            return tuple(range(n))
        if self.inputs == "none":
            return ()
        if self.inputs == "cross":
            return tuple(i for i in range(n) if any(r for j, r in enumerate(requires) if j != i))
        return tuple(self.inputs)


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "version", "producer")

    def __init__(self, tensor: Any, producer: Node | None = None) -> None:
        if tensor._inference:
            raise RuntimeError(_INFERENCE)
        self.tensor, self.version = tensor, tensor._version_box[0]
        self.producer = producer  # set for a node's own outputs

    def unpack(self) -> Any:
        t = self.tensor
        if t._version_box[0] != self.version:
            raise RuntimeError(_modified_message(t, self.version, self.producer))
        return t


def _modified_message(t: Any, expected: int, producer: Node | None) -> str:
    """torch's message; it names the node that made the tensor (for a saved input: the
    tensor's current grad_fn)."""
    where = f"[{t.type()} {list(t.shape)}]"
    node = producer or t._grad_fn
    if node is not None:
        op = node.name().split("Backward")[0]
        where += f", which is output {t._output_nr} of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {where} is at version {t._version_box[0]}; expected version "
        f"{expected} instead. {_HINT}"
    )


class Node:
    """A backward function: torch's ``grad_fn`` (``SinBackward0``, ``MulBackward0``, ...)."""

    __slots__ = (
        "_name",
        "_formula",
        "_seq",
        "next_functions",
        "_meta",
        "_saved_inputs",
        "_saved_outputs",
        "_released",
        "_retained",
        "_hooks",
        "n_outputs",
        "_out_meta",
    )

    def __init__(
        self,
        name: str,
        formula: Formula | None,
        inputs: Sequence[Any],
        saved: Sequence[int] = (),
    ) -> None:
        self._name = name
        self._formula = formula
        self._seq = next(_sequence)
        edges, meta = [], []
        for t in inputs:  # edge_of and meta_of, inlined: every recorded op runs this
            node = t._grad_fn
            if node is not None:
                edges.append((node, t._output_nr))
            else:
                edges.append(edge_of(t) if t._requires_grad else _NO_EDGE)
            data = t._data
            meta.append((data.shape if data is not None else tuple(t.shape), t._dtype, t._device))
        self.next_functions = tuple(edges)
        self._meta = tuple(meta)
        self._saved_inputs = {i: SavedTensor(inputs[i]) for i in saved} if saved else {}
        self._saved_outputs: list[SavedTensor] | tuple = ()
        self._released = False
        self._retained: dict[int, weakref.ref] | None = None  # made by the first retain_grad
        self._hooks: dict[int, list[Callable]] | None = None  # made by the first hook
        self.n_outputs = 0
        self._out_meta: tuple = ()

    def name(self) -> str:
        """The node's class name in torch (``"SinBackward0"``)."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name} object at {hex(id(self))}>"

    def needs(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (torch's ``needs_input_grad``)."""
        return self.next_functions[i][0] is not None

    # ----- saved tensors ------------------------------------------------------------------
    def saved_input(self, i: int) -> Any:
        """The i-th input as saved at forward time (checked against later in-place writes)."""
        if self._released:
            raise RuntimeError(FREED)
        return self._saved_inputs[i].unpack()

    def saved_output(self, i: int = 0) -> Any:
        """The i-th output as saved at forward time."""
        if self._released:
            raise RuntimeError(FREED)
        return self._saved_outputs[i].unpack()

    def _release(self) -> None:
        if self._saved_inputs or self._saved_outputs:
            self._released = True
            self._saved_inputs, self._saved_outputs = {}, ()

    # ----- hooks ----------------------------------------------------------------------
    def _retain(self, tensor: Any) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def apply(self, grads: Sequence[Any]) -> Sequence[Any]:
        """Gradients for the inputs from the gradients of the outputs."""
        if self._formula is None:
            raise NotImplementedError(f"the derivative for '{self._name}' is not implemented.")
        return self._formula.fn(self, *grads)


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient to ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, leaf: Any) -> None:
        super().__init__("torch::autograd::AccumulateGrad", None, ())
        self.variable = leaf
        self.n_outputs = 1


_NO_EDGE: tuple[None, int] = (None, 0)


def meta_of(t: Any) -> tuple:
    """``(shape, dtype, device)`` of a tensor, as its gradient must have them."""
    data = t._data
    shape = data.shape if data is not None else tuple(t.shape)  # a sparse tensor has none
    return shape, t._dtype, t._device


def edge_of(t: Any) -> tuple[Node | None, int]:
    """The (node, output number) a gradient for ``t`` flows into."""
    if t._grad_fn is not None:
        return t._grad_fn, t._output_nr
    if t._requires_grad:
        if t._accumulator is None:
            t._accumulator = AccumulateGrad(t)
        return t._accumulator, 0
    return _NO_EDGE


def backward_name(op: str) -> str:
    """torch's node class name: ``"linalg_vector_norm"`` -> ``LinalgVectorNormBackward0``
    (a name spelled with ``::`` is a class name already)."""
    name = _NAMES.get(op)
    if name is None:
        name = op if "::" in op else (
            "".join(part.capitalize() for part in op.strip("_").split("_")) + "Backward0"
        )
        _NAMES[op] = name
    return name


_NAMES: dict[str, str] = {}


def record(
    name: str, formula: Formula | None, inputs: Sequence[Any], outputs: Sequence[Any]
) -> Node | None:
    """Attach a backward node to the outputs that require grad (under grad mode)."""
    if not _grad_state.grad_enabled or _grad_state.inference:  # not is_recording()
        return None
    for o in outputs:
        if o._requires_grad:
            break
    else:
        return None
    saved = ()
    if formula is not None and formula.inputs != "none":
        saved = formula.saved_input_indices([t._requires_grad for t in inputs])
    node = Node(backward_name(name), formula, inputs, saved)
    node.n_outputs = len(outputs)
    node._out_meta = tuple([meta_of(o) for o in outputs])
    if formula is not None and formula.outputs:
        node._saved_outputs = [SavedTensor(o, node) for o in outputs]
    for i, out in enumerate(outputs):
        if out._requires_grad:
            out._grad_fn, out._output_nr, out._is_leaf = node, i, False
    return node


def register_hook(t: Any, hook: Callable) -> Any:
    """Run ``hook(grad)`` when ``t``'s gradient is computed; returns a handle with ``remove()``."""
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node, nr = edge_of(t)
    if node._hooks is None:
        node._hooks = {}
    hooks = node._hooks.setdefault(nr, [])
    hooks.append(hook)
    return _Handle(hooks, hook)


class _Handle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
