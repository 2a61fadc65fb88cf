"""Numpy oracles of torch.nn: multi-head attention, computed in float64 from the parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["multihead_attention", "multihead_attention_work"]


def _additive(mask: np.ndarray | None) -> np.ndarray | None:
    """A bool mask (True: not allowed) as ``-inf``/0; a float mask as float64."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype == np.bool_:
        return np.where(mask, -np.inf, 0.0)
    return mask.astype(np.float64)


def _softmax(scores: np.ndarray, safe: bool) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum. A row with every position at
    ``-inf`` is NaN, or zeros when ``safe``."""
    peak = scores.max(axis=-1, keepdims=True)
    finite = np.isfinite(peak)
    e = np.exp(scores - np.where(finite, peak, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = e / total
    return np.where(finite, out, 0.0) if safe else out


def _projections(
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    bias: np.ndarray | None,
) -> list[np.ndarray]:
    """q, k, v: each input times its weight's transpose, plus its third of ``bias``."""
    biases = np.split(bias, 3) if bias is not None else [0.0, 0.0, 0.0]
    inputs = (query, key, value)
    return [x @ w.T + b for x, w, b in zip(inputs, weights, biases, strict=True)]


def _mask(
    attn_mask: Any, key_padding_mask: Any, shape: tuple[int, int, int, int], extra: int
) -> np.ndarray:
    """The additive mask ``(N, H, L, S + extra)``: ``attn_mask`` (2-d, or 3-d as
    ``(N * H, L, S)``) plus the key padding mask; the ``extra`` appended keys are allowed."""
    n, h, length, src = shape
    total = np.zeros((n, h, length, src + extra))
    attn = _additive(attn_mask)
    if attn is not None:
        total[..., :src] += attn if attn.ndim == 2 else attn.reshape(n, h, length, src)
    padding = _additive(key_padding_mask)
    if padding is not None:
        total[..., :src] += padding.reshape(n, 1, 1, src)
    return total


def multihead_attention(
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    num_heads: int,
    *,
    out_proj_weight: np.ndarray,
    out_proj_bias: np.ndarray | None = None,
    in_proj_weight: np.ndarray | None = None,
    in_proj_bias: np.ndarray | None = None,
    q_proj_weight: np.ndarray | None = None,
    k_proj_weight: np.ndarray | None = None,
    v_proj_weight: np.ndarray | None = None,
    bias_k: np.ndarray | None = None,
    bias_v: np.ndarray | None = None,
    add_zero_attn: bool = False,
    batch_first: bool = False,
    key_padding_mask: np.ndarray | None = None,
    attn_mask: np.ndarray | None = None,
    need_weights: bool = True,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(output, weights)`` of ``nn.MultiheadAttention`` without dropout; ``weights`` is
    None unless ``need_weights``. Bool masks are True where attending is not allowed. With
    ``is_causal``, no key padding mask and ``need_weights=False``, torch drops ``attn_mask``
    for the causal mask over every key (appended ones included); a query whose keys are all
    masked gets NaN weights, or, without weights, an attention of zeros."""
    dtype = query.dtype
    batched = query.ndim == 3
    q, k, v = (np.asarray(x, np.float64) for x in (query, key, value))
    if not batched:
        q, k, v = q[None], k[None], v[None]
        key_padding_mask = None if key_padding_mask is None else key_padding_mask[None]
    elif not batch_first:
        q, k, v = (x.transpose(1, 0, 2) for x in (q, k, v))
    # batch first from here: (N, L, E), (N, S, kdim), (N, S, vdim)
    packed = in_proj_weight is not None
    weights = (
        np.split(in_proj_weight, 3) if packed else (q_proj_weight, k_proj_weight, v_proj_weight)
    )
    q, k, v = _projections(q, k, v, tuple(np.asarray(w, np.float64) for w in weights), in_proj_bias)
    n, length, embed = q.shape
    src = k.shape[1]
    if bias_k is not None:
        k = np.concatenate([k, np.broadcast_to(bias_k.reshape(1, 1, embed), (n, 1, embed))], 1)
        v = np.concatenate([v, np.broadcast_to(bias_v.reshape(1, 1, embed), (n, 1, embed))], 1)
    head = embed // num_heads

    def split(x: np.ndarray) -> np.ndarray:
        return x.reshape(n, x.shape[1], num_heads, head).transpose(0, 2, 1, 3)

    q, k, v = split(q), split(k), split(v)
    if add_zero_attn:
        k = np.concatenate([k, np.zeros((n, num_heads, 1, head))], 2)
        v = np.concatenate([v, np.zeros((n, num_heads, 1, head))], 2)
    extra = k.shape[2] - src
    mask = _mask(attn_mask, key_padding_mask, (n, num_heads, length, src), extra)
    if is_causal and key_padding_mask is None and not need_weights:
        mask = np.where(np.tril(np.ones((length, src + extra), bool)), 0.0, -np.inf)
    scores = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(head) + mask
    attention = _softmax(scores, safe=not need_weights)
    heads = (attention @ v).transpose(0, 2, 1, 3).reshape(n, length, embed)
    out = heads @ np.asarray(out_proj_weight, np.float64).T
    out = out + (0.0 if out_proj_bias is None else out_proj_bias)
    out = out if batch_first or not batched else out.transpose(1, 0, 2)
    if not batched:
        out, attention = out[0], attention[0]
    if not need_weights:
        return out.astype(dtype), None
    if average_attn_weights:
        attention = attention.mean(axis=-3)
    return out.astype(dtype), attention.astype(dtype)


def _batch_first(x: np.ndarray, batched: bool, batch_first: bool) -> np.ndarray:
    """An input as ``(N, length, width)`` float64."""
    x = np.asarray(x, np.float64)
    if not batched:
        return x[None]
    return x if batch_first else x.transpose(1, 0, 2)


def _bounded_projection(x: np.ndarray, w: np.ndarray, b: Any) -> tuple[np.ndarray, ...]:
    """``x @ w.T + b``, its magnitude, and its rounding bound (in epsilons)."""
    w = np.asarray(w, np.float64)
    bias = 0.0 if b is None else np.asarray(b, np.float64)
    size = np.abs(x) @ np.abs(w).T + np.abs(bias)
    return x @ w.T + bias, (x.shape[-1] + 1) * size


def multihead_attention_work(
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    num_heads: int,
    *,
    out_proj_weight: np.ndarray,
    out_proj_bias: np.ndarray | None = None,
    in_proj_weight: np.ndarray | None = None,
    in_proj_bias: np.ndarray | None = None,
    q_proj_weight: np.ndarray | None = None,
    k_proj_weight: np.ndarray | None = None,
    v_proj_weight: np.ndarray | None = None,
    bias_k: np.ndarray | None = None,
    bias_v: np.ndarray | None = None,
    add_zero_attn: bool = False,
    batch_first: bool = False,
    key_padding_mask: np.ndarray | None = None,
    attn_mask: np.ndarray | None = None,
    **unused: Any,
) -> float:
    """A first-order bound, in epsilons of the dtype, of the rounding error any evaluation
    order gives :func:`multihead_attention`'s outputs (the larger of the two), followed
    through the drawn values: projections, scores of ``head_dim`` terms, the softmax (each
    weight's relative error is its score's error plus the weighted mean of them), the
    weighted sum of values and the output projection."""
    batched = query.ndim == 3
    if not batched and key_padding_mask is not None:
        key_padding_mask = key_padding_mask[None]
    x = [_batch_first(a, batched, batch_first) for a in (query, key, value)]
    packed = in_proj_weight is not None
    weights = (
        np.split(in_proj_weight, 3) if packed else (q_proj_weight, k_proj_weight, v_proj_weight)
    )
    biases = np.split(in_proj_bias, 3) if in_proj_bias is not None else [None] * 3
    parts = [_bounded_projection(a, w, b) for a, w, b in zip(x, weights, biases, strict=True)]
    (q, dq), (k, dk), (v, dv) = parts
    n, length, embed = q.shape
    src = k.shape[1]
    if bias_k is not None:
        extra = [
            np.broadcast_to(np.reshape(b, (1, 1, embed)), (n, 1, embed)) for b in (bias_k, bias_v)
        ]
        k, v = np.concatenate([k, extra[0]], 1), np.concatenate([v, extra[1]], 1)
        dk, dv = (np.concatenate([d, np.zeros((n, 1, embed))], 1) for d in (dk, dv))
    head = embed // num_heads

    def split(a: np.ndarray) -> np.ndarray:
        a = a.reshape(n, a.shape[1], num_heads, head).transpose(0, 2, 1, 3)
        if add_zero_attn and a.shape[2] != length:
            a = np.concatenate([a, np.zeros((n, num_heads, 1, head))], 2)
        return a

    q, dq = split(q), split(dq)
    k, dk, v, dv = split(k), split(dk), split(v), split(dv)
    mask = _mask(attn_mask, key_padding_mask, (n, num_heads, length, src), k.shape[2] - src)
    scale = 1 / np.sqrt(head)
    scores = (q @ k.swapaxes(-1, -2)) * scale + mask
    size = (np.abs(q) @ np.abs(k).swapaxes(-1, -2)) * scale
    d_scores = (dq @ np.abs(k).swapaxes(-1, -2) + np.abs(q) @ dk.swapaxes(-1, -2)) * scale
    allowed = np.isfinite(scores)
    d_scores += (head + 2) * size + np.where(allowed, np.abs(np.where(allowed, scores, 0)), 0)
    p = _softmax(scores, safe=True)
    d_scores = np.where(allowed, d_scores, 0.0)
    d_p = p * (d_scores + (p * d_scores).sum(-1, keepdims=True)) + (k.shape[2] + 3) * p
    d_heads = d_p @ np.abs(v) + p @ dv + (k.shape[2] + 1) * (p @ np.abs(v))
    merge = lambda a: a.transpose(0, 2, 1, 3).reshape(n, length, embed)  # noqa: E731
    w_out = np.abs(np.asarray(out_proj_weight, np.float64))
    b_out = 0.0 if out_proj_bias is None else np.abs(np.asarray(out_proj_bias, np.float64))
    outputs = np.abs(merge(p @ v)) @ w_out.T + b_out
    d_out = merge(d_heads) @ w_out.T + (embed + 1) * outputs
    return float(max(d_out.max(initial=0.0), d_p.max(initial=0.0) + num_heads))
