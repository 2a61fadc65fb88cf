"""Numpy oracles of torch.nn: normalization.

Every norm is ``(x - mean) / sqrt(var + eps) * weight + bias`` with the mean and the biased
variance taken over some dims (batch and spatial for the batch norm, spatial for the instance
norm, trailing for the layer norm, channel groups and spatial for the group norm), in float64.
In training the running estimates move to ``(1 - momentum) * running + momentum * batch`` with
the *unbiased* batch variance. The ``*_magnitude`` functions give, per output element, the size
of the rounding error a float kernel may make per term reduced (see ``accuracy`` in the spec).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "batch_norm",
    "batch_norm_magnitude",
    "batch_norm_running",
    "batch_norm_terms",
    "group_norm",
    "group_norm_magnitude",
    "group_norm_terms",
    "instance_norm",
    "instance_norm_magnitude",
    "instance_norm_running",
    "instance_norm_terms",
    "layer_norm",
    "layer_norm_magnitude",
    "layer_norm_terms",
    "local_response_norm",
    "normalize",
]

Array = np.ndarray


def _wide(x: Array | None) -> Array | None:
    return None if x is None else np.asarray(x, dtype=np.float64)


def _channel(t: Array | None, ndim: int) -> Array | None:
    """A per-channel ``(C,)`` array shaped to broadcast over dim 1 of ``ndim`` dims."""
    return None if t is None else _wide(t).reshape((1, -1) + (1,) * (ndim - 2))


def _moments(x: Array, axes: tuple[int, ...]) -> tuple[Array, Array]:
    mean = x.mean(axis=axes, keepdims=True)
    return mean, ((x - mean) ** 2).mean(axis=axes, keepdims=True)


def _affine(y: Array, weight: Array | None, bias: Array | None) -> Array:
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def _standardize(x: Array, mean: Array, var: Array, eps: float) -> Array:
    return (x - mean) / np.sqrt(var + eps)


def _error_size(
    x: Array, mean: Array, var: Array, eps: float, weight: Array | None, bias: Array | None
) -> Array:
    """Per element, the size of a float kernel's rounding error per term (over its eps):
    ``|weight| r (|x| + |mean| + |x - mean|) + |bias|`` with ``r = 1 / sqrt(var + eps)``."""
    r = 1 / np.sqrt(var + eps)
    lead = r * (np.abs(x) + np.abs(mean) + np.abs(x - mean))
    lead = lead if weight is None else lead * np.abs(weight)
    return lead if bias is None else lead + np.abs(bias)


def _terms(x: Array, mean: Array, var: Array, eps: float, axes: tuple[int, ...] | None) -> Array:
    """Terms per element: ``n + 4`` for batch statistics over ``axes`` (``n`` values reduced),
    times the variance's conditioning ``1 + r**2 * 2 mean(|x - mean| (|x| + |mean|))``: the
    error of a variance computed by cancellation, relative to the variance (and so to the
    inverse deviation, the output and its gradients). Given statistics: 4."""
    if axes is None:
        return np.full(x.shape, 4.0)
    count = int(np.prod([x.shape[a] for a in axes]))
    product = (np.abs(x - mean) * (np.abs(x) + np.abs(mean))).mean(axis=axes, keepdims=True)
    condition = 1 + 2 * product / (var + eps) if x.size else 1.0
    return np.broadcast_to((count + 4) * condition, x.shape).copy()


def _batch_axes(ndim: int) -> tuple[int, ...]:
    return (0, *range(2, ndim))


def batch_norm(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Array:
    """Per channel (dim 1): batch statistics in training (or without running ones), else the
    running statistics."""
    x = _wide(input)
    if training or running_mean is None:
        mean, var = _moments(x, _batch_axes(x.ndim))
    else:
        mean, var = _channel(running_mean, x.ndim), _channel(running_var, x.ndim)
    y = _standardize(x, mean, var, eps)
    y = _affine(y, _channel(weight, x.ndim), _channel(bias, x.ndim))
    return y.astype(np.asarray(input).dtype)


def batch_norm_magnitude(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    eps: float = 1e-5,
) -> Array:
    """The rounding-error size per term of :func:`batch_norm`'s output elements."""
    x = _wide(input)
    mean, var, _ = _batch_stats(x, running_mean, running_var, training)
    return _error_size(x, mean, var, eps, _channel(weight, x.ndim), _channel(bias, x.ndim))


def _batch_stats(
    x: Array, running_mean: Array | None, running_var: Array | None, training: bool
) -> tuple[Array, Array, tuple[int, ...] | None]:
    if training or running_mean is None:
        axes = _batch_axes(x.ndim)
        return (*_moments(x, axes), axes)
    return _channel(running_mean, x.ndim), _channel(running_var, x.ndim), None


def batch_norm_terms(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    training: bool = False,
    eps: float = 1e-5,
) -> Array:
    """The terms (with the variance's conditioning) of :func:`batch_norm`'s elements."""
    x = _wide(input)
    mean, var, axes = _batch_stats(x, running_mean, running_var, training)
    return _terms(x, mean, var, eps, axes)


def _factor(momentum: float | None, num_batches_tracked: Array | int | None) -> float:
    """The weight of the batch: ``momentum``, or ``1 / batches`` (counting this one)."""
    if momentum is not None:
        return float(momentum)
    return 1.0 / (int(np.asarray(num_batches_tracked)) + 1)


def _moved(running: Array, batch: Array, factor: float) -> Array:
    new = (1 - factor) * _wide(running) + factor * batch
    return new.astype(np.asarray(running).dtype)


def batch_norm_running(
    input: Array,  # noqa: A002
    running_mean: Array,
    running_var: Array,
    momentum: float | None = 0.1,
    num_batches_tracked: Array | int | None = None,
) -> tuple[Array, Array]:
    """``(running_mean, running_var)`` after one training forward: moved towards the batch
    mean and the unbiased batch variance (``momentum=None``: a cumulative average over
    ``num_batches_tracked + 1`` batches)."""
    x = _wide(input)
    axes = _batch_axes(x.ndim)
    n = x.size // x.shape[1]
    mean, var = _moments(x, axes)
    factor = _factor(momentum, num_batches_tracked)
    unbiased = var.reshape(-1) * n / (n - 1)
    return _moved(running_mean, mean.reshape(-1), factor), _moved(running_var, unbiased, factor)


def _spatial_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(2, ndim))


def instance_norm(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    weight: Array | None = None,
    bias: Array | None = None,
    use_input_stats: bool = True,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Array:
    """Per sample and channel over the spatial dims (``use_input_stats``), else with the
    running statistics."""
    x = _wide(input)
    if use_input_stats:
        mean, var = _moments(x, _spatial_axes(x.ndim))
    else:
        mean, var = _channel(running_mean, x.ndim), _channel(running_var, x.ndim)
    y = _affine(_standardize(x, mean, var, eps), _channel(weight, x.ndim), _channel(bias, x.ndim))
    return y.astype(np.asarray(input).dtype)


def instance_norm_magnitude(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    weight: Array | None = None,
    bias: Array | None = None,
    use_input_stats: bool = True,
    eps: float = 1e-5,
) -> Array:
    """The rounding-error size per term of :func:`instance_norm`'s output elements."""
    x = _wide(input)
    mean, var, _ = _instance_stats(x, running_mean, running_var, use_input_stats)
    return _error_size(x, mean, var, eps, _channel(weight, x.ndim), _channel(bias, x.ndim))


def _instance_stats(
    x: Array, running_mean: Array | None, running_var: Array | None, use_input_stats: bool
) -> tuple[Array, Array, tuple[int, ...] | None]:
    if use_input_stats:
        axes = _spatial_axes(x.ndim)
        return (*_moments(x, axes), axes)
    return _channel(running_mean, x.ndim), _channel(running_var, x.ndim), None


def instance_norm_terms(
    input: Array,  # noqa: A002
    running_mean: Array | None = None,
    running_var: Array | None = None,
    use_input_stats: bool = True,
    eps: float = 1e-5,
) -> Array:
    """The terms (with the variance's conditioning) of :func:`instance_norm`'s elements."""
    x = _wide(input)
    mean, var, axes = _instance_stats(x, running_mean, running_var, use_input_stats)
    return _terms(x, mean, var, eps, axes)


def instance_norm_running(
    input: Array,  # noqa: A002
    running_mean: Array,
    running_var: Array,
    momentum: float | None = 0.1,
) -> tuple[Array, Array]:
    """``(running_mean, running_var)`` after one forward with input statistics: moved towards
    the batch average of each sample's mean and unbiased variance (``None`` moves nothing)."""
    x = _wide(input)
    n = int(np.prod(x.shape[2:]))
    mean, var = _moments(x, _spatial_axes(x.ndim))
    factor = 0.0 if momentum is None else float(momentum)
    flat = x.shape[:2]
    unbiased = (var.reshape(flat) * n / (n - 1)).mean(axis=0)
    return (
        _moved(running_mean, mean.reshape(flat).mean(axis=0), factor),
        _moved(running_var, unbiased, factor),
    )


def _trailing(x: Array, normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    count = 1 if np.ndim(normalized_shape) == 0 else len(normalized_shape)
    return tuple(range(x.ndim - count, x.ndim))


def layer_norm(
    input: Array,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Per sample over the trailing ``normalized_shape`` dims; elementwise weight and bias."""
    x = _wide(input)
    mean, var = _moments(x, _trailing(x, normalized_shape))
    y = _affine(_standardize(x, mean, var, eps), _wide(weight), _wide(bias))
    return y.astype(np.asarray(input).dtype)


def layer_norm_magnitude(
    input: Array,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """The rounding-error size per term of :func:`layer_norm`'s output elements."""
    x = _wide(input)
    axes = _trailing(x, normalized_shape)
    mean, var = _moments(x, axes)
    return _error_size(x, mean, var, eps, _wide(weight), _wide(bias))


def layer_norm_terms(
    input: Array,  # noqa: A002
    normalized_shape: int | Sequence[int],
    eps: float = 1e-5,
) -> Array:
    """The terms (with the variance's conditioning) of :func:`layer_norm`'s elements."""
    x = _wide(input)
    axes = _trailing(x, normalized_shape)
    return _terms(x, *_moments(x, axes), eps, axes)


def _grouped(x: Array, num_groups: int) -> tuple[Array, Array, Array]:
    """``x`` as ``(N, groups, rest)`` with its mean and variance per group, all broadcast
    back to ``x``'s shape."""
    g = x.reshape(x.shape[0], num_groups, -1)
    mean, var = _moments(g, (2,))
    full = (np.broadcast_to(mean, g.shape), np.broadcast_to(var, g.shape))
    return g, full[0].reshape(x.shape), full[1].reshape(x.shape)


def group_norm(
    input: Array,  # noqa: A002
    num_groups: int,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Per sample over each group of ``C / num_groups`` consecutive channels and the spatial
    dims; per-channel weight and bias."""
    x = _wide(input)
    _, mean, var = _grouped(x, num_groups)
    y = _standardize(x, mean, var, eps)
    y = _affine(y, _channel(weight, x.ndim), _channel(bias, x.ndim))
    return y.astype(np.asarray(input).dtype)


def group_norm_magnitude(
    input: Array,  # noqa: A002
    num_groups: int,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """The rounding-error size per term of :func:`group_norm`'s output elements."""
    x = _wide(input)
    _, mean, var = _grouped(x, num_groups)
    return _error_size(x, mean, var, eps, _channel(weight, x.ndim), _channel(bias, x.ndim))


def group_norm_terms(input: Array, num_groups: int, eps: float = 1e-5) -> Array:  # noqa: A002
    """The terms (with the variance's conditioning) of :func:`group_norm`'s elements."""
    x = _wide(input)
    g = x.reshape(x.shape[0], num_groups, -1)
    mean, var = _moments(g, (2,))
    return _terms(g, mean, var, eps, (2,)).reshape(x.shape)


def local_response_norm(
    input: Array,  # noqa: A002
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Array:
    """``x / (k + alpha / size * sum of x**2 over channels c - size//2 .. c + (size-1)//2)
    ** beta``, channels beyond the edges counting as zeros."""
    x = _wide(input)
    squares = x * x
    channels = x.shape[1]
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    padded = np.pad(squares, pad)
    window = sum(padded[:, i : i + channels] for i in range(size))
    y = x / (k + alpha / size * window) ** beta
    return y.astype(np.asarray(input).dtype)


def normalize(
    input: Array,  # noqa: A002
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
) -> Array:
    """``x / max(||x||_p over dim, eps)`` (``p`` 0 counts non-zeros, +-inf take the largest
    or smallest magnitude)."""
    x = _wide(input)
    a = np.abs(x)
    if p == 0:
        norm = (a != 0).sum(axis=dim, keepdims=True).astype(np.float64)
    elif np.isinf(p):
        norm = a.max(axis=dim, keepdims=True) if p > 0 else a.min(axis=dim, keepdims=True)
    else:
        top = a.max(axis=dim, keepdims=True)
        safe = np.where(top > 0, top, 1.0)
        with np.errstate(divide="ignore"):
            norm = safe * ((a / safe) ** p).sum(axis=dim, keepdims=True) ** (1 / p)
        norm = np.where(top > 0, norm, 0.0)
    y = x / np.maximum(norm, eps)
    return y.astype(np.asarray(input).dtype)
