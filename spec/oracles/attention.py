"""Numpy oracles of torch.nn: multi-head attention, computed in float64 from the parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["multihead_attention"]


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
