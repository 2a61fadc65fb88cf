"""The loss oracles of spec/oracles/loss.py agree with PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from spec.oracles import loss

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "kl_div",
    "l1_loss",
    "loss_magnitude",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
}

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(8)


def _t(x: Any) -> Any:
    return torch.from_numpy(np.asarray(x)) if isinstance(x, np.ndarray) else x


def _check(mine: np.ndarray, theirs: Any) -> None:
    want = theirs.detach().numpy()
    assert mine.dtype == want.dtype and mine.shape == want.shape
    np.testing.assert_allclose(mine, want, rtol=1e-10, atol=1e-12)


def _classes(c: int, *shape: int, ignore: bool = False) -> np.ndarray:
    t = RNG.integers(0, c, shape)
    if ignore:
        t.reshape(-1)[::3] = -100
    return t


def _probs(*shape: int) -> np.ndarray:
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_regression(reduction: str) -> None:
    x, y = RNG.normal(size=(4, 5)), RNG.normal(size=(5,))
    with pytest.warns(UserWarning):
        _check(loss.l1_loss(x, y, reduction), F.l1_loss(_t(x), _t(y), reduction=reduction))
    with pytest.warns(UserWarning):
        _check(loss.mse_loss(x, y, reduction), F.mse_loss(_t(x), _t(y), reduction=reduction))
    y = np.concatenate([RNG.normal(size=(4, 3)), x[:, 3:] + [0.5, -0.5]], axis=1)  # |d| = beta
    for beta in (0.0, 0.5, 2.0):
        want = F.smooth_l1_loss(_t(x), _t(y), reduction=reduction, beta=beta)
        _check(loss.smooth_l1_loss(x, y, reduction, beta), want)


CE_CASES: dict[str, Callable[[], tuple]] = {
    "indices": lambda: (RNG.normal(size=(5, 4)), _classes(4, 5, ignore=True), None, 0.0),
    "weighted_smoothed": lambda: (
        RNG.normal(size=(5, 4)) * 30,
        _classes(4, 5, ignore=True),
        RNG.uniform(0.1, 2, 4),
        0.25,
    ),
    "kdim": lambda: (
        RNG.normal(size=(2, 3, 4, 2)),
        _classes(3, 2, 4, 2),
        RNG.uniform(0, 1, 3),
        0.1,
    ),
    "unbatched": lambda: (RNG.normal(size=6), np.array(2), RNG.uniform(0, 1, 6), 0.3),
    "probabilities": lambda: (
        RNG.normal(size=(3, 4, 2)),
        _probs(3, 4, 2),
        RNG.uniform(0, 1, 4),
        0.2,
    ),
    "large_logits": lambda: (RNG.normal(size=(4, 3)) * 1e4, _classes(3, 4), None, 0.0),
    "all_ignored": lambda: (RNG.normal(size=(3, 3)), np.full(3, -100), None, 0.1),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CE_CASES))
def test_cross_entropy_and_nll(name: str, reduction: str) -> None:
    x, t, w, smoothing = CE_CASES[name]()
    want = F.cross_entropy(_t(x), _t(t), _t(w), reduction=reduction, label_smoothing=smoothing)
    _check(loss.cross_entropy(x, t, w, -100, reduction, smoothing), want)
    if x.shape != t.shape:
        logp = F.log_softmax(_t(x), dim=0 if x.ndim == 1 else 1)
        ignore = -100 if (t == -100).any() else 1
        want = F.nll_loss(logp, _t(t), _t(w), ignore_index=ignore, reduction=reduction)
        _check(loss.nll_loss(logp.numpy(), t, w, ignore, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("log_input", "full"), [(True, False), (False, True), (True, True)])
def test_poisson_nll(log_input: bool, full: bool, reduction: str) -> None:
    x = RNG.normal(size=(3, 4)) if log_input else RNG.uniform(0, 3, (3, 4))
    t = RNG.poisson(2.0, (3, 4)).astype(np.float64)
    want = F.poisson_nll_loss(_t(x), _t(t), log_input, full, eps=1e-3, reduction=reduction)
    _check(loss.poisson_nll_loss(x, t, log_input, full, 1e-3, reduction), want)


@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(log_target: bool, reduction: str) -> None:
    x = np.log(_probs(3, 4))
    t = np.log(_probs(3, 4)) if log_target else _probs(3, 4)
    if not log_target:
        t[0, 0] = 0.0
    want = F.kl_div(_t(x), _t(t), reduction=reduction, log_target=log_target)
    _check(loss.kl_div(x, t, reduction, log_target), want)


def test_kl_div_mean_and_scalar_batchmean() -> None:
    x, t = np.log(_probs(3, 4)), _probs(3, 4)
    with pytest.warns(UserWarning):
        _check(loss.kl_div(x, t, "mean"), F.kl_div(_t(x), _t(t), reduction="mean"))
    x0, t0 = np.array(-1.0), np.array(0.5)
    _check(loss.kl_div(x0, t0, "batchmean"), F.kl_div(_t(x0), _t(t0), reduction="batchmean"))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction: str) -> None:
    x = np.concatenate([RNG.uniform(0, 1, 6), [0.0, 1.0, 0.0, 1.0]])
    t = np.concatenate([RNG.uniform(0, 1, 6), [0.0, 1.0, 1.0, 0.0]])
    w = RNG.uniform(0, 2, 10)
    for weight in (None, w):
        want = F.binary_cross_entropy(_t(x), _t(t), _t(weight), reduction=reduction)
        _check(loss.binary_cross_entropy(x, t, weight, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction: str) -> None:
    x = np.concatenate([RNG.normal(size=(3, 4)) * 40, [[-800.0, 800, 0, -30]]])
    t = np.concatenate([RNG.uniform(0, 1, (3, 4)), [[0.0, 1, 0.5, 1]]])
    w, pw = RNG.uniform(0, 2, (4, 4)), RNG.uniform(0.2, 4, 4)
    for weight, pos_weight in ((None, None), (w, pw), (None, pw)):
        want = F.binary_cross_entropy_with_logits(
            _t(x), _t(t), _t(weight), reduction=reduction, pos_weight=_t(pos_weight)
        )
        _check(loss.binary_cross_entropy_with_logits(x, t, weight, pos_weight, reduction), want)


def test_float32_in_float32_out() -> None:
    x, t = np.ones((2, 3), np.float32), np.zeros(2, np.int64)
    assert loss.cross_entropy(x, t).dtype == np.float32
    assert loss.mse_loss(x, x, "none").dtype == np.float32


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
def test_loss_magnitude(reduction: str) -> None:
    x = torch.from_numpy(RNG.normal(size=(3, 4)))
    want = {"none": x.abs(), "mean": x.abs().mean(), "sum": x.abs().sum()}
    want["batchmean"] = x.abs().sum() / 3
    _check(loss.loss_magnitude(x.numpy(), reduction), want[reduction])
    assert loss.loss_magnitude(np.zeros(0), "mean") == 0
