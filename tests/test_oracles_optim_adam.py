"""The Adam-family update rules of spec/oracles/optim_adam.py agree with PyTorch: several
steps of torch's optimizer (float64) against the rule applied step by step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from spec.oracles import optim_adam as oracles

torch = pytest.importorskip("torch")

TESTED = {"adam", "adamw", "adamax", "sparse_adam"}

STEPS = 6
ADAM = [
    {},
    {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.1, "amsgrad": True, "maximize": True},
    {"lr": 0.2, "amsgrad": True, "weight_decay": 0.05, "eps": 1e-3},
]
ADAMW = [
    {},
    {"lr": 0.1, "weight_decay": 0.0},
    {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True},
    {"lr": 0.1, "betas": (0.5, 0.9), "maximize": True},
]
ADAMAX = [
    {},
    {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-3},
    {"lr": 0.05, "weight_decay": 0.1, "maximize": True},
]
SPARSE_ADAM = [
    {},
    {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-3},
    {"lr": 0.05, "maximize": True},
]


def _gradients(seed: int, shape: tuple[int, ...], sparse: bool) -> list[np.ndarray]:
    """Gradients for every step; with ``sparse``, many exact zeros and one all-zero step."""
    rng = np.random.default_rng(seed)
    grads = [rng.uniform(-1, 1, shape) for _ in range(STEPS)]
    if sparse:
        grads = [g * (rng.uniform(size=shape) < 0.5) for g in grads]
        grads[2] = np.zeros(shape)
    return grads


def _trajectory(name: str, rule: Any, options: dict[str, Any], seed: int) -> None:
    """torch's parameter and state after every step against the rule's."""
    sparse = name == "SparseAdam"
    p0 = np.random.default_rng(seed + 100).uniform(-2, 2, (3, 4))
    leaf = torch.tensor(p0, requires_grad=True)
    opt = getattr(torch.optim, name)([leaf], **options)
    param, state = p0, {}
    for step, grad in enumerate(_gradients(seed, p0.shape, sparse), start=1):
        g = torch.from_numpy(grad)
        leaf.grad = g.to_sparse() if sparse else g
        opt.step()
        param, state = rule(param, grad, state, step, **options)
        np.testing.assert_allclose(leaf.detach().numpy(), param, rtol=1e-12, atol=1e-14)
        got = opt.state[leaf]
        assert set(got) == set(state)
        for key, want in state.items():
            value = got[key].numpy() if torch.is_tensor(got[key]) else np.asarray(got[key])
            np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("options", ADAM)
def test_adam(options: dict[str, Any], seed: int) -> None:
    _trajectory("Adam", oracles.adam, options, seed)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("options", ADAMW)
def test_adamw(options: dict[str, Any], seed: int) -> None:
    _trajectory("AdamW", oracles.adamw, options, seed)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("options", ADAMAX)
def test_adamax(options: dict[str, Any], seed: int) -> None:
    _trajectory("Adamax", oracles.adamax, options, seed)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("options", SPARSE_ADAM)
def test_sparse_adam(options: dict[str, Any], seed: int) -> None:
    _trajectory("SparseAdam", oracles.sparse_adam, options, seed)


def test_sparse_adam_step_is_an_int_and_counts_empty_steps() -> None:
    p = np.ones(3, np.float32)
    new, state = oracles.sparse_adam(p, np.zeros(3, np.float32), {}, 1)
    assert state["step"] == 1 and isinstance(state["step"], int)
    assert new.dtype == np.float32 and (new == p).all()


@pytest.mark.parametrize("rule", [oracles.adam, oracles.adamw, oracles.adamax])
def test_float32_parameters_keep_their_dtype(rule: Any) -> None:
    new, _ = rule(np.ones(3, np.float32), np.full(3, 0.5, np.float32), {}, 1)
    assert new.dtype == np.float32
