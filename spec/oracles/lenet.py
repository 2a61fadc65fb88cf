"""Numpy oracle of the notes' LeNet trained end to end: forward, backward and optimizer steps.

The network (section 3.6 of the notes, completed the classic way) on ``(N, 1, 28, 28)``
images::

    conv1 = Conv2d(1, 20, 5)   -> bn1 = BatchNorm2d(20) -> relu -> max_pool2d(2)
    conv2 = Conv2d(20, 50, 5)  -> bn2 = BatchNorm2d(50) -> relu -> max_pool2d(2)
    flatten (N, 800) -> fc1 = Linear(800, 500) -> relu -> fc2 = Linear(500, 10)

and the mean cross entropy of the logits. Batch norm is in training mode (batch statistics,
biased variance); max pooling sends the gradient to the first maximum of each window, in row
order, as torch does. Parameters are twelve arrays in ``named_parameters()`` order: conv1
weight and bias, bn1 weight and bias, conv2, bn2, fc1, fc2. Everything computes in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from spec.oracles.optim import sgd
from spec.oracles.optim_adam import adam

__all__ = ["lenet_gradients", "lenet_train"]

Array = np.ndarray
Cache = list[tuple[str, Any]]


# ----- layers: forward returns (output, what backward needs) ------------------------------
def _conv(x: Array, w: Array, b: Array) -> tuple[Array, Any]:
    """Valid 2-d convolution, stride 1, as one matrix product over the unfolded windows."""
    n, _, _, _ = x.shape
    out_c, _, kh, kw = w.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, OH, OW, kh, kw)
    oh, ow = windows.shape[2:4]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, -1)
    out = cols @ w.reshape(out_c, -1).T + b
    return out.reshape(n, oh, ow, out_c).transpose(0, 3, 1, 2), (x.shape, cols, w)


def _conv_back(dy: Array, saved: Any, input_grad: bool = True) -> tuple[Any, Array, Array]:
    """Gradients of the input (unless ``input_grad`` is false: None), weight and bias."""
    shape, cols, w = saved
    n, c, _, _ = shape
    out_c, _, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    flat = dy.transpose(0, 2, 3, 1).reshape(-1, out_c)
    dw = (flat.T @ cols).reshape(w.shape)
    if not input_grad:
        return None, dw, flat.sum(axis=0)
    dcols = (flat @ w.reshape(out_c, -1)).reshape(n, oh, ow, c, kh, kw)
    dx = np.zeros(shape)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i : i + oh, j : j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx, dw, flat.sum(axis=0)


def _batch_norm(x: Array, gamma: Array, beta: Array, eps: float) -> tuple[Array, Any]:
    """Training-mode batch norm over (N, H, W) with the biased batch variance."""
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    inv_std = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True) + eps)
    xhat = (x - mean) * inv_std
    return xhat * gamma[:, None, None] + beta[:, None, None], (xhat, inv_std, gamma)


def _batch_norm_back(dy: Array, saved: Any) -> tuple[Array, Array, Array]:
    xhat, inv_std, gamma = saved
    axes = (0, 2, 3)
    count = dy.size / dy.shape[1]
    dxhat = dy * gamma[:, None, None]
    dx = (
        inv_std
        / count
        * (
            count * dxhat
            - dxhat.sum(axis=axes, keepdims=True)
            - xhat * (dxhat * xhat).sum(axis=axes, keepdims=True)
        )
    )
    return dx, (dy * xhat).sum(axis=axes), dy.sum(axis=axes)


def _max_pool(x: Array) -> tuple[Array, Any]:
    """2x2 windows, stride 2; the first maximum of each window in row order wins."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    first = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]
    return out, (x.shape, first)


def _max_pool_back(dy: Array, saved: Any) -> Array:
    (n, c, h, w), first = saved
    windows = np.zeros((n, c, h // 2, w // 2, 4))
    np.put_along_axis(windows, first[..., None], dy[..., None], axis=-1)
    windows = windows.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return windows.reshape(n, c, h, w)


def _cross_entropy(logits: Array, labels: Array) -> tuple[float, Array]:
    """Mean cross entropy and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    grad = np.exp(log_p)
    grad[rows, labels] -= 1.0
    return float(-log_p[rows, labels].mean()), grad / len(labels)


# ----- the network ------------------------------------------------------------------------
def _block(x: Array, w: Array, b: Array, g: Array, beta: Array, eps: float, cache: Cache) -> Array:
    """conv -> batch norm -> relu -> 2x2 max pool."""
    y, saved = _conv(x, w, b)
    cache.append(("conv", saved))
    y, saved = _batch_norm(y, g, beta, eps)
    cache.append(("bn", saved))
    cache.append(("relu", y > 0))
    y, saved = _max_pool(np.maximum(y, 0.0))
    cache.append(("pool", saved))
    return y


def lenet_gradients(
    params: Sequence[Array], images: Array, labels: Array, bn_eps: float = 1e-5
) -> tuple[float, list[Array]]:
    """The mean cross-entropy loss of the LeNet on a batch and its gradient with respect to
    each of the twelve parameters (float64)."""
    p = [np.asarray(t, dtype=np.float64) for t in params]
    x = np.asarray(images, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    cache: Cache = []
    y = _block(x, *p[0:4], bn_eps, cache)
    y = _block(y, *p[4:8], bn_eps, cache)
    flat = y.reshape(len(y), -1)
    hidden = flat @ p[8].T + p[9]
    active = np.maximum(hidden, 0.0)
    loss, dlogits = _cross_entropy(active @ p[10].T + p[11], labels)

    grads: list[Array] = [np.empty(0)] * 12
    grads[10], grads[11] = dlogits.T @ active, dlogits.sum(axis=0)
    dhidden = (dlogits @ p[10]) * (hidden > 0)
    grads[8], grads[9] = dhidden.T @ flat, dhidden.sum(axis=0)
    dy = (dhidden @ p[8]).reshape(y.shape)
    slots = iter([(4, 5, 6, 7), (0, 1, 2, 3)])
    for kind, saved in reversed(cache):
        if kind == "pool":
            dy = _max_pool_back(dy, saved)
        elif kind == "relu":
            dy = dy * saved
        elif kind == "bn":
            dy, dgamma, dbeta = _batch_norm_back(dy, saved)
        else:
            w, b, g, beta = next(slots)
            dy, grads[w], grads[b] = _conv_back(dy, saved, input_grad=w > 0)
            grads[g], grads[beta] = dgamma, dbeta
    return loss, grads


# ----- training ---------------------------------------------------------------------------
def lenet_train(
    params: Sequence[Array],
    images: Array,
    labels: Array,
    optimizer: str = "sgd",
    steps: int = 20,
    lr: float = 0.01,
    momentum: float = 0.0,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    bn_eps: float = 1e-5,
) -> tuple[Array, list[Array]]:
    """``steps`` steps of ``optimizer`` (``"sgd"`` with ``momentum``, or ``"adam"``) on one
    batch from ``params``: the loss before each step (float64) and the final parameters (in
    the dtype of the given ones)."""
    current = [np.asarray(t, dtype=np.float64) for t in params]
    states: list[dict[str, Any]] = [{} for _ in current]
    losses = []
    for step in range(1, steps + 1):
        loss, grads = lenet_gradients(current, images, labels, bn_eps)
        losses.append(loss)
        for i, grad in enumerate(grads):
            if optimizer == "adam":
                rule = adam(current[i], grad, states[i], step, lr, betas, eps, weight_decay)
            elif optimizer == "sgd":
                rule = sgd(
                    current[i], grad, states[i], step, lr, momentum, weight_decay=weight_decay
                )
            else:
                raise ValueError(f"unknown optimizer {optimizer!r}: 'sgd' or 'adam'")
            current[i], states[i] = rule
    out = [c.astype(np.asarray(t).dtype) for c, t in zip(current, params, strict=True)]
    return np.array(losses), out
