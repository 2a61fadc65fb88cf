"""The softmax-family oracles of spec/oracles/softmax.py agree with PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from spec.oracles import softmax as oracles

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {
    "softmax_dim",
    "softmax",
    "log_softmax",
    "softmin",
    "glu",
    "adaptive_log_prob",
    "adaptive_log_softmax",
    "adaptive_predict",
}

SHAPES_DIMS = [((5,), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1), ((2, 3, 4, 5), -1), ((), 0)]


def _close(actual: np.ndarray, expected: torch.Tensor, rtol: float = 1e-12) -> None:
    want = expected.detach().numpy()
    assert actual.dtype == want.dtype
    np.testing.assert_allclose(actual, want, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(("shape", "dim"), SHAPES_DIMS)
def test_softmax_family(name: str, shape: tuple, dim: int) -> None:
    x = np.random.default_rng(len(shape)).normal(scale=4.0, size=shape)
    _close(getattr(oracles, name)(x, dim), getattr(F, name)(torch.from_numpy(x), dim))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_large_logits_stay_finite(name: str) -> None:
    x = np.array([[1000.0, 0.0, -1000.0], [3.0e4, 3.0e4 - 1.0, -5.0e4]])
    got = getattr(oracles, name)(x, 1)
    assert np.isfinite(got).all()
    _close(got, getattr(F, name)(torch.from_numpy(x), 1))


@pytest.mark.parametrize("ndim", range(5))
def test_implicit_dim_is_torchs(ndim: int) -> None:
    x = np.random.default_rng(ndim).normal(size=(2, 3, 4, 5)[:ndim])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = F.softmax(torch.from_numpy(x))
    _close(oracles.softmax(x), want)
    assert oracles.softmax_dim(ndim) == (0 if ndim in (0, 1, 3) else 1)


@pytest.mark.parametrize(("source", "target"), [(np.float32, "float64"), (np.float64, "float32")])
def test_dtype_casts_before_the_op(source: type, target: str) -> None:
    x = np.random.default_rng(1).normal(size=(3, 5)).astype(source)
    want = F.log_softmax(torch.from_numpy(x), 1, dtype=getattr(torch, target))
    _close(oracles.log_softmax(x, 1, dtype=target), want, rtol=1e-6)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu(dim: int) -> None:
    x = np.random.default_rng(dim + 3).normal(scale=3.0, size=(4, 6))
    _close(oracles.glu(x, dim), F.glu(torch.from_numpy(x), dim))


def test_float32_results_keep_the_dtype() -> None:
    x = np.ones((2, 4), np.float32)
    for fn in (oracles.softmax, oracles.log_softmax, oracles.softmin, oracles.glu):
        assert fn(x, 1).dtype == np.float32


ADAPTIVE = [(6, 10, [2], 4.0, False), (8, 12, [3, 7], 2.0, True), (5, 9, [1, 2, 8], 1.5, True)]


def _asm(in_features: int, n_classes: int, cutoffs: list, div: float, bias: bool) -> tuple:
    torch.manual_seed(in_features)
    module = torch.nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, cutoffs, div_value=div, head_bias=bias, dtype=torch.float64
    )
    params = dict(module.named_parameters())
    tail = [p.detach().numpy() for name, p in params.items() if name.startswith("tail.")]
    head_bias = params["head.bias"].detach().numpy() if bias else None
    return module, (cutoffs, params["head.weight"].detach().numpy(), head_bias, tail)


@pytest.mark.parametrize("config", ADAPTIVE, ids=str)
def test_adaptive_forward_and_log_prob(config: tuple) -> None:
    module, weights = _asm(*config)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, config[0]))
    target = rng.integers(0, config[1], size=7)
    output, loss = module(torch.from_numpy(x), torch.from_numpy(target))
    got_output, got_loss = oracles.adaptive_log_softmax(x, target, *weights)
    _close(got_output, output)
    _close(got_loss, loss)
    _close(oracles.adaptive_log_prob(x, *weights), module.log_prob(torch.from_numpy(x)))
    np.testing.assert_array_equal(
        oracles.adaptive_predict(x, *weights), module.predict(torch.from_numpy(x)).numpy()
    )


def test_adaptive_unbatched() -> None:
    module, weights = _asm(*ADAPTIVE[1])
    x = np.random.default_rng(2).normal(size=8)
    output, loss = module(torch.from_numpy(x), torch.tensor(9))
    got_output, got_loss = oracles.adaptive_log_softmax(x, np.int64(9), *weights)
    assert got_output.shape == ()
    _close(got_output, output)
    _close(got_loss, loss)
