"""``torch.nn.functional``: ``multi_head_attention_forward`` and
``scaled_dot_product_attention``, composed of reference ops (so every input and parameter
gets gradients of any order) along the steps torch takes, which decide its errors and which
masks apply when."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._creation import zeros
from ..._dtypes import bool as bool_
from ..._dtypes import dtype
from ..._joining import cat
from ..._matmul import matmul
from ..._ops import apply_op
from ..._random import rand_like
from ..._reductions import amax
from ..._tensor import Tensor
from ._linear import linear

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


# ----- masks ------------------------------------------------------------------------------


def _additive(mask: Tensor, target: dtype) -> Tensor:
    """A bool mask as a float one: ``-inf`` where True (not allowed), 0 elsewhere."""
    return apply_op(
        "masked_fill",
        lambda m: np.where(m, -np.inf, 0.0),
        mask,
        dtype=target,
        differentiable=False,
    )


def _canonical_mask(
    mask: Tensor | None,
    name: str,
    other: dtype | None,
    other_name: str,
    target: dtype,
    check_other: bool = True,
) -> Tensor | None:
    """``mask`` as an additive float mask (bool masks: True is not allowed); warns when the
    other mask's dtype differs, as torch does."""
    if mask is None:
        return None
    if mask.dtype != bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other is not None and mask.dtype != other:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. "
            "Use same type for both instead.",
            stacklevel=3,
        )
    return mask if mask.is_floating_point() else _additive(mask, target)


def _dtype_or_none(mask: Tensor | None) -> dtype | None:
    return None if mask is None else mask.dtype


def _pad_column(mask: Tensor | None) -> Tensor | None:
    """One more allowed (zero) position on the last dimension."""
    if mask is None:
        return None
    extra = zeros((*mask.shape[:-1], 1), dtype=mask.dtype)
    return cat([mask, extra], dim=-1)


def _causal(tgt_len: int, src_len: int, target: dtype) -> Tensor:
    """Query ``i`` sees keys ``j <= i`` (top-left aligned), as an additive mask."""
    allowed = np.tril(np.ones((tgt_len, src_len), dtype=bool))
    blocked = apply_op("tril", lambda: ~allowed, dtype=bool_, differentiable=False)
    return _additive(blocked, target)


# ----- attention proper --------------------------------------------------------------------


def _softmax(scores: Tensor, safe: bool) -> Tensor:
    """Softmax over the last dim, shifted by the (constant) row maximum. A row with every
    position masked gives NaN, or zeros when ``safe`` (as scaled_dot_product_attention)."""
    peak = amax(scores, -1, keepdim=True).detach()
    shift = apply_op(
        "finite_or_zero", lambda a: np.where(np.isfinite(a), a, 0), peak, differentiable=False
    )
    e = (scores - shift).exp()
    total = e.sum(-1, keepdim=True)
    if safe:
        total = total + (total == 0)
    return e / total


def _dropout(weights: Tensor, p: float) -> Tensor:
    """Zero each weight with probability ``p``, scale the kept ones by ``1 / (1 - p)``."""
    if p <= 0.0:
        return weights
    if p >= 1.0:
        return weights * 0.0
    keep = rand_like(weights) >= p
    return weights * keep / (1.0 - p)


def _weights(q: Tensor, k: Tensor, mask: Tensor | None, scale: float, safe: bool) -> Tensor:
    """softmax(mask + (q * scale) @ k^T) over the last dim."""
    scores = matmul(q * scale, k.transpose(-2, -1))
    if mask is not None:
        scores = mask + scores
    return _softmax(scores, safe)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(q k^T * scale + mask) v`` over the last two dims; a bool ``attn_mask`` is
    True where attending is allowed (the opposite of MultiheadAttention's). Rows with every
    position masked give zeros."""
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True"
        )
    tgt_len, src_len = query.shape[-2], key.shape[-2]
    if is_causal:
        attn_mask = _causal(tgt_len, src_len, query.dtype)
    elif attn_mask is not None and attn_mask.dtype == bool_:
        attn_mask = _additive(~attn_mask, query.dtype)
    if enable_gqa and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = (_repeat_heads(x, query.shape[-3] // x.shape[-3]) for x in (key, value))
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    weights = _dropout(_weights(query, key, attn_mask, factor, safe=True), dropout_p)
    return matmul(weights, value)


def _repeat_heads(x: Tensor, times: int) -> Tensor:
    """Each key/value head repeated ``times`` times in place (grouped-query attention)."""
    *lead, heads, length, width = x.shape
    grown = x.unsqueeze(-3).expand(*lead, heads, times, length, width)
    return grown.reshape(*lead, heads * times, length, width)


# ----- multi-head attention ------------------------------------------------------------------


def _check_shapes(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    key_padding_mask: Tensor | None,
    attn_mask: Tensor | None,
    num_heads: int,
) -> bool:
    """Whether the inputs are batched; torch's AssertionError for inconsistent ranks."""
    if query.dim() == 3:
        _check_ranks("batched (3-D)", key, value, 3, key_padding_mask, 2, attn_mask)
        return True
    if query.dim() == 2:
        _check_ranks("unbatched (2-D)", key, value, 2, key_padding_mask, 1, attn_mask)
        if attn_mask is not None and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(
                    f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
                )
        return False
    raise AssertionError(
        "query should be unbatched 2D or batched 3D tensor but received "
        f"{query.dim()}-D query tensor"
    )


def _check_ranks(
    what: str,
    key: Tensor,
    value: Tensor,
    rank: int,
    key_padding_mask: Tensor | None,
    mask_rank: int,
    attn_mask: Tensor | None,
) -> None:
    if key.dim() != rank or value.dim() != rank:
        raise AssertionError(
            f"For {what} `query`, expected `key` and `value` to be {rank}-D but found "
            f"{key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != mask_rank:
        raise AssertionError(
            f"For {what} `query`, expected `key_padding_mask` to be `None` or {mask_rank}-D "
            f"but found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(
            f"For {what} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
            f"{attn_mask.dim()}-D tensor instead"
        )


def _project(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    separate: tuple[Tensor | None, Tensor | None, Tensor | None] | None,
) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v: the packed ``in_proj_weight`` split in three, or the separate weights."""
    biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    if separate is None:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        weights = in_proj_weight.chunk(3)
    else:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
        for name, w in zip("qkv", separate, strict=True):
            if w is None:
                raise AssertionError(
                    f"use_separate_proj_weight is True but {name}_proj_weight is None"
                )
        weights = separate
        _check_projection(query, key, value, weights, biases)
    inputs = (query, key, value)
    return tuple(linear(x, w, b) for x, w, b in zip(inputs, weights, biases, strict=True))


def _check_projection(query, key, value, weights, biases) -> None:
    """torch's shape checks of separate projection weights and biases."""
    width = query.size(-1)
    for name, x, w in zip(("query", "key", "value"), (query, key, value), weights, strict=True):
        if tuple(w.shape) != (width, x.size(-1)):
            raise AssertionError(
                f"expecting {name} weights shape of {(width, x.size(-1))}, but got {w.shape}"
            )
    for name, b in zip(("query", "key", "value"), biases, strict=True):
        if b is not None and tuple(b.shape) != (width,):
            raise AssertionError(f"expecting {name} bias shape of {(width,)}, but got {b.shape}")


def _check_attn_mask(attn_mask: Tensor, tgt_len: int, src_len: int, batch_heads: int) -> Tensor:
    """A 2-D mask as ``(1, L, S)``; a 3-D one must be ``(N * num_heads, L, S)``."""
    if attn_mask.dim() == 2:
        correct = (tgt_len, src_len)
        if tuple(attn_mask.shape) != correct:
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {correct}."
            )
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        correct = (batch_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != correct:
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {correct}."
            )
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _add_bias_kv(k, v, bias_k, bias_v, bsz: int, masks: list) -> tuple:
    """``bias_k``/``bias_v`` appended to the key and value sequences (masks padded)."""
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, bias_k.shape[-1])])
        v = cat([v, bias_v.expand(1, bsz, bias_v.shape[-1])])
        return k, v, [_pad_column(m) for m in masks]
    if bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    if bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    return k, v, masks


def _add_zero_attn(k: Tensor, v: Tensor, masks: list) -> tuple:
    """A zero key and value appended to each head's sequence (masks padded)."""
    shape = (k.shape[0], 1, k.shape[2])
    k = cat([k, zeros(shape, dtype=k.dtype)], dim=1)
    v = cat([v, zeros(shape, dtype=v.dtype)], dim=1)
    return k, v, [_pad_column(m) for m in masks]


def _merge_padding(
    attn_mask: Tensor | None, key_padding_mask: Tensor | None, bsz: int, heads: int, src: int
) -> Tensor | None:
    """The key padding mask, per batch entry and head, added to ``attn_mask``."""
    if key_padding_mask is None:
        return attn_mask
    for axis, want in ((0, bsz), (1, src)):
        if key_padding_mask.shape[axis] != want:
            raise AssertionError(
                f"Expected key_padded_mask.shape[{axis}] to be {want}, but got "
                f"{key_padding_mask.shape[axis]}"
            )
    padding = key_padding_mask.reshape(bsz, 1, 1, src).expand(bsz, heads, 1, src)
    padding = padding.reshape(bsz * heads, 1, src)
    return padding if attn_mask is None else attn_mask + padding


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention over sequence-first inputs ``(L, N, E)`` (or unbatched
    ``(L, E)``): ``(output, weights)``, weights None unless ``need_weights``."""
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _dtype_or_none(attn_mask), "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: scaled_dot_product_attention's causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        is_causal = is_causal and key_padding_mask is None
    head_dim = _head_dim(embed_dim, embed_dim_to_check, num_heads)
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, separate)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, key.shape[0], bsz * num_heads)
    if (static_k is not None or static_v is not None) and bias_k is not None:
        which = "key" if static_k is not None else "value"
        raise AssertionError(f"bias cannot be added to static {which}.")
    k, v, (attn_mask, key_padding_mask) = _add_bias_kv(
        k, v, bias_k, bias_v, bsz, [attn_mask, key_padding_mask]
    )
    heads = bsz * num_heads
    q = q.reshape(tgt_len, heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, heads, head_dim)
    v = _heads(v, static_v, heads, head_dim)
    if add_zero_attn:
        k, v, (attn_mask, key_padding_mask) = _add_zero_attn(k, v, [attn_mask, key_padding_mask])
    src_len = k.size(1)
    attn_mask = _merge_padding(attn_mask, key_padding_mask, bsz, num_heads, src_len)
    p = dropout_p if training else 0.0
    shape = (tgt_len, bsz, num_heads, head_dim, src_len)
    if need_weights:
        return _with_weights(
            q,
            k,
            v,
            attn_mask,
            p,
            shape,
            average_attn_weights,
            batched,
            (out_proj_weight, out_proj_bias),
        )
    mask = None if attn_mask is None else _per_head(attn_mask, bsz, num_heads, src_len)
    q, k, v = (x.reshape(bsz, num_heads, -1, head_dim) for x in (q, k, v))
    out = scaled_dot_product_attention(q, k, v, mask, p, is_causal and mask is None)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
    return (out if batched else out.squeeze(1)), None


def _head_dim(embed_dim: int, expected: int, num_heads: int) -> int:
    if embed_dim != expected:
        raise AssertionError(
            f"was expecting embedding dimension of {expected}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    return head_dim


def _heads(x: Tensor, static: Tensor | None, heads: int, head_dim: int) -> Tensor:
    """``(S, N, E)`` as ``(N * num_heads, S, head_dim)``, or the given static tensor."""
    if static is None:
        return x.reshape(x.shape[0], heads, head_dim).transpose(0, 1)
    if static.size(0) != heads:
        raise AssertionError(f"expecting static_k.size(0) of {heads}, but got {static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got {static.size(2)}")
    return static


def _per_head(mask: Tensor, bsz: int, num_heads: int, src_len: int) -> Tensor:
    if mask.dim() == 3 and mask.size(0) == 1:
        return mask.unsqueeze(0)
    return mask.reshape(bsz, num_heads, -1, src_len)


def _with_weights(q, k, v, attn_mask, p, shape, average, batched, out_proj) -> tuple:
    """The explicit path: the weights are computed, returned, and averaged over heads."""
    tgt_len, bsz, num_heads, head_dim, src_len = shape
    weights = _dropout(_weights(q, k, attn_mask, math.sqrt(1.0 / head_dim), False), p)
    out = matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, num_heads * head_dim)
    out = linear(out, *out_proj).view(tgt_len, bsz, -1)
    weights = weights.view(bsz, num_heads, tgt_len, src_len)
    if average:
        weights = weights.mean(dim=1)
    if not batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights
