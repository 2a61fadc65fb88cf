"""``reference.nn.MultiheadAttention``, ``F.multi_head_attention_forward`` and
``F.scaled_dot_product_attention`` against torch 2.13: initialisation bit for bit after the
same seed, forward values and gradients on PyTorch's own module-test inputs and on every
option, errors and warnings word for word."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import same, to_np
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


def _pair_module(kwargs: dict, dtype: str = "float64") -> tuple:
    """The module in both libraries, holding the same random parameter values."""
    t = torch.nn.MultiheadAttention(**kwargs, dtype=getattr(torch, dtype))
    r = reference.nn.MultiheadAttention(**kwargs, dtype=getattr(reference, dtype))
    state = {k: RNG.uniform(-1, 1, v.shape).astype(dtype) for k, v in t.state_dict().items()}
    t.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    r.load_state_dict({k: reference.tensor(v) for k, v in state.items()})
    return r, t


def _twin(value: np.ndarray | None, lib, requires_grad: bool = False):
    if value is None:
        return None
    x = lib.tensor(value)
    return x.requires_grad_(True) if requires_grad and value.dtype.kind == "f" else x


def _compare(r_out: tuple, t_out: tuple, ulps: float = 64) -> None:
    for a, b in zip(r_out, t_out, strict=True):
        if b is None:
            assert a is None
            continue
        scale = np.nanmax(np.abs(b.detach().numpy()), initial=1.0)
        assert_close_ulp(to_np(a), b.detach().numpy(), ulps=ulps, scale=scale)


def _forward_and_grads(kwargs: dict, inputs: dict, options: dict, dtype: str = "float64") -> None:
    """Outputs and the gradients w.r.t. query/key/value and every parameter agree."""
    r, t = _pair_module(kwargs, dtype)
    qkv = [inputs[n] for n in ("query", "key", "value")]
    masks = {n: inputs.get(n) for n in ("key_padding_mask", "attn_mask")}
    rq = [_twin(x, reference, True) for x in qkv]
    tq = [_twin(x, torch, True) for x in qkv]
    r_out = r(*rq, **{n: _twin(m, reference) for n, m in masks.items()}, **options)
    t_out = t(*tq, **{n: _twin(m, torch) for n, m in masks.items()}, **options)
    _compare(r_out, t_out)
    cot = RNG.uniform(-1, 1, t_out[0].shape)
    r_leaves, t_leaves = rq + list(r.parameters()), tq + list(t.parameters())
    r_grads = reference.autograd.grad(r_out[0], r_leaves, reference.tensor(cot.astype(dtype)))
    t_grads = torch.autograd.grad(t_out[0], t_leaves, torch.tensor(cot.astype(dtype)))
    _compare(r_grads, t_grads, ulps=256)


# ----- PyTorch's own module-test inputs (common_modules: no batch dimension) -------------------
MODULE_TEST_CASES = list(
    itertools.product([True, False], [True, False], [True, False], [None, "padding"], [None, "3d"])
)


@pytest.mark.parametrize(("bias", "bias_kv", "zero_attn", "padding", "mask"), MODULE_TEST_CASES)
@pytest.mark.parametrize("batch_first", [True, False])
def test_pytorch_module_test_inputs(bias, bias_kv, zero_attn, padding, mask, batch_first):
    kwargs = {
        "embed_dim": 3, "num_heads": 3, "batch_first": batch_first, "bias": bias,
        "add_bias_kv": bias_kv, "add_zero_attn": zero_attn,
    }  # fmt: skip
    row = np.array([False, False, True])
    inputs = {n: RNG.uniform(-3, 3, (3, 3)) for n in ("query", "key", "value")}
    inputs["key_padding_mask"] = row if padding else None
    inputs["attn_mask"] = np.broadcast_to(row, (3, 3, 3)) if mask else None
    _forward_and_grads(kwargs, inputs, {})


# ----- every option ------------------------------------------------------------------------
OPTIONS = list(
    itertools.product(
        [(4, 2, None, None), (4, 1, 3, 2)],
        [True, False],  # batch_first
        [True, False],  # need_weights
        [True, False],  # average_attn_weights
        ["bool", "float", "3d", "causal"],
    )
)


@pytest.mark.parametrize("case", OPTIONS[::3], ids=str)
def test_options_forward_and_gradients(case):
    (embed, heads, kdim, vdim), batch_first, need, average, kind = case
    kwargs = {
        "embed_dim": embed, "num_heads": heads, "kdim": kdim, "vdim": vdim,
        "batch_first": batch_first, "add_bias_kv": heads == 2, "add_zero_attn": kind == "3d",
    }  # fmt: skip
    lead = (2, 3) if batch_first else (3, 2)
    src = (2, 4) if batch_first else (4, 2)
    inputs = {
        "query": RNG.uniform(-2, 2, (*lead, embed)),
        "key": RNG.uniform(-2, 2, (*src, kdim or embed)),
        "value": RNG.uniform(-2, 2, (*src, vdim or embed)),
    }
    options = {"need_weights": need, "average_attn_weights": average}
    if kind == "bool":
        inputs["attn_mask"] = RNG.random((3, 4)) < 0.4
        inputs["key_padding_mask"] = RNG.random((2, 4)) < 0.4
        inputs["attn_mask"][:, 0] = inputs["key_padding_mask"][:, 0] = False
    elif kind == "float":
        inputs["attn_mask"] = RNG.normal(size=(3, 4))
        inputs["key_padding_mask"] = RNG.normal(size=(2, 4))
    elif kind == "3d":
        inputs["attn_mask"] = RNG.normal(size=(2 * heads, 3, 4))
    else:
        inputs["attn_mask"] = np.triu(np.ones((3, 4), bool), 1)
        options["is_causal"] = True
    _forward_and_grads(kwargs, inputs, options)


def test_float32_forward():
    r, t = _pair_module({"embed_dim": 6, "num_heads": 2}, "float32")
    x = RNG.uniform(-2, 2, (4, 3, 6)).astype(np.float32)
    _compare(r(*[reference.tensor(x)] * 3), t(*[torch.tensor(x)] * 3), ulps=256)


def test_second_derivatives():
    r, t = _pair_module({"embed_dim": 4, "num_heads": 2, "add_bias_kv": True})
    x = RNG.uniform(-1, 1, (3, 2, 4))
    rx, tx = reference.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    firsts = []
    for lib, module, leaf in ((reference, r, rx), (torch, t, tx)):
        out = module(leaf, leaf, leaf)[0]
        (g,) = lib.autograd.grad((out**2).sum(), [leaf], create_graph=True)
        firsts.append(lib.autograd.grad((g**2).sum(), [leaf, module.in_proj_weight]))
    _compare(*firsts, ulps=1024)


# ----- initialisation ------------------------------------------------------------------------
INITS = {
    "default": lambda m: m.nn.MultiheadAttention(4, 2),
    "separate": lambda m: m.nn.MultiheadAttention(6, 3, kdim=2, vdim=5),
    "bias_kv": lambda m: m.nn.MultiheadAttention(4, 4, add_bias_kv=True, bias=False),
    "float64": lambda m: m.nn.MultiheadAttention(8, 2, dtype=m.float64, batch_first=True),
}


@pytest.mark.parametrize("case", sorted(INITS))
def test_default_initialisation_is_bit_exact(case):
    def fn(m):
        module = INITS[case](m)
        return list(module.named_parameters()), module.state_dict(), m.rand(3)

    same(fn)


def test_repr_and_attributes():
    def fn(m):
        module = m.nn.MultiheadAttention(6, 3, kdim=2, add_zero_attn=True, dropout=0.25)
        attrs = ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first")
        return repr(module), [getattr(module, a) for a in attrs], module._qkv_same_embed_dim

    same(fn)


# ----- errors and warnings -------------------------------------------------------------------
ERRORS = {
    "not_divisible": lambda m: m.nn.MultiheadAttention(5, 2),
    "zero_heads": lambda m: m.nn.MultiheadAttention(4, 0),
    "rank": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(3, 1, 4), m.ones(3, 4), m.ones(3, 4)),
    "unbatched_rank": lambda m: m.nn.MultiheadAttention(4, 2)(
        m.ones(3, 4), m.ones(3, 4), m.ones(3, 1, 4)
    ),
    "query_rank": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(4), m.ones(4), m.ones(4)),
    "embed": lambda m: m.nn.MultiheadAttention(4, 2)(*[m.ones(3, 2, 3)] * 3),
    "mask_2d": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 2, 4)] * 3, attn_mask=m.zeros(3, 2)
    ),
    "mask_3d": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 2, 4)] * 3, attn_mask=m.zeros(2, 3, 3)
    ),
    "mask_4d": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 2, 4)] * 3, attn_mask=m.zeros(1, 4, 3, 3)
    ),
    "unbatched_mask_3d": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 4)] * 3, attn_mask=m.zeros(4, 3, 3)
    ),
    "int_mask": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 4)] * 3, key_padding_mask=m.zeros(3, dtype=m.int64)
    ),
    "padding_shape": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 2, 4)] * 3, key_padding_mask=m.zeros(3, 3, dtype=m.bool)
    ),
    "padding_rank": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 4)] * 3, key_padding_mask=m.zeros(1, 3, dtype=m.bool)
    ),
    "causal_hint_alone": lambda m: m.nn.MultiheadAttention(4, 2)(
        *[m.ones(3, 4)] * 3, is_causal=True
    ),
    "key_value": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(3, 4), m.ones(3, 4), m.ones(2, 4)),
    "separate_key_value": lambda m: m.nn.MultiheadAttention(4, 2, kdim=3, vdim=5)(
        m.ones(3, 4), m.ones(3, 3), m.ones(2, 5)
    ),
    "mismatched_masks_warn": lambda m: (
        m.nn.MultiheadAttention(4, 2)(
            *[m.ones(3, 4)] * 3, key_padding_mask=m.zeros(3, dtype=m.bool), attn_mask=m.zeros(3, 3)
        )[0].shape
    ),
    "sdpa_causal_and_mask": lambda m: m.nn.functional.scaled_dot_product_attention(
        *[m.ones(1, 3, 4)] * 3, attn_mask=m.zeros(3, 3), is_causal=True
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_and_warnings(case):
    same(ERRORS[case])


# ----- functional forms ----------------------------------------------------------------------
def test_multi_head_attention_forward_with_static_keys():
    x = RNG.uniform(-1, 1, (3, 2, 4))
    w, b = RNG.uniform(-1, 1, (12, 4)), RNG.uniform(-1, 1, 12)
    ow, ob = RNG.uniform(-1, 1, (4, 4)), RNG.uniform(-1, 1, 4)
    sk, sv = RNG.uniform(-1, 1, (4, 5, 2)), RNG.uniform(-1, 1, (4, 5, 2))
    outs = []
    for lib in (reference, torch):
        t = [lib.tensor(a) for a in (x, w, b, ow, ob, sk, sv)]
        outs.append(
            lib.nn.functional.multi_head_attention_forward(
                t[0],
                t[0],
                t[0],
                4,
                2,
                t[1],
                t[2],
                None,
                None,
                False,
                0.0,
                t[3],
                t[4],
                static_k=t[5],
                static_v=t[6],
                average_attn_weights=False,
            )  # fmt: skip
        )
    _compare(*outs)


SDPA = list(itertools.product(["none", "bool", "float", "causal", "blocked"], [None, 0.3]))


@pytest.mark.parametrize(("mask", "scale"), SDPA)
def test_scaled_dot_product_attention(mask, scale):
    q, k, v = (RNG.uniform(-2, 2, (2, 3, n, 4)) for n in (3, 5, 5))
    bits = RNG.random((3, 5)) < 0.5
    if mask == "blocked":
        bits[1] = False  # sdpa's bool masks: True means allowed
    masks = {"none": None, "bool": bits, "float": RNG.normal(size=(3, 5)), "blocked": bits}
    outs, grads = [], []
    for lib in (reference, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        m = masks.get(mask)
        out = lib.nn.functional.scaled_dot_product_attention(
            *leaves, attn_mask=None if m is None else lib.tensor(m), is_causal=mask == "causal",
            scale=scale,
        )  # fmt: skip
        outs.append((out,))
        grads.append(lib.autograd.grad((out**2).sum(), leaves))
    _compare(*outs)
    _compare(*grads, ulps=256)
