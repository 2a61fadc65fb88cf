"""Assembling the ModelProto: graph inputs (with named dynamic dims), initializers, outputs
(their shapes from ONNX shape inference when some dims are dynamic), opset import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._graph import Graph

__all__ = ["rename_outputs", "prune", "build_model", "for_saving"]

Dims = list[int | str | None]


def _rename(g: Graph, old: str, new: str) -> None:
    for node in g.nodes:
        for field in (node.input, node.output):
            for i, name in enumerate(field):
                if name == old:
                    field[i] = new


def rename_outputs(g: Graph, outputs: Sequence[Tensor], wanted: Sequence[str]) -> list[str]:
    """The graph's output names: ``wanted[i]`` when given, else the producing value's name;
    an output that is an input, an initializer, a constant or a repeat gets an Identity."""
    names: list[str] = []
    for i, t in enumerate(outputs):
        current = g.value(t)
        target = wanted[i] if i < len(wanted) else None
        produced = g.kinds.get(current) == "node" and current not in names
        if target is None and produced:
            names.append(current)
            continue
        target = target if target is not None else g.fresh(f"output_{i}")
        if produced and g.kinds.get(current) == "node":
            _rename(g, current, target)
            g.kinds[target] = "node"
        else:
            g.nodes.append(g.onnx.helper.make_node("Identity", [current], [target]))
        names.append(target)
    return names


def prune(g: Graph, outputs: Sequence[str]) -> None:
    """Drop the nodes no output depends on (such as a running statistic's in-place update),
    and the parameters only they used."""
    needed, kept = set(outputs), []
    for node in reversed(g.nodes):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    g.nodes[:] = kept[::-1]
    for name in [n for n in g.params if n not in needed]:
        del g.params[name]


def _dims(shape: Sequence[int], dynamic: Mapping[int, str]) -> Dims:
    return [dynamic.get(i, int(size)) for i, size in enumerate(shape)]


def _value_info(onnx: Any, name: str, dtype: np.dtype, dims: Dims | None) -> Any:
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def _inferred_dims(onnx: Any, model: Any, name: str) -> Dims | None:
    inferred = onnx.shape_inference.infer_shapes(model)
    for info in (*inferred.graph.output, *inferred.graph.value_info):
        if info.name == name and info.type.tensor_type.HasField("shape"):
            dims = info.type.tensor_type.shape.dim
            return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims]
    return None


def build_model(
    g: Graph,
    inputs: Sequence[tuple[str, Tensor]],
    outputs: Sequence[tuple[str, Tensor]],
    *,
    dynamic: Mapping[str, Mapping[int, str]],
) -> Any:
    """The ModelProto of graph ``g``, its parameters as initializers."""
    onnx = g.onnx
    graph_inputs = [
        _value_info(onnx, n, t._data.dtype, _dims(t.shape, dynamic.get(n, {}))) for n, t in inputs
    ]
    params = [onnx.numpy_helper.from_array(a, n) for n, a in g.params.items()]
    static = not dynamic
    graph_outputs = [
        _value_info(onnx, n, t._data.dtype, _dims(t.shape, {}) if static else None)
        for n, t in outputs
    ]
    graph = onnx.helper.make_graph(g.nodes, "main_graph", graph_inputs, graph_outputs, params)
    model = _model(onnx, graph, g.opset)
    if static:
        return model
    for info, (name, t) in zip(model.graph.output, outputs, strict=True):
        dims = _inferred_dims(onnx, model, name) or [None] * t.ndim
        for axis, label in dynamic.get(name, {}).items():
            dims[axis] = label
        info.CopyFrom(_value_info(onnx, name, t._data.dtype, dims))
    return model


def for_saving(model: Any, include_initializers: bool, as_inputs: bool) -> Any:
    """A copy of ``model`` with its initializers listed as graph inputs too (``as_inputs``)
    and/or left out (not ``include_initializers``)."""
    import onnx

    saved = onnx.ModelProto()
    saved.CopyFrom(model)
    if as_inputs:
        for init in saved.graph.initializer:
            elem = init.data_type
            saved.graph.input.append(onnx.helper.make_tensor_value_info(init.name, elem, init.dims))
    if not include_initializers:
        del saved.graph.initializer[:]
    return saved


def _model(onnx: Any, graph: Any, opset: int) -> Any:
    opsets = [onnx.helper.make_opsetid("", opset)]
    model = onnx.helper.make_model(graph, opset_imports=opsets, producer_name="reference")
    model.ir_version = onnx.helper.find_min_ir_version_for(opsets)
    return model
