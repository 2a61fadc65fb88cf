"""Constant folding of parameters: an eval-mode batch norm right after a convolution or a
``Gemm`` (its only consumer) is folded into that node's weight and bias."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ._graph import Graph

__all__ = ["fold_batch_norms"]


def _array(g: Graph, name: str, constants: dict[str, Any]) -> np.ndarray | None:
    if name in g.params:
        return g.params[name]
    node = constants.get(name)
    return None if node is None else g.onnx.numpy_helper.to_array(node.attribute[0].t)


def _attr(node: Any, name: str, default: Any) -> Any:
    """A node attribute's value (the int, float or list it holds), else ``default``."""
    for a in node.attribute:
        if a.name == name:
            return a.f if a.type == a.FLOAT else a.i
    return default


def _foldable(src: Any, bn: Any, uses: Counter) -> bool:
    if src is None or uses[bn.input[0]] != 1 or _attr(bn, "training_mode", 0):
        return False
    if src.op_type == "Gemm":
        plain = _attr(src, "alpha", 1.0) == 1.0 and _attr(src, "beta", 1.0) == 1.0
        return plain and _attr(src, "transB", 0) == 1 and not _attr(src, "transA", 0)
    return src.op_type == "Conv"


def fold_batch_norms(g: Graph) -> None:
    """Fold each foldable BatchNormalization into the Conv or Gemm that feeds it."""
    producers = {out: node for node in g.nodes for out in node.output}
    constants = {n.output[0]: n for n in g.nodes if n.op_type == "Constant"}
    uses = Counter(name for node in g.nodes for name in node.input)
    for bn in [n for n in g.nodes if n.op_type == "BatchNormalization"]:
        src = producers.get(bn.input[0])
        if not _foldable(src, bn, uses):
            continue
        arrays = [_array(g, name, constants) for name in [*src.input[1:3], *bn.input[1:5]]]
        if len(src.input) < 3:
            arrays.insert(1, None)
        weight, bias, gamma, beta, mean, var = arrays
        if any(a is None for a in (weight, gamma, beta, mean, var)):
            continue
        eps = _attr(bn, "epsilon", 1e-5)
        _fuse(g, src, bn, weight, bias, (gamma, beta, mean, var, eps))


def _fuse(g: Graph, src: Any, bn: Any, weight: np.ndarray, bias: Any, stats: tuple) -> None:
    gamma, beta, mean, var, eps = stats
    scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
    base = np.zeros_like(scale) if bias is None else bias.astype(np.float64)
    shape = (-1,) + (1,) * (weight.ndim - 1)
    new_weight = (weight.astype(np.float64) * scale.reshape(shape)).astype(weight.dtype)
    new_bias = ((base - mean) * scale + beta).astype(weight.dtype)
    names = [g.fresh(f"{src.input[1]}_folded"), g.fresh(f"{src.input[1]}_folded_bias")]
    g.params[names[0]], g.params[names[1]] = new_weight, new_bias
    del src.input[1:]
    src.input.extend(names)
    src.output[0] = bn.output[0]
    g.nodes.remove(bn)
