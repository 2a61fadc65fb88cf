"""The normalization oracles of spec/oracles/normalization.py against PyTorch: outputs in
float64, running statistics after a training forward, and the rounding bounds
(``*_magnitude``) holding torch's float32 results."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import normalization as ora

torch = pytest.importorskip("torch")
F = torch.nn.functional

SEEDS = range(4)
EPS32 = float(np.finfo(np.float32).eps)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _t(a: np.ndarray | None):
    return None if a is None else torch.from_numpy(np.array(a))


def _close(actual: np.ndarray, expected, rtol: float = 1e-10) -> None:
    want = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    np.testing.assert_allclose(actual, want, rtol=rtol, atol=1e-12)


def _data(rng: np.random.Generator, shape: tuple[int, ...], shift: float = 0.0) -> np.ndarray:
    return rng.normal(shift, rng.uniform(0.1, 3), size=shape)


def _within_bound(got32, want: np.ndarray, terms: np.ndarray, magnitude: np.ndarray) -> None:
    """torch's float32 result stays within ``terms * eps * magnitude`` of the float64 one
    (plus the rounding of the result itself)."""
    err = np.abs(got32.detach().numpy().astype(np.float64) - want)
    bound = terms * EPS32 * magnitude + EPS32 * np.abs(want) + 1e-30
    assert np.all(err <= bound), (err.max(), bound[err > bound][:3])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 6), (2, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(seed: int, shape: tuple, training: bool) -> None:
    rng = _rng(seed)
    x = _data(rng, shape, shift=rng.uniform(-5, 5))
    c = shape[1]
    rm, rv = rng.normal(size=c), rng.uniform(0.2, 3, size=c)
    w, b = rng.normal(size=c), rng.normal(size=c)
    momentum = 0.3
    trm, trv = _t(rm), _t(rv)
    got = F.batch_norm(_t(x), trm, trv, _t(w), _t(b), training, momentum, 1e-3)
    _close(ora.batch_norm(x, rm, rv, w, b, training, momentum, 1e-3), got)
    if training:
        mean, var = ora.batch_norm_running(x, rm, rv, momentum)
        _close(mean, trm)
        _close(var, trv)


def test_batch_norm_without_running_stats_or_affine() -> None:
    x = _data(_rng(7), (6, 4, 3))
    got = F.batch_norm(_t(x), None, None, training=True)
    _close(ora.batch_norm(x, training=True), got)
    _close(ora.batch_norm(x, None, None, training=False), got)  # no running stats: batch ones


@pytest.mark.parametrize("batches", [0, 1, 4])
def test_batch_norm_running_cumulative_average(batches: int) -> None:
    rng = _rng(batches)
    x = _data(rng, (5, 3, 2))
    module = torch.nn.BatchNorm1d(3, momentum=None, dtype=torch.float64)
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    module.load_state_dict(
        {
            "weight": _t(np.ones(3)),
            "bias": _t(np.zeros(3)),
            "running_mean": _t(rm),
            "running_var": _t(rv),
            "num_batches_tracked": torch.tensor(batches),
        }
    )
    module(_t(x))
    mean, var = ora.batch_norm_running(x, rm, rv, None, np.asarray(batches))
    _close(mean, module.running_mean)
    _close(var, module.running_var)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_magnitude_bounds_float32(seed: int, training: bool) -> None:
    rng = _rng(seed)
    x = _data(rng, (8, 3, 5), shift=rng.choice([0.0, 50.0, -300.0]))
    rm, rv = rng.normal(size=3) * 10, rng.uniform(0.01, 3, size=3)
    w, b = rng.normal(size=3), rng.normal(size=3)
    args32 = [torch.from_numpy(a.astype(np.float32)) for a in (x, rm, rv, w, b)]
    got = F.batch_norm(*args32, training=training)
    x, rm, rv, w, b = (a.numpy().astype(np.float64) for a in args32)
    want = ora.batch_norm(x, rm, rv, w, b, training)
    terms = ora.batch_norm_terms(x, rm, rv, training)
    assert np.all(terms >= (44 if training else 4))
    _within_bound(got, want, terms, ora.batch_norm_magnitude(x, rm, rv, w, b, training))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm(seed: int, use_input_stats: bool) -> None:
    rng = _rng(seed)
    x = _data(rng, (3, 2, 4, 2), shift=rng.uniform(-3, 3))
    rm, rv = rng.normal(size=2), rng.uniform(0.2, 3, size=2)
    w, b = rng.normal(size=2), rng.normal(size=2)
    trm, trv = _t(rm), _t(rv)
    got = F.instance_norm(_t(x), trm, trv, _t(w), _t(b), use_input_stats, 0.2, 1e-4)
    _close(ora.instance_norm(x, rm, rv, w, b, use_input_stats, 0.2, 1e-4), got)
    if use_input_stats:
        mean, var = ora.instance_norm_running(x, rm, rv, 0.2)
        _close(mean, trm)
        _close(var, trv)
    x32 = torch.from_numpy(x.astype(np.float32))
    got32 = F.instance_norm(
        x32, _t(rm.astype(np.float32)), _t(rv.astype(np.float32)), use_input_stats=use_input_stats
    )
    x = x32.numpy().astype(np.float64)
    rm, rv = rm.astype(np.float32), rv.astype(np.float32)
    want = ora.instance_norm(x, rm, rv, None, None, use_input_stats)
    magnitude = ora.instance_norm_magnitude(x, rm, rv, None, None, use_input_stats)
    terms = ora.instance_norm_terms(x, rm, rv, use_input_stats)
    _within_bound(got32, want, terms, magnitude)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(5,), (2, 5), (3, 2, 4)])
def test_layer_norm(seed: int, shape: tuple) -> None:
    rng = _rng(seed)
    x = _data(rng, (4, *shape), shift=rng.uniform(-100, 100))
    w, b = rng.normal(size=shape), rng.normal(size=shape)
    got = F.layer_norm(_t(x), shape, _t(w), _t(b), 1e-5)
    _close(ora.layer_norm(x, shape, w, b), got)
    _close(ora.layer_norm(x, shape), F.layer_norm(_t(x), shape))
    x32 = torch.from_numpy(x.astype(np.float32))
    got32 = F.layer_norm(x32, shape, _t(w.astype(np.float32)), _t(b.astype(np.float32)))
    x, w, b = x32.numpy().astype(np.float64), w.astype(np.float32), b.astype(np.float32)
    terms = ora.layer_norm_terms(x, shape)
    magnitude = ora.layer_norm_magnitude(x, shape, w, b)
    _within_bound(got32, ora.layer_norm(x, shape, w, b), terms, magnitude)


def test_layer_norm_takes_an_int_shape() -> None:
    x = _data(_rng(3), (3, 6))
    _close(ora.layer_norm(x, 6), F.layer_norm(_t(x), (6,)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("shape", "groups"), [((3, 6), 2), ((2, 6, 4), 3), ((2, 4, 2, 3), 1)])
def test_group_norm(seed: int, shape: tuple, groups: int) -> None:
    rng = _rng(seed)
    x = _data(rng, shape, shift=rng.uniform(-20, 20))
    w, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    _close(ora.group_norm(x, groups, w, b, 1e-3), F.group_norm(_t(x), groups, _t(w), _t(b), 1e-3))
    x32 = torch.from_numpy(x.astype(np.float32))
    got32 = F.group_norm(x32, groups, _t(w.astype(np.float32)), _t(b.astype(np.float32)))
    x, w, b = x32.numpy().astype(np.float64), w.astype(np.float32), b.astype(np.float32)
    terms = ora.group_norm_terms(x, groups)
    magnitude = ora.group_norm_magnitude(x, groups, w, b)
    _within_bound(got32, ora.group_norm(x, groups, w, b), terms, magnitude)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 6, 2, 3), (1, 4, 2, 2, 2)])
def test_local_response_norm(size: int, shape: tuple) -> None:
    rng = _rng(size)
    x = rng.normal(size=shape) * 3
    alpha, beta, k = rng.uniform(0.1, 2), rng.uniform(0.2, 1.5), rng.uniform(0.5, 2)
    got = F.local_response_norm(_t(x), size, alpha, beta, k)
    _close(ora.local_response_norm(x, size, alpha, beta, k), got)


@pytest.mark.parametrize("p", [0, 1, 1.5, 2, 3, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalize(p: float, dim: int) -> None:
    x = _rng(5).normal(size=(3, 4, 2))
    x[0, 0, 0] = 0.0
    _close(ora.normalize(x, p, dim), F.normalize(_t(x), p, dim))


def test_normalize_clamps_small_norms_at_eps() -> None:
    x = np.zeros((2, 3))
    x[1] = [1e-9, -2e-9, 0]
    _close(ora.normalize(x, 2.0, 1, 1e-6), F.normalize(_t(x), 2.0, 1, 1e-6))


def test_oracles_keep_the_input_dtype() -> None:
    x = np.ones((2, 3, 2), np.float32)
    assert ora.batch_norm(x, training=True).dtype == np.float32
    assert ora.normalize(x).dtype == np.float32


TESTED = {
    "batch_norm",
    "batch_norm_magnitude",
    "batch_norm_running",
    "batch_norm_terms",
    "group_norm",
    "group_norm_magnitude",
    "group_norm_terms",
    "instance_norm",
    "instance_norm_magnitude",
    "instance_norm_running",
    "instance_norm_terms",
    "layer_norm",
    "layer_norm_magnitude",
    "layer_norm_terms",
    "local_response_norm",
    "normalize",
}


def test_terms_grow_with_the_variance_conditioning() -> None:
    """Values clustered far from zero (a variance computed by cancellation) count more terms."""
    rng = _rng(9)
    spread = rng.normal(size=(6, 2))
    near, far = (
        ora.batch_norm_terms(spread, training=True),
        ora.batch_norm_terms(spread + 1000.0, training=True),
    )
    assert near.max() < 100 < 1000 < far.min()
    assert np.array_equal(ora.layer_norm_terms(spread, 2).shape, spread.shape)
