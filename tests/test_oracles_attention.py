"""The multi-head attention oracle of spec/oracles/attention.py against torch's
``nn.MultiheadAttention`` in float64, over every option and mask kind."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spec.oracles import attention

torch = pytest.importorskip("torch")

TESTED = {"multihead_attention", "multihead_attention_work"}
"""The oracles this file holds against torch."""

L, S, N = 3, 4, 2


def _masks(kind: str, rng: np.random.Generator, heads: int, batched: bool) -> dict:
    """attn_mask and key_padding_mask of one kind (bool ones keep key 0 allowed)."""
    lead = (N,) if batched else ()
    if kind == "bool":
        attn = rng.random((L, S)) < 0.4
        padding = rng.random((*lead, S)) < 0.4
        attn[:, 0] = padding[..., 0] = False
        return {"attn_mask": attn, "key_padding_mask": padding}
    if kind == "float":
        return {
            "attn_mask": rng.normal(size=(L, S)),
            "key_padding_mask": rng.normal(size=(*lead, S)),
        }
    if kind == "3d":
        return {"attn_mask": rng.normal(size=((N if batched else 1) * heads, L, S))}
    if kind == "blocked_row":
        attn = np.zeros((L, S), bool)
        attn[1] = True
        return {"attn_mask": attn}
    if kind == "causal":
        return {"attn_mask": np.triu(np.ones((L, S), bool), 1), "is_causal": True}
    return {}


CASES = list(
    itertools.product(
        [(4, 1, None, None), (6, 2, None, None), (4, 2, 3, 5)],
        [True, False],  # bias
        [True, False],  # add_bias_kv
        [True, False],  # add_zero_attn
        [True, False],  # batch_first
        [True, False],  # batched
        ["none", "bool", "float", "3d", "blocked_row", "causal"],
    )
)


def _run(case: tuple, need_weights: bool, average: bool, seed: int) -> None:
    (embed, heads, kdim, vdim), bias, bias_kv, zero_attn, batch_first, batched, kind = case
    rng = np.random.default_rng(seed)
    module = torch.nn.MultiheadAttention(
        embed, heads, bias=bias, add_bias_kv=bias_kv, add_zero_attn=zero_attn, kdim=kdim,
        vdim=vdim, batch_first=batch_first, dtype=torch.float64,
    )  # fmt: skip
    state = {k: rng.normal(size=v.shape) for k, v in module.state_dict().items()}
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})

    def shape(length: int, width: int) -> tuple[int, ...]:
        if not batched:
            return (length, width)
        return (N, length, width) if batch_first else (length, N, width)

    q = rng.normal(size=shape(L, embed))
    k, v = rng.normal(size=shape(S, kdim or embed)), rng.normal(size=shape(S, vdim or embed))
    masks = _masks(kind, rng, heads, batched)
    options = {"need_weights": need_weights, "average_attn_weights": average}
    lib = {n: torch.from_numpy(m) if isinstance(m, np.ndarray) else m for n, m in masks.items()}
    want = module(*map(torch.from_numpy, (q, k, v)), **lib, **options)
    slots = {name.replace(".", "_"): value for name, value in state.items()}
    got = attention.multihead_attention(
        q, k, v, heads, **slots, add_zero_attn=zero_attn, batch_first=batch_first,
        **masks, **options,
    )  # fmt: skip
    for mine, theirs in zip(got, want, strict=True):
        if theirs is None:
            assert mine is None
            continue
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES[::12], ids=str)
def test_multihead_attention_with_weights(case: tuple) -> None:
    _run(case, need_weights=True, average=True, seed=3)


@pytest.mark.parametrize("case", CASES[5::12], ids=str)
def test_multihead_attention_weights_per_head(case: tuple) -> None:
    _run(case, need_weights=True, average=False, seed=7)


@pytest.mark.parametrize("case", CASES[10::12], ids=str)
def test_multihead_attention_without_weights(case: tuple) -> None:
    _run(case, need_weights=False, average=True, seed=11)


def test_multihead_attention_keeps_the_query_dtype() -> None:
    x = np.ones((2, 4), np.float32)
    w, b = np.ones((12, 4), np.float32), np.zeros(12, np.float32)
    out, weights = attention.multihead_attention(
        x, x, x, 2, in_proj_weight=w, in_proj_bias=b, out_proj_weight=np.eye(4, dtype=np.float32)
    )
    assert out.dtype == weights.dtype == np.float32


@pytest.mark.parametrize("seed", range(20))
def test_work_bounds_torch_float32_rounding(seed: int) -> None:
    """torch's float32 outputs lie within ``work * eps`` of the float64 oracle, and the
    bound stays far below the outputs' size (it would let no real error through)."""
    rng = np.random.default_rng(seed)
    embed, heads, kdim = [(4, 2, None), (6, 3, 2), (2, 1, None), (6, 2, None)][seed % 4]
    zero_attn = seed % 5 == 0
    module = torch.nn.MultiheadAttention(
        embed, heads, kdim=kdim, vdim=kdim, add_bias_kv=bool(seed % 3), add_zero_attn=zero_attn
    )
    state = {
        k: rng.uniform(-1, 1, v.shape).astype(np.float32) for k, v in module.state_dict().items()
    }
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    q = rng.uniform(-2, 2, (3, 2, embed)).astype(np.float32)
    kv = rng.uniform(-2, 2, (4, 2, kdim or embed)).astype(np.float32)
    mask = rng.uniform(-3, 3, (3, 4)).astype(np.float32)
    need = seed % 2 == 0
    got = module(
        *map(torch.from_numpy, (q, kv, kv)), attn_mask=torch.from_numpy(mask), need_weights=need
    )
    slots = {name.replace(".", "_"): value for name, value in state.items()}
    slots["add_zero_attn"] = zero_attn
    wide = [x.astype(np.float64) for x in (q, kv, kv)]
    want = attention.multihead_attention(*wide, heads, **slots, attn_mask=mask, need_weights=need)
    work = attention.multihead_attention_work(*wide, heads, **slots, attn_mask=mask)
    bound = work * np.finfo(np.float32).eps
    for mine, theirs in zip(want, got, strict=True):
        if theirs is None:
            continue
        error = np.abs(theirs.detach().numpy().astype(np.float64) - mine)
        assert error.max() <= bound, (error.max(), bound)
    assert bound < 0.01 * np.abs(want[0]).max(), bound
