"""``torch.nn.functional``: batch_norm, instance_norm, layer_norm, group_norm, local_response_norm,
normalize.

Each is composed of reference ops (so inputs, weights and biases get gradients of any order):
statistics over the reduced dims, ``(x - mean) / sqrt(var + eps) * weight + bias``. The
normalization uses the biased variance; the running estimates the unbiased one, updated in
place as ``(1 - momentum) * running + momentum * batch``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ... import _dtypes
from ..._conversion import write_out
from ..._creation import zeros
from ..._grad_mode import no_grad
from ..._joining import cat
from ..._pointwise import maximum
from ..._tensor import Tensor
from ..._views import narrow, reshape

__all__ = [
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "local_response_norm",
    "normalize",
]


def _verify_batch_size(size: Sequence[int], shown: object = None) -> None:
    """More than one value per channel when the batch statistics are used."""
    count = size[0] * math.prod(size[2:])
    if count == 1:
        raise ValueError(
            "Expected more than 1 value per channel when training, got input size "
            f"{size if shown is None else shown}"
        )


def _verify_spatial_size(size: Sequence[int]) -> None:
    if math.prod(size[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {size}"
        )


def _require_floating(name: str, input: Tensor) -> None:  # noqa: A002
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype._scalar_name}'")


def _same_dtypes(input: Tensor, *others: Tensor | None) -> None:  # noqa: A002
    """torch's CPU kernels refuse parameters of another dtype than the input's."""
    if any(o is not None and o.dtype != input.dtype for o in others):
        if input.dtype._name == "float32":
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _check_elements(channels: int, **named: Tensor | None) -> None:
    for name, t in named.items():
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _opmath(*tensors: Tensor | None) -> list[Tensor | None]:
    """float16 and bfloat16 tensors in float32, where torch's kernels compute them (the
    result is rounded once, by :func:`_rounded`)."""
    return [t.float() if t is not None and t.dtype in _HALF else t for t in tensors]


def _rounded(y: Tensor, input: Tensor) -> Tensor:  # noqa: A002
    return y.to(input.dtype) if input.dtype in _HALF else y


_HALF = (_dtypes.float16, _dtypes.bfloat16)


def _stats_dtype(input: Tensor) -> Any:  # noqa: A002
    """The dtype batch norm's statistics are rounded to: the input's, when it is a half one."""
    return input.dtype if input.dtype in _HALF else None


def _per_channel(t: Tensor, ndim: int) -> Tensor:
    """A ``(C,)`` tensor shaped ``(1, C, 1, ...)`` to broadcast over ``ndim`` dims."""
    return reshape(t, (1, -1) + (1,) * (ndim - 2))


def _moments(x: Tensor, dims: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over ``dims`` (kept)."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    return mean, (centered * centered).mean(dims, keepdim=True)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _standardize(x: Tensor, mean: Tensor, var: Tensor, eps: float, stats: Any = None) -> Tensor:
    """``(x - mean) / sqrt(var + eps)``: the inverse deviation first, as torch's kernels;
    ``stats``, a dtype the mean and the inverse deviation are rounded to first (torch's
    batch norm keeps them in the input's dtype)."""
    invstd = (var + eps).sqrt().reciprocal()
    if stats is not None:
        mean, invstd = (t.to(stats).to(x.dtype) for t in (mean, invstd))
    return (x - mean) * invstd


def _update_running(running: Tensor | None, batch: Tensor, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in place, untracked."""
    if running is None:
        return
    with no_grad():
        new = running * (1 - momentum) + reshape(batch.detach(), running.shape) * momentum
        running.copy_(new)


def _check_batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
) -> int:
    """torch's checks, in its order; the number of channels."""
    _require_floating("batch_norm", input)
    _same_dtypes(input, weight, bias, running_mean, running_var)
    channels = input.shape[1] if input.ndim > 1 else 0
    _check_elements(
        channels, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    return channels


def _batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    """``aten::batch_norm`` once the Python-level checks have passed."""
    _check_batch_norm(input, running_mean, running_var, weight, bias, training)
    ndim = input.ndim
    dims = (0, *range(2, ndim))
    if input.numel() == 0:
        return input.clone()
    x, weight, bias = _opmath(input, weight, bias)
    if training:
        mean, var = _moments(x, dims)
        count = input.numel() // input.shape[1]
        _update_running(running_mean, mean, momentum)
        unbiased = var * (count / (count - 1)) if count > 1 else var * math.nan
        _update_running(running_var, unbiased, momentum)
    else:
        stats = _opmath(running_mean, running_var)
        mean, var = (_per_channel(t, ndim) for t in stats)
    y = _standardize(x, mean, var, eps, _stats_dtype(input))
    channel = [None if t is None else _per_channel(t, ndim) for t in (weight, bias)]
    return _rounded(_affine(y, *channel), input)


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims; in training, update the
    running statistics (unbiased variance) in place."""
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _check_instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
) -> None:
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not use_input_stats and running_mean is None:
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false"
        )


def instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each (sample, channel) over its spatial dims; the running statistics move by
    the mean over the batch of each sample's statistics."""
    if use_input_stats:
        _verify_spatial_size(input.shape)
    _check_instance_norm(input, running_mean, running_var, use_input_stats)
    _require_floating("batch_norm", input)
    _same_dtypes(input, weight, bias, running_mean, running_var)
    batch, channels = input.shape[0], input.shape[1]
    folded = batch * channels
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() * batch != folded:
            raise RuntimeError(f"{name} should contain {folded} elements not {t.numel() * batch}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() * batch != folded:
            raise RuntimeError(f"{name} should contain {folded} elements not {t.numel() * batch}")
    ndim = input.ndim
    if input.numel() == 0:
        return input.clone()
    x, weight, bias = _opmath(input, weight, bias)
    if use_input_stats:
        dims = tuple(range(2, ndim))
        mean, var = _moments(x, dims)
        count = math.prod(input.shape[2:])
        _update_running(running_mean, mean.mean(0), momentum)
        _update_running(running_var, (var * (count / (count - 1))).mean(0), momentum)
    else:
        mean, var = (_per_channel(t, ndim) for t in _opmath(running_mean, running_var))
    y = _standardize(x, mean, var, eps, _stats_dtype(input))
    channel = [None if t is None else _per_channel(t, ndim) for t in (weight, bias)]
    return _rounded(_affine(y, *channel), input)


def _shape_text(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(n)) for n in shape) + "]"


def _check_layer_norm(
    input: Tensor,  # noqa: A002
    shape: tuple[int, ...],
    weight: Tensor | None,
    bias: Tensor | None,
) -> None:
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            "one element, but got normalized_shape = []"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {_shape_text(t.shape)} and normalized_shape = {_shape_text(shape)}"
            )
    n = len(shape)
    if input.ndim < n or tuple(input.shape[input.ndim - n :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_text(shape)}, expected input with shape "
            f"[*, {_shape_text(shape)[1:]}, but got input of size{_shape_text(input.shape)}"
        )


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dims, then scale and shift
    elementwise by ``weight`` and ``bias`` of shape ``normalized_shape``."""
    if not isinstance(normalized_shape, (tuple, list)) and not hasattr(normalized_shape, "__len__"):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{type(normalized_shape).__name__}"
        )
    shape = tuple(int(n) for n in normalized_shape)
    _check_layer_norm(input, shape, weight, bias)
    _require_floating("LayerNormKernelImpl", input)
    _same_dtypes(input, weight, bias)
    if input.numel() == 0:  # nothing to normalize; weight and bias still get (zero) gradients
        return _affine(input.clone(), weight, bias)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    x, weight, bias = _opmath(input, weight, bias)
    mean, var = _moments(x, dims)
    return _rounded(_affine(_standardize(x, mean, var, eps), weight, bias), input)


def _check_group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None,
    bias: Tensor | None,
) -> None:
    channels = input.shape[1]
    shown = _shape_text(input.shape)
    if channels % num_groups != 0:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {shown} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != channels):
            # torch prints the weight's shape in both messages ([0] without a weight)
            size = _shape_text(weight.shape) if weight is not None else "[0]"
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {size} and input of shape {shown}"
            )


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` contiguous groups and normalize each
    (sample, group) over its channels and spatial dims; per-channel ``weight`` and ``bias``."""
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    size = [input.shape[0] * input.shape[1] // num_groups, num_groups, *input.shape[2:]]
    _verify_batch_size(size, shown=size)
    _check_group_norm(input, num_groups, weight, bias)
    _require_floating("GroupNormKernelImpl", input)
    _same_dtypes(input, weight, bias)
    if input.numel() == 0:
        return input.clone()
    batch = input.shape[0]
    x, weight, bias = _opmath(input, weight, bias)
    grouped = reshape(x, (batch, num_groups, -1))
    mean, var = _moments(grouped, (2,))
    y = reshape(_standardize(grouped, mean, var, eps), input.shape)
    channel = [None if t is None else _per_channel(t, input.ndim) for t in (weight, bias)]
    return _rounded(_affine(y, *channel), input)


def _window_sums(squares: Tensor, size: int) -> Tensor:
    """Sums over channels ``c - size//2 .. c + (size-1)//2`` (zeros beyond the edges)."""
    lead = squares.shape[0]
    rest = tuple(squares.shape[2:])
    before = zeros((lead, size // 2, *rest), dtype=squares.dtype)
    after = zeros((lead, (size - 1) // 2, *rest), dtype=squares.dtype)
    padded = cat([before, squares, after], 1)
    channels = squares.shape[1]
    total = narrow(padded, 1, 0, channels)
    for offset in range(1, size):  # one shifted slice per window position
        total = total + narrow(padded, 1, offset, channels)
    return total


def local_response_norm(
    input: Tensor,  # noqa: A002
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Tensor:
    """``x / (k + alpha * mean of x**2 over a window of size channels) ** beta``, the window
    centred on each channel and padded with zeros (the mean always divides by ``size``)."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(
            "Expected 3D or higher dimensionality                          input "
            f"(got {dim} dimensions)"
        )
    if input.numel() == 0:
        return input
    if size <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {size} kW: 1")
    div = _window_sums(input * input, size) * (1 / size)
    div = (div * alpha + k) ** beta
    return input / div


def normalize(
    input: Tensor,  # noqa: A002
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
    out: Tensor | None = None,
) -> Tensor:
    """``input / max(||input||_p over dim, eps)``."""
    norm = input.norm(p, dim, keepdim=True)
    denom = maximum(norm, norm.new_full((), eps)).expand_as(input)
    return input / denom if out is None else write_out(out, input / denom, "div")
