"""``torch.nn.functional``: the regression and classification losses: l1, mse, smooth_l1, huber,
cross_entropy, nll, poisson_nll, kl_div, binary_cross_entropy (with logits).

Most are compositions of reference ops (``logsigmoid`` among them), so they differentiate to
any order. Three primitives of their own carry torch's derivatives where a composition would
not: ``_keep`` (a mask applied as a constant, torch's ``masked_fill``/``where``), ``_xlogy``
(``x * log(y)``, 0 where ``x == 0``) and ``_bce`` (the log clamped at -100, the gradient's
denominator at 1e-12).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._device import to_host
from ..._dtypes import dtype
from ..._factory import new_leaf
from ..._joining import gather
from ..._ops import apply_op
from ..._pointwise import broadcast_tensors, maximum
from ..._tensor import Tensor
from ...autograd._graph import Formula
from .._reduction import get_enum, legacy_get_string
from .._reduction import reduce as _reduce
from ._activation import logsigmoid
from ._softmax import log_softmax

__all__ = [
    "l1_loss",
    "mse_loss",
    "smooth_l1_loss",
    "huber_loss",
    "nll_loss",
    "cross_entropy",
    "poisson_nll_loss",
    "kl_div",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# ----- primitives ---------------------------------------------------------------------------
def _host(t: Tensor) -> np.ndarray:
    """A tensor's values as a numpy array (no graph)."""
    return np.asarray(to_host(t._data))


def _const(like: Tensor, array: np.ndarray, dt: dtype | None = None) -> Tensor:
    """A constant tensor (no grad) on ``like``'s device."""
    return new_leaf(np.array(array), dt, like.device)


def _keep(mask: np.ndarray, x: Tensor) -> Tensor:
    """``x`` where ``mask`` holds, exact zeros elsewhere (no gradient there either)."""
    return apply_op(
        "where",
        lambda a: np.where(mask, a, a.dtype.type(0)),
        x,
        backward=Formula(lambda n, g: (_keep(mask, g),)),
    )


def _select(mask: np.ndarray, a: Tensor, b: Tensor) -> Tensor:
    """``a`` where ``mask`` holds, ``b`` elsewhere (both of ``mask``'s shape)."""
    return _keep(mask, a) + _keep(~mask, b)


def _xlogy_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(a == 0, a.dtype.type(0), a * np.log(b))
    return np.where(np.isnan(b), b, out).astype(np.result_type(a, b))


def _xlogy_grad(n, g: Tensor) -> tuple:
    x, y = n.saved_input(0), n.saved_input(1)
    nonzero = _const(x, (_host(x) != 0).astype(_host(x).dtype))
    return g * _xlogy(nonzero, y), g * x / y


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    """``x * log(y)``, zero where ``x == 0`` (unless ``y`` is NaN), torch's ``xlogy``."""
    return apply_op("xlogy", _xlogy_array, x, y, backward=Formula(_xlogy_grad, inputs="all"))


def _bce_array(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
    return ((t - 1) * log_1mx - t * log_x).astype(x.dtype)


def _bce_grad(n, g: Tensor) -> tuple:
    x, t = n.saved_input(0), n.saved_input(1)
    spread = (1 - x) * x
    floor = _const(spread, np.array(np.float32(1e-12), dtype=_host(spread).dtype))
    grad_x = g * (x - t) / maximum(spread, floor)
    grad_t = -(g * (x / (1 - x)).log())
    return grad_x, grad_t


def _bce(x: Tensor, t: Tensor) -> Tensor:
    """Binary cross entropy of probabilities, each log clamped at -100 (torch's kernel)."""
    return apply_op(
        "binary_cross_entropy", _bce_array, x, t, backward=Formula(_bce_grad, inputs="all")
    )


# ----- shared checks ------------------------------------------------------------------------
def _reduction(size_average: bool | None, reduce_: bool | None, reduction: str) -> str:
    """``reduction``, or what the deprecated ``size_average``/``reduce`` pair stands for."""
    if size_average is not None or reduce_ is not None:
        return legacy_get_string(size_average, reduce_)
    return reduction


def _warn_size(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


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


def _scalar_name(dt: dtype) -> str:
    """torch's ScalarType name (``Float``, ``Double``, ``Long``)."""
    return _SCALAR_NAMES.get(dt._name, dt._name)


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str, mean: str) -> Tensor:  # noqa: A002
    """Elementwise ``weight`` (of the input's size); ``mean`` is ``'weights'`` (divide by
    their sum, as l1/mse) or ``'numel'`` (as huber)."""
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean == "weights" else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _regression(input: Tensor, target: Tensor, reduction: str, weight, mean: str, fn) -> Tensor:  # noqa: A002
    """The pointwise losses of ``input - target``, broadcast, weighted and reduced."""
    x, y = broadcast_tensors(input, target)
    loss = fn(x - y)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean)
    return _reduce(loss, reduction)


# ----- regression losses --------------------------------------------------------------------
def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """``|input - target|``, reduced; ``weight`` scales each element (mean: by their sum)."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _regression(input, target, reduction, weight, "weights", lambda d: d.abs())


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """``(input - target)^2``, reduced; ``weight`` scales each element (mean: by their sum)."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _regression(input, target, reduction, weight, "weights", lambda d: d * d)


def _smooth(d: Tensor, beta: float) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere."""
    z = d.abs()
    inside = _host(z) < beta
    return _select(inside, 0.5 * d * d / beta, z - 0.5 * beta)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Quadratic below ``beta``, linear above; ``beta=0`` is ``l1_loss``."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return _regression(input, target, reduction, None, "", lambda d: d.abs())
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _regression(input, target, reduction, None, "", lambda d: _smooth(d, beta))


def _huber(d: Tensor, delta: float) -> Tensor:
    z = d.abs()
    inside = _host(z) < delta
    return _select(inside, 0.5 * d * d, delta * (z - 0.5 * delta))


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``delta * smooth_l1_loss(beta=delta)``: quadratic below ``delta``, linear above."""
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _regression(input, target, reduction, weight, "numel", lambda d: _huber(d, delta))


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    """``exp(input) - target * input`` (``log_input``) or ``input - target * log(input + eps)``;
    ``full`` adds Stirling's ``t log t - t + log(2 pi t) / 2`` where the target exceeds 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        above = np.broadcast_to(_host(target) > 1, tuple(stirling.shape))
        loss = loss + _keep(above, stirling)
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Pointwise ``target * (log(target) - input)`` (input: log-probabilities); ``'batchmean'``
    divides the sum by the batch size, ``'mean'`` by the number of elements (with a warning)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    get_enum("sum" if reduction == "batchmean" else reduction)
    for t in (input, target):
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogy(target, target) - target * input
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    total = loss.sum()
    return total / input.size(0) if input.dim() != 0 else total


# ----- binary cross entropy -----------------------------------------------------------------
def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` of probabilities ``x``, each log clamped at -100."""
    reduction = _reduction(size_average, reduce, reduction)
    get_enum(reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size."
        )
    for name, t in (("input", input), ("target", target)):
        values = _host(t)
        if not np.all((values >= 0) & (values <= 1)):
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    loss = _bce(input, target)
    if weight is not None:
        loss = loss * weight.expand(*np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``(1 - t) x - (1 + (pos_weight - 1) t) log(sigmoid(x))``, times ``weight``: the binary
    cross entropy of ``sigmoid(x)`` without overflow; ``pos_weight`` broadcasts along the last
    dim (one per class)."""
    reduction = _reduction(size_average, reduce, reduction)
    get_enum(reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ----- negative log likelihood and cross entropy --------------------------------------------
def _batch_check(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    batch = target.size(0) if target.dim() else 0
    if input.dim() != 1 and input.size(0) != batch:
        raise ValueError(
            f"Expected input batch_size ({input.size(0)}) to match target batch_size ({batch})."
        )


def _shape_check(input: Tensor, target: Tensor, weight: Tensor | None, classes: int) -> None:  # noqa: A002
    if input.dim() <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.dim() == 1 and target.dim() == 1 and target.size(0) != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.size(0)}"
            )
        if weight is not None and (weight.dim() != 1 or weight.numel() != classes):
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} classes or no "
                f"classes but got weight tensor of shape: {list(weight.shape)}"
            )
        return
    want = [input.size(0), *input.shape[2:]]
    if list(target.shape) != want:
        if input.dim() == 4:
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
            )
        raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError("weight tensor should be defined either for all or no classes")


def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None) -> None:  # noqa: A002
    """torch's checks of ``nll_loss``, in its order and with its messages."""
    _batch_check(input, target)
    classes = input.size(0) if input.dim() == 1 else input.size(1)
    _shape_check(input, target, weight, classes)
    if target.dtype._name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_scalar_name(target.dtype)}"
        )
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_scalar_name(input.dtype)} but found "
            f"{_scalar_name(weight.dtype)}"
        )


def _class_last(input: Tensor) -> Tensor:  # noqa: A002
    """``(N, C, d1, ...)`` as ``(N, d1, ..., C)``; a 1-D ``(C,)`` as ``(1, C)``."""
    return input.unsqueeze(0) if input.dim() == 1 else input.movedim(1, -1)


def _targets(x: Tensor, target: Tensor, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:
    """The class of each position (0 where ignored) and the mask of positions not ignored;
    ``IndexError`` for a class out of range."""
    t = _host(target).astype(np.int64).reshape(tuple(x.shape[:-1]))
    keep = t != ignore_index
    bad = keep & ((t < 0) | (t >= x.shape[-1]))
    if bad.any():
        raise IndexError(f"Target {t[bad][0]} is out of bounds.")
    return np.where(keep, t, 0), keep


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    """``-weight[t] * input[n, t]`` per position (0 where ``t == ignore_index``); the mean
    divides by the sum of the weights of the positions not ignored."""
    reduction = _reduction(size_average, reduce, reduction)
    code = get_enum(reduction)
    _check_nll(input, target, weight)
    x = _class_last(input)
    classes, keep = _targets(x, target, ignore_index)
    index = _const(x, classes[..., None])
    picked = gather(x, -1, index).squeeze(-1)
    if weight is None:
        w = keep.astype(_host(x).dtype)
        loss = _keep(keep, -picked)
    else:
        w = np.where(keep, _host(weight)[classes], 0).astype(_host(x).dtype)
        loss = _keep(keep, -(picked * _const(picked, w)))
    if input.dim() == 1:
        loss = loss.reshape(())
    if code == 0:
        return loss
    if code == 2:
        return loss.sum()
    return loss.sum() / _const(loss, np.array(w.sum(), dtype=w.dtype))


def _class_weights(weight: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    """``weight`` shaped to broadcast along the class dim of ``input``."""
    if input.dim() <= 1:
        return weight
    return weight.view(1, weight.size(0), *([1] * (input.dim() - 2)))


def _probability_targets(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """Cross entropy against a distribution over the classes (the target has the input's shape)."""
    class_dim = 0 if input.dim() == 1 else 1
    classes = input.size(class_dim)
    if weight is not None and (weight.dim() != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {classes} classes "
            f"or no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        terms = terms * _class_weights(weight, input)
    code = get_enum(reduction)
    if code == 0:
        return -terms.sum(class_dim)
    if code == 2:
        return -terms.sum()
    if input.numel() == 0:
        return -terms.sum() * math.nan
    return -terms.sum() / (input.numel() // classes)


def _check_smoothing(label_smoothing: float) -> None:
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")


def _smoothed(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None,
    reduction: str,
    ignore_index: int,
    label_smoothing: float,
) -> Tensor:
    """Class-index targets with ``label_smoothing``: the NLL of the true class mixed with the
    mean over all C classes (``label_smoothing / C`` each)."""
    class_dim = 0 if input.dim() == 1 else 1
    classes = input.size(class_dim)
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    spread = logp if weight is None else logp * _class_weights(weight, input)
    t = _host(target)
    keep = t != ignore_index
    smooth = _keep(keep, -spread.sum(class_dim))
    code = get_enum(reduction)
    if code == 1:
        total = keep.sum() if weight is None else _host(weight)[t[keep]].sum()
        smooth = smooth.sum() / _const(smooth, np.array(total, dtype=_host(logp).dtype))
    elif code == 2:
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``nll_loss(log_softmax(input, class_dim), target)`` for class indices, or
    ``-sum(target * log_softmax(input))`` for class probabilities (same shape as ``input``);
    ``label_smoothing`` mixes the target with the uniform distribution."""
    reduction = _reduction(size_average, reduce, reduction)
    get_enum(reduction)
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{_scalar_name(target.dtype)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _probability_targets(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        _check_nll(input, target, weight)
        return _smoothed(input, target, weight, reduction, ignore_index, label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    return nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
