"""``reference.nn`` losses (L1, MSE, SmoothL1, Huber, CrossEntropy, NLL, PoissonNLL, KLDiv, BCE,
BCEWithLogits) against torch 2.13, on inputs like PyTorch's own module tests: values of every
reduction within a few ulp, gradients with respect to the input (and the target where torch
differentiates it), the awkward points (kinks, clamped logs, large logits, ignored classes),
errors and warnings with torch's classes and messages, and the modules' reprs and buffers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import outcome, to_np
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(38)


def _uniform(low: float, high: float, *shape: int) -> np.ndarray:
    return RNG.uniform(low, high, shape)


def _classes(high: int, *shape: int) -> np.ndarray:
    return RNG.integers(0, high, shape)


def _probs(*shape: int, dim: int = 1) -> np.ndarray:
    e = np.exp(RNG.normal(size=shape))
    return e / e.sum(axis=dim, keepdims=True)


def _ignored(target: np.ndarray, every: int = 3) -> np.ndarray:
    """``target`` with every ``every``-th position set to -100 (the default ignore_index)."""
    out = target.copy()
    out.reshape(-1)[::every] = -100
    return out


def _lib_tensor(lib: Any, value: Any, dtype: str, grad: bool) -> Any:
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype.kind in "iu":
        return lib.tensor(value)
    return lib.tensor(value.astype(dtype), requires_grad=grad)


# name -> (call(lib, input, target, *extra), input, target, extra arrays, grad wrt target)
Call = Callable[..., Any]
CASES: dict[str, tuple[Call, np.ndarray, np.ndarray, tuple, bool]] = {}


def case(name: str, call: Call, x: np.ndarray, t: np.ndarray, *extra: Any, target_grad=False):
    CASES[name] = (call, x, t, extra, target_grad)


for red in ("mean", "sum", "none"):
    x, y = _uniform(-2, 2, 4, 5), _uniform(-2, 2, 4, 5)
    case(f"l1_{red}", lambda m, a, b, r=red: m.nn.L1Loss(reduction=r)(a, b), x, y, target_grad=True)
    case(
        f"mse_{red}", lambda m, a, b, r=red: m.nn.MSELoss(reduction=r)(a, b), x, y, target_grad=True
    )
    case(
        f"smooth_l1_{red}",
        lambda m, a, b, r=red: m.nn.SmoothL1Loss(reduction=r, beta=0.5)(a, b),
        x,
        y,
        target_grad=True,
    )
    case(
        f"huber_{red}",
        lambda m, a, b, r=red: m.nn.functional.huber_loss(a, b, reduction=r, delta=0.7),
        x,
        y,
    )
    logits, cls = _uniform(-3, 3, 5, 4), _classes(4, 5)
    weight = _uniform(0.2, 2, 4)
    case(f"nll_{red}", lambda m, a, b, r=red: m.nn.NLLLoss(reduction=r)(a, b), logits, cls)
    case(
        f"nll_weighted_ignored_{red}",
        lambda m, a, b, w, r=red: m.nn.NLLLoss(weight=w, reduction=r)(a, b),
        logits,
        _ignored(cls),
        weight,
    )
    case(
        f"nll_kdim_{red}",
        lambda m, a, b, w, r=red: m.nn.NLLLoss(weight=w, reduction=r, ignore_index=1)(a, b),
        _uniform(-3, 3, 2, 4, 3, 2),
        _classes(4, 2, 3, 2),
        weight,
    )
    case(
        f"ce_{red}",
        lambda m, a, b, r=red: m.nn.CrossEntropyLoss(reduction=r)(a, b),
        logits,
        _ignored(cls),
    )
    case(
        f"ce_weighted_smoothed_{red}",
        lambda m, a, b, w, r=red: m.nn.CrossEntropyLoss(weight=w, reduction=r, label_smoothing=0.3)(
            a, b
        ),
        logits,
        _ignored(cls),
        weight,
    )
    case(
        f"ce_smoothed_{red}",
        lambda m, a, b, r=red: m.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2)(a, b),
        _uniform(-3, 3, 2, 4, 3),
        _ignored(_classes(4, 2, 3), 2),
    )
    case(
        f"ce_probabilities_{red}",
        lambda m, a, b, w, r=red: m.nn.CrossEntropyLoss(weight=w, reduction=r, label_smoothing=0.1)(
            a, b
        ),
        _uniform(-3, 3, 3, 4, 2),
        _probs(3, 4, 2),
        weight,
        target_grad=True,
    )
    case(
        f"poisson_{red}",
        lambda m, a, b, r=red: m.nn.PoissonNLLLoss(reduction=r)(a, b),
        _uniform(-2, 2, 3, 4),
        RNG.poisson(2.0, (3, 4)).astype(float),
    )
    case(
        f"poisson_full_rate_{red}",
        lambda m, a, b, r=red: m.nn.PoissonNLLLoss(log_input=False, full=True, reduction=r)(a, b),
        _uniform(0.1, 4, 3, 4),
        RNG.poisson(2.0, (3, 4)).astype(float),
    )
    case(
        f"bce_{red}",
        lambda m, a, b, w, r=red: m.nn.BCELoss(weight=w, reduction=r)(a, b),
        _uniform(0.02, 0.98, 3, 4),
        _uniform(0, 1, 3, 4),
        _uniform(0.5, 2, 4),
        target_grad=True,
    )
    case(
        f"bce_logits_{red}",
        lambda m, a, b, w, p, r=red: m.nn.BCEWithLogitsLoss(weight=w, pos_weight=p, reduction=r)(
            a, b
        ),
        _uniform(-30, 30, 3, 4),
        _uniform(0, 1, 3, 4),
        _uniform(0.5, 2, 4),
        _uniform(0.5, 3, 4),
        target_grad=True,
    )
for red in ("batchmean", "sum", "none"):
    case(
        f"kl_div_{red}",
        lambda m, a, b, r=red: m.nn.KLDivLoss(reduction=r)(a, b),
        np.log(_probs(3, 4)),
        _probs(3, 4),
        target_grad=True,
    )
    case(
        f"kl_div_log_target_{red}",
        lambda m, a, b, r=red: m.nn.KLDivLoss(reduction=r, log_target=True)(a, b),
        np.log(_probs(3, 4)),
        np.log(_probs(3, 4)),
        target_grad=True,
    )
case("ce_unbatched", lambda m, a, b: m.nn.CrossEntropyLoss()(a, b), _uniform(-2, 2, 5), np.array(3))
case(
    "nll_unbatched_none",
    lambda m, a, b: m.nn.NLLLoss(reduction="none")(a, b),
    _uniform(-2, 2, 5),
    np.array(2),
)
case(
    "ce_large_logits",
    lambda m, a, b: m.nn.CrossEntropyLoss()(a, b),
    _uniform(-1e4, 1e4, 4, 3),
    _classes(3, 4),
)
case(
    "ce_all_ignored",
    lambda m, a, b: m.nn.CrossEntropyLoss()(a, b),
    _uniform(-2, 2, 3, 3),
    np.full(3, -100),
)
case(
    "bce_clamped",
    lambda m, a, b: m.nn.BCELoss(reduction="none")(a, b),
    np.array([0.0, 1, 0, 1]),
    np.array([0.0, 1, 1, 0]),
)
case(
    "bce_logits_extremes",
    lambda m, a, b: m.nn.BCEWithLogitsLoss(reduction="none")(a, b),
    np.array([-100.0, -50, -20, 0, 20, 50, 100]),
    np.array([0.0, 1, 0, 0.5, 1, 0, 1]),
)
case(
    "smooth_l1_kinks",
    lambda m, a, b: m.nn.SmoothL1Loss(reduction="sum", beta=0.5)(a, b),
    np.array([0.5, -0.5, 0.0, 1.0]),
    np.array([0.0, 0.0, 0.0, 0.5]),
    target_grad=True,
)
case(
    "l1_at_zero",
    lambda m, a, b: m.nn.L1Loss(reduction="sum")(a, b),
    np.array([1.0, -2.0, 0.25]),
    np.array([1.0, -2.0, 0.5]),
    target_grad=True,
)
case(
    "smooth_l1_beta_zero",
    lambda m, a, b: m.nn.SmoothL1Loss(beta=0.0)(a, b),
    np.array([1.0, 0.0]),
    np.array([0.5, 0.0]),
)
case(
    "mse_broadcast", lambda m, a, b: m.nn.MSELoss()(a, b), _uniform(-1, 1, 3, 4), _uniform(-1, 1, 4)
)
case(
    "mse_weighted",
    lambda m, a, b, w: m.nn.functional.mse_loss(a, b, weight=w),
    _uniform(-1, 1, 3, 4),
    _uniform(-1, 1, 3, 4),
    _uniform(0, 1, 3, 4),
)
case("kl_div_mean", lambda m, a, b: m.nn.KLDivLoss()(a, b), np.log(_probs(3, 4)), _probs(3, 4))
case(
    "legacy_size_average",
    lambda m, a, b: m.nn.L1Loss(size_average=False)(a, b),
    _uniform(-1, 1, 4),
    _uniform(-1, 1, 4),
)


def _run(lib: Any, name: str, dtype: str) -> tuple:
    call, x, t, extra, target_grad = CASES[name]
    a = _lib_tensor(lib, x, dtype, True)
    b = _lib_tensor(lib, t, dtype, target_grad)
    args = [_lib_tensor(lib, e, dtype, False) for e in extra]
    loss = call(lib, a, b, *args)
    wrt = [a, b] if target_grad else [a]
    cotangent = lib.tensor(
        np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape)).astype(dtype)
    )
    grads = lib.autograd.grad(loss, wrt, cotangent)
    return loss, grads


def _recorded(lib: Any, name: str, dtype: str) -> tuple:
    """``_run`` with the warnings it raised (category name and message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss, grads = _run(lib, name, dtype)
    return loss, grads, [(w.category.__name__, str(w.message)) for w in caught]


def _agree(r: Any, t: Any, ulps: float, what: str) -> None:
    expected = to_np(t)
    scale = float(np.nanmax(np.abs(expected[np.isfinite(expected)]), initial=0.0))
    assert_close_ulp(to_np(r), expected, ulps, scale=scale, err_msg=what)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_and_gradients_agree_with_torch(name: str, dtype: str) -> None:
    r_loss, r_grads, r_warns = _recorded(reference, name, dtype)
    t_loss, t_grads, t_warns = _recorded(torch, name, dtype)
    assert r_warns == t_warns
    _agree(r_loss, t_loss, 16, f"{name} value")
    for i, (rg, tg) in enumerate(zip(r_grads, t_grads, strict=True)):
        _agree(rg, tg, 16, f"{name} gradient {i}")


# ----- errors, warnings, reprs -------------------------------------------------------------
def _x(m: Any, *shape: int) -> Any:
    return m.ones(*shape) * 0.25


def _long(m: Any, *values: int) -> Any:
    return m.tensor(list(values))


EDGES: dict[str, Callable[[Any], Any]] = {
    "nll_target_out_of_range": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _long(m, 0, 5, 1)),
    "nll_negative_target": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _long(m, 0, -1, 1)),
    "nll_batch_mismatch": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _long(m, 0, 1)),
    "nll_float_target": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _x(m, 3)),
    "nll_int32_target": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _long(m, 0, 1, 2).int()),
    "nll_byte_target": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), _long(m, 0, 1, 2).byte()),
    "nll_weight_size": lambda m: m.nn.NLLLoss(weight=m.ones(3))(_x(m, 3, 4), _long(m, 0, 1, 2)),
    "nll_weight_dtype": lambda m: m.nn.NLLLoss(weight=m.ones(4))(
        _x(m, 3, 4).double(), _long(m, 0, 1, 2)
    ),
    "nll_kdim_target_shape": lambda m: m.nn.NLLLoss()(_x(m, 2, 3, 4), _long(m, 0, 1).expand(2, 2)),
    "nll_4d_target_shape": lambda m: m.nn.NLLLoss()(
        _x(m, 2, 3, 4, 5), m.zeros(2, 4, 4, dtype=m.int64)
    ),
    "nll_kdim_weight": lambda m: m.nn.NLLLoss(weight=m.ones(2))(
        _x(m, 2, 3, 4), m.zeros(2, 4, dtype=m.int64)
    ),
    "nll_unbatched_target_size": lambda m: m.nn.NLLLoss()(_x(m, 4), _long(m, 0, 1)),
    "nll_multi_target": lambda m: m.nn.NLLLoss()(_x(m, 3, 4), m.zeros(3, 1, dtype=m.int64)),
    "nll_scalar_input": lambda m: m.nn.NLLLoss()(m.tensor(1.0), m.tensor(0)),
    "nll_all_ignored_sum": lambda m: m.nn.NLLLoss(reduction="sum")(
        _x(m, 3, 4), _long(m, -100, -100, -100)
    ),
    "nll_empty_batch": lambda m: m.nn.NLLLoss()(_x(m, 0, 4), m.zeros(0, dtype=m.int64)),
    "nll_bad_reduction": lambda m: m.nn.NLLLoss(reduction="foo")(_x(m, 3, 4), _long(m, 0, 1, 2)),
    "ce_label_smoothing_range": lambda m: m.nn.CrossEntropyLoss(label_smoothing=1.5)(
        _x(m, 3, 4), _long(m, 0, 1, 2)
    ),
    "ce_long_probabilities": lambda m: m.nn.CrossEntropyLoss()(
        _x(m, 3, 4), m.zeros(3, 4, dtype=m.int64)
    ),
    "ce_probabilities_ignore_index": lambda m: m.nn.CrossEntropyLoss(ignore_index=1)(
        _x(m, 3, 4), _x(m, 3, 4)
    ),
    "ce_probabilities_weight_size": lambda m: m.nn.CrossEntropyLoss(weight=m.ones(3))(
        _x(m, 3, 4), _x(m, 3, 4)
    ),
    "ce_probabilities_empty": lambda m: m.nn.CrossEntropyLoss()(_x(m, 0, 4), _x(m, 0, 4)),
    "ce_target_classes_mismatch": lambda m: m.nn.CrossEntropyLoss()(_x(m, 3, 4), _x(m, 3, 5)),
    "ce_scalar": lambda m: m.nn.CrossEntropyLoss()(m.tensor(1.0), m.tensor(1)),
    "bce_input_range": lambda m: m.nn.BCELoss()(m.tensor([1.5]), m.tensor([0.0])),
    "bce_target_range": lambda m: m.nn.BCELoss()(m.tensor([0.5]), m.tensor([1.5])),
    "bce_size": lambda m: m.nn.BCELoss()(m.tensor([0.5, 0.2]), m.tensor([1.0])),
    "bce_logits_size": lambda m: m.nn.BCEWithLogitsLoss()(_x(m, 3), _x(m, 2, 3)),
    "mse_size_warning": lambda m: m.nn.MSELoss()(_x(m, 3), _x(m, 2, 3)),
    "l1_broadcast_error": lambda m: m.nn.L1Loss()(_x(m, 3), _x(m, 4)),
    "smooth_l1_negative_beta": lambda m: m.nn.SmoothL1Loss(beta=-1.0)(_x(m, 3), _x(m, 3)),
    "huber_delta": lambda m: m.nn.functional.huber_loss(_x(m, 3), _x(m, 3), delta=0.0),
    "weighted_mse_size": lambda m: m.nn.functional.mse_loss(_x(m, 3), _x(m, 3), weight=_x(m, 2)),
    "poisson_bad_reduction": lambda m: m.nn.PoissonNLLLoss(reduction="batchmean")(
        _x(m, 3), _x(m, 3)
    ),
    "kl_div_scalar_batchmean": lambda m: m.nn.KLDivLoss(reduction="batchmean")(
        m.tensor(-1.0), m.tensor(0.5)
    ),
    "kl_div_legacy": lambda m: m.nn.KLDivLoss(size_average=False)(_x(m, 3), _x(m, 3)),
    "kl_div_negative_target": lambda m: m.nn.KLDivLoss(reduction="none")(
        m.tensor([1.0]), m.tensor([-1.0])
    ),
    "legacy_reduce_false": lambda m: m.nn.MSELoss(reduce=False).reduction,
    "elementwise_mean": lambda m: m.nn.L1Loss(reduction="elementwise_mean")(_x(m, 2), _x(m, 2)),
    "reprs": lambda m: [
        repr(m.nn.CrossEntropyLoss(weight=m.ones(3), label_smoothing=0.1)),
        repr(m.nn.SmoothL1Loss(beta=2.0)),
        repr(m.nn.BCEWithLogitsLoss(pos_weight=m.ones(3))),
        list(dict(m.nn.BCEWithLogitsLoss(pos_weight=m.ones(3)).named_buffers())),
        list(m.nn.NLLLoss(weight=m.ones(2)).state_dict()),
        m.nn.PoissonNLLLoss().eps,
        m.nn.CrossEntropyLoss().ignore_index,
    ],
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_errors_warnings_and_edges_agree_with_torch(name: str) -> None:
    (r, r_warns), (t, t_warns) = (outcome(EDGES[name], lib, None) for lib in (reference, torch))
    assert repr(r) == repr(t)  # NaN results compare equal through their repr
    assert r_warns == t_warns
