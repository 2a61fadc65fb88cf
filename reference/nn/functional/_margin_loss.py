"""``torch.nn.functional``: the margin and embedding losses: margin_ranking, hinge_embedding,
soft_margin, multilabel(_soft)_margin, multi_margin, cosine_embedding, triplet_margin, with
``pairwise_distance``.

They are composed of reference ops plus a few primitives with their own derivative formulas
(clamping, selection, the logistic functions), so they differentiate to any order. Where torch
runs a dedicated kernel (multi_margin, multilabel_margin) its subgradient at the hinge is 0;
where torch composes ``clamp_min`` the gradient passes at the hinge, and so it does here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._factory import new_leaf
from ..._joining import gather
from ..._linalg import vector_norm
from ..._ops import apply_op
from ..._pointwise import broadcast_tensors, broadcast_to, minimum
from ..._tensor import Tensor
from ...autograd._graph import Formula
from .._reduction import legacy_get_string
from .._reduction import reduce as reduce_loss
from ._activation import logsigmoid, sigmoid

__all__ = [
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "multilabel_margin_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "cosine_embedding_loss",
    "multi_margin_loss",
    "triplet_margin_loss",
    "pairwise_distance",
]

#: What torch adds to each squared magnitude in cosine_embedding_loss.
COSINE_EPS = 1e-12


# ----- primitives -----------------------------------------------------------------------
def _values(t: Tensor) -> np.ndarray:
    """A tensor's values as a numpy array (constants: no gradient flows through them)."""
    return np.asarray(t._data)


def _const(like: Tensor, array: np.ndarray) -> Tensor:
    """A constant tensor on ``like``'s device."""
    return new_leaf(np.array(array), None, like.device)


def clamp_min(x: Tensor, low: float, strict: bool = False) -> Tensor:
    """``max(x, low)``; the gradient passes where ``x >= low`` (``x > low`` when ``strict``,
    as torch's hinge kernels do)."""

    def grad(node: Any, g: Tensor) -> tuple:
        a = _values(node.saved_input(0))
        keep = a > low if strict else a >= low
        return (g * _const(g, keep.astype(a.dtype)),)

    formula = Formula(grad, inputs="all")
    return apply_op(
        "clamp_min", lambda a: np.maximum(a, np.asarray(low, a.dtype)), x, backward=formula
    )


def select(cond: np.ndarray, a: Tensor, b: Tensor) -> Tensor:
    """``where(cond, a, b)`` with ``a`` and ``b`` of the result's shape; each gets the
    gradient where it was chosen."""
    shape = np.broadcast_shapes(cond.shape, tuple(a.shape), tuple(b.shape))
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    cond = np.broadcast_to(cond, shape)

    def grad(node: Any, g: Tensor) -> tuple:
        keep = _const(g, cond.astype(_values(g).dtype))
        return (g * keep, g * (1 - keep))

    return apply_op("where", lambda x, y: np.where(cond, x, y), a, b, backward=Formula(grad))


def log1p_exp(x: Tensor) -> Tensor:
    """``log1p(exp(x))`` computed as written (it overflows to inf as torch's
    soft_margin_loss does); derivative ``sigmoid(x)``."""

    def fn(a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.log1p(np.exp(a)).astype(a.dtype)

    formula = Formula(lambda n, g: (g * sigmoid(n.saved_input(0)),), inputs="all")
    return apply_op("log1p_exp", fn, x, backward=formula)


# ----- reduction --------------------------------------------------------------------------
def _reduction(size_average: bool | None, reduce_: bool | None, reduction: str) -> str:
    if size_average is not None or reduce_ is not None:
        return legacy_get_string(size_average, reduce_)
    return reduction


def _reduce_or_zero(loss: Tensor, reduction: str) -> Tensor:
    """Like ``reduce``, but the mean of nothing is 0 (torch's hinge kernels)."""
    if reduction == "mean" and loss.numel() == 0:
        return loss.sum()
    return reduce_loss(loss, reduction)


def _sizes(t: Tensor) -> str:
    return "[" + ", ".join(str(n) for n in t.shape) + "]"


# ----- the losses -------------------------------------------------------------------------
def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    return reduce_loss(clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1 (both
    summed for any other target value), reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    broadcast_tensors(target, input)  # torch's error for shapes that do not broadcast
    t = _values(target)
    zeros = _const(input, np.zeros((), _values(input).dtype))
    hinge = select(t != 1, clamp_min(margin - input, 0), zeros)
    out = hinge + select(t != -1, input, zeros)
    return reduce_loss(out, reduction)


def soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``log(1 + exp(-target * input))``, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    return reduce_loss(log1p_exp(-(input * target)), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over classes of the (weighted) binary logistic losses."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.size(input.ndim - 1)
    loss = loss.sum(input.ndim - 1) / classes
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def _check_cosine(input1: Tensor, input2: Tensor, target: Tensor) -> None:
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {want}D input tensors, but found inputs "
            f"with sizes {_sizes(input1)} and {_sizes(input2)}."
        )


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos`` where ``target`` is 1, ``max(0, cos - margin)`` where it is -1, 0
    elsewhere; ``cos`` adds 1e-12 to each squared magnitude."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_cosine(input1, input2, target)
    dim = target.ndim
    dot = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + COSINE_EPS
    mag2 = (input2 * input2).sum(dim) + COSINE_EPS
    cos = dot / (mag1 * mag2).sqrt()
    t = _values(target)
    zeros = _const(cos, np.zeros((), _values(cos).dtype))
    out = select(t == 1, 1 - cos, zeros) + select(t == -1, clamp_min(cos - margin, 0), zeros)
    return reduce_loss(out, reduction)


def _hinge_input_check(input: Tensor) -> tuple[int, int]:  # noqa: A002
    """``(frames, classes)`` of a multi(label)_margin input, or torch's error."""
    n = input.ndim
    if not ((n == 2 and input.shape[1] != 0) or (n == 1 and input.shape[0] != 0) or n == 0):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{_sizes(input)}"
        )
    frames = 1 if n <= 1 else input.shape[0]
    classes = 1 if n == 0 else input.shape[n - 1]
    return frames, classes


def _require_long(target: Tensor) -> None:
    if _scalar_name(target) != "Long":
        raise RuntimeError(f"expected scalar type Long but found {_scalar_name(target)}")


def _scalar_name(t: Tensor) -> str:
    return _SCALAR_NAMES.get(repr(t.dtype).removeprefix("torch."), repr(t.dtype))


_SCALAR_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def multi_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample: ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i]) ** p / C``."""
    reduction = _reduction(size_average, reduce, reduction)
    code = {"none": 0, "mean": 1, "sum": 2}.get(reduction)
    if code is None:
        reduce_loss(input, reduction)  # torch's ValueError
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    frames, classes = _hinge_input_check(input)
    _check_multi_margin(input, target, weight, frames, classes)
    x = input.reshape(frames, classes)
    y = _values(target).reshape(frames).astype(np.int64)
    if ((y < 0) | (y >= classes)).any():
        raise RuntimeError("target out of range")
    picked = gather(x, 1, _const(x, y.reshape(frames, 1)))
    z = clamp_min(margin - picked + x, 0, strict=True)
    z = z if p == 1 else z * z
    others = _const(x, (np.arange(classes)[None, :] != y[:, None]).astype(_values(x).dtype))
    per_class = z * others
    if weight is not None:
        per_class = per_class * gather(weight, 0, _const(weight, y)).reshape(frames, 1)
    loss = per_class.sum(1) / classes
    if reduction == "none":
        return loss if target.ndim > 0 else loss.reshape(())
    return _reduce_or_zero(loss, reduction)


def _check_multi_margin(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None,
    frames: int,
    classes: int,
) -> None:
    if target.ndim > 1 or target.numel() != frames:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{frames}], but got "
            f"{_sizes(target)}. Input has shape {_sizes(input)}."
        )
    if weight is not None and (weight.ndim > 1 or weight.numel() != classes):
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {_sizes(weight)}")
    _require_long(target)
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_scalar_name(input)} but found {_scalar_name(weight)}"
        )


def multilabel_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample: ``sum_j sum_{i not a target} max(0, 1 - (x[y_j] - x[i])) / C`` over the
    targets ``y_j`` before the first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        reduce_loss(input, reduction)  # torch's ValueError
    frames, classes = _hinge_input_check(input)
    if input.ndim <= 1:
        ok = target.ndim <= 1 and target.numel() == classes
    else:
        ok = target.ndim == 2 and tuple(target.shape) == (frames, classes)
    if not ok:
        raise RuntimeError(
            f"inconsistent target size: {_sizes(target)} for input of size: {_sizes(input)}"
        )
    _require_long(target)
    y = _values(target).reshape(frames, classes).astype(np.int64)
    if ((y < -1) | (y >= classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    used = np.cumprod(y != -1, axis=1).astype(bool)  # the targets before the first -1
    is_target = np.zeros((frames, classes), bool)
    rows = np.broadcast_to(np.arange(frames)[:, None], y.shape)
    is_target[rows[used], y[used]] = True
    x = input.reshape(frames, classes)
    picked = gather(x, 1, _const(x, np.where(used, y, 0)))
    z = clamp_min(1 - picked.unsqueeze(2) + x.unsqueeze(1), 0, strict=True)
    mask = used[:, :, None] & ~is_target[:, None, :]
    loss = (z * _const(x, mask.astype(_values(x).dtype))).sum((1, 2)) / classes
    if reduction == "none":
        return loss if target.ndim > 1 else loss.reshape(())
    return _reduce_or_zero(loss, reduction)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim of the broadcast inputs."""
    last = max(x1.ndim, x2.ndim) - 1
    return vector_norm(x1 - x2 + eps, p, dim=last, keepdim=keepdim)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))``; with ``swap`` the
    negative distance is the smaller of ``d(anchor, negative)`` and ``d(positive, negative)``."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        reduce_loss(anchor, reduction)  # torch's ValueError
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss(clamp_min(margin + d_pos - d_neg, 0), reduction)
