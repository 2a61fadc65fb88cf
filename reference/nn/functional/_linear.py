"""``torch.nn.functional``: ``linear`` and ``bilinear``, composed of reference ops (so
they differentiate to any order) along the same paths as ``aten::linear``/``aten::bilinear``,
which decides torch's error messages and ``grad_fn``."""

from __future__ import annotations

import math

from ..._dtypes import dtype
from ..._matmul import addmm, matmul, mm, require_tensors
from ..._reductions import CPP_TYPE_NAMES
from ..._tensor import Tensor
from ..._views import reshape, t

__all__ = ["linear", "bilinear"]


def _flat_linear(input: Tensor, weight: Tensor, bias: Tensor) -> Tensor:  # noqa: A002
    """Fold the leading dims of a contiguous input into one ``addmm``, then view back."""
    lead = tuple(input.shape[:-1])
    folded = reshape(input, (math.prod(lead), input.shape[-1]))
    result = addmm(bias, folded, t(weight))
    return result.view(*lead, result.shape[1])


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``."""
    given = [("input", input), ("weight", weight)] + ([("bias", bias)] if bias is not None else [])
    require_tensors("linear", given)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    if bias is not None:
        if input.ndim == 2:
            return addmm(bias, input, t(weight))
        if input.is_contiguous() and (input.ndim == 3 or bias.ndim == 1):
            return _flat_linear(input, weight, bias)
    output = matmul(input, t(weight))
    if bias is not None:
        output.add_(bias)
    return output


def _dtype_text(dt: dtype) -> str:
    """How torch's ``TypeMeta`` prints a dtype (``float``, ``double``, ``long int``)."""
    return CPP_TYPE_NAMES[dt._name]


def _check_bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    named = [("input1", x1), ("input2", x2), ("weight", weight)]
    if bias is not None:
        named.append(("bias", bias))
    if len({id(x._dtype) for _, x in named}) > 1:
        listed = ", ".join(f"{n}: {_dtype_text(x._dtype)}" for n, x in named)
        raise RuntimeError(f"All tensors must have the same dtype, got {listed}")
    if x1.ndim != x2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {x1.ndim} and {x2.ndim}"
        )
    for i in range(x1.ndim - 1):
        if x1.shape[i] != x2.shape[i]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {i}: got "
                f"{x1.shape[i]} and {x2.shape[i]}"
            )
    for name, x, d in (("input1", x1, 1), ("input2", x2, 2)):
        if x.size(-1) != weight.size(d):
            raise RuntimeError(
                f"bilinear(): {name} size does not match weight size: got {x.size(-1)} but "
                f"expected {weight.size(d)}"
            )
    if bias is not None and bias.size(0) != weight.size(0):
        raise RuntimeError(
            "bilinear(): bias size does not match weight size: got "
            f"{bias.size(0)} but expected {weight.size(0)}"
        )


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``."""
    given = [("input1", input1), ("input2", input2), ("weight", weight)]
    require_tensors("bilinear", given + ([("bias", bias)] if bias is not None else []))
    _check_bilinear(input1, input2, weight, bias)
    out_features, in1, in2 = weight.shape
    x1 = reshape(input1, (-1, in1))
    x2 = reshape(input2, (-1, in2))
    # x1 @ W viewed as (in1, out * in2), then contracted with x2 over in2
    w = reshape(weight.permute(1, 0, 2), (in1, out_features * in2))
    partial = reshape(mm(x1, w), (x1.shape[0], out_features, in2))
    flat = (partial * x2.unsqueeze(1)).sum(-1)
    output = reshape(flat, (*input1.shape[:-1], out_features))
    return output if bias is None else output + bias
