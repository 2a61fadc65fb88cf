"""``torch.autograd.backward`` and ``torch.autograd.grad``: argument handling and torch's
errors in front of the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._factory import filled, filled_like
from .._tensor import Tensor
from ._engine import accumulate_grad, run_backward

__all__ = ["backward", "grad"]

TensorOrTensors = Tensor | Sequence[Tensor]


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    return (value,) if isinstance(value, Tensor) else tuple(value)


def _make_grads(outputs: tuple, grads: tuple) -> list:
    """The output gradients: given ones checked against the outputs, ones for scalars."""
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads, strict=True)):
        if g is None:
            if not out._requires_grad:
                result.append(None)
                continue
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{out._dtype}"
                )
            # a 0-dim output has no strides to follow: a plain fill
            one = filled((), 1, out._dtype, out._device) if not out.ndim else filled_like(out, 1)
            result.append(one)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                f"output[{i}] has a shape of {out.shape}."
            )
        result.append(g)
    return result


def _grads_arg(outputs: tuple, given: Any) -> tuple:
    grads = _as_tuple(given) if given is not None else (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return grads


def backward(
    tensors: TensorOrTensors,
    grad_tensors: TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: TensorOrTensors | None = None,
    inputs: TensorOrTensors | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (or only into
    ``inputs``)."""
    outputs = _as_tuple(tensors)
    if inputs is not None and not _as_tuple(inputs):
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    given = grad_tensors if grad_tensors is not None else grad_variables
    grads = _make_grads(outputs, _grads_arg(outputs, given))
    retain = create_graph if retain_graph is None else retain_graph
    targets = None if inputs is None else _as_tuple(inputs)
    for t in targets or ():
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    result = run_backward(
        outputs,
        grads,
        retain_graph=retain,
        create_graph=create_graph,
        inputs=targets,
        accumulate=True,
    )
    for t, g in zip(targets or (), result or (), strict=True):
        if not t._is_leaf and g is not None:  # leaves accumulated in the engine
            accumulate_grad(t, g, create_graph)


def grad(
    outputs: TensorOrTensors,
    inputs: TensorOrTensors | dict[str, Tensor],
    grad_outputs: TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...] | dict[str, Tensor | None]:
    """The gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is not touched)."""
    if is_grads_batched:
        raise NotImplementedError("reference: is_grads_batched is not supported")
    if isinstance(inputs, dict):
        keys = list(inputs)
        got = grad(
            outputs,
            [inputs[k] for k in keys],
            grad_outputs,
            retain_graph,
            create_graph,
            only_inputs,
            allow_unused,
            is_grads_batched,
            materialize_grads,
        )
        return dict(zip(keys, got, strict=True))
    outs, ins = _as_tuple(outputs), _as_tuple(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    grads = _make_grads(outs, _grads_arg(outs, grad_outputs))
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    keep = [(o, g) for o, g in zip(outs, grads, strict=True) if o._requires_grad or g is None]
    result = run_backward(
        [o for o, _ in keep] or outs,
        [g for _, g in keep] or grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=ins,
        accumulate=False,
    )
    assert result is not None
    return tuple(_finish(result, ins, allow_unused, materialize_grads))


def _finish(result: list, inputs: tuple, allow_unused: bool, materialize: bool) -> list:
    out = []
    for i, (g, t) in enumerate(zip(result, inputs, strict=True)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        if g is None and materialize:
            g = filled_like(t, 0)
        out.append(g)
    return out
