"""``reference.nn`` softmax family against torch 2.13: Softmax, Softmin, LogSoftmax,
Softmax2d, AdaptiveLogSoftmaxWithLoss and ``functional.softmax``/``log_softmax``/``softmin``/
``glu`` on PyTorch's own module test inputs (common_modules.py, common_nn.py) and on large
logits; forward values within a few ulp, gradients of first and second order, errors and
warnings as torch's."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, same, to_np
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


def pair(*shape, dtype=np.float32, scale: float = 3.0, requires_grad: bool = False):
    """The same random values as a reference and a torch tensor."""
    values = (RNG.standard_normal(shape) * scale).astype(dtype)
    r = reference.tensor(values, requires_grad=requires_grad)
    t = torch.tensor(values, requires_grad=requires_grad)
    return r, t


# (module, constructor args, input shape): common_modules.py's ModuleInputs and common_nn.py's
# functional softmax tests
MODULE_CASES = [
    ("Softmax", (1,), (10, 20)),
    ("Softmax", (0,), ()),
    ("Softmax", (-1,), (4, 5)),
    ("Softmax", (1,), (2, 128, 2, 2)),
    ("Softmax", (0,), (2, 3, 4, 5)),
    ("Softmax", (3,), (2, 3, 4, 5)),
    ("Softmax2d", (), (1, 3, 10, 20)),
    ("Softmax2d", (), (3, 4, 5)),
    ("LogSoftmax", (1,), (10, 20)),
    ("LogSoftmax", (1,), (1, 3, 10, 20)),
    ("LogSoftmax", (0,), ()),
    ("LogSoftmax", (-1,), (4, 5)),
    ("LogSoftmax", (-1,), (2, 128)),
    ("Softmin", (1,), (10, 20)),
    ("Softmin", (1,), (2, 3, 5, 10)),
    ("Softmin", (0,), ()),
    ("Softmin", (-1,), (3, 4, 10)),
]


def rounding_scale(name: str, x: np.ndarray, dim: int, y: np.ndarray) -> np.ndarray:
    """How far torch's float rounding may move each result: exp(x - max) carries the
    rounding of x - max, |x - max| * eps relative (plus the sum's few eps); log_softmax
    subtracts max + log(sum), rounded at the scale of |max|."""
    if x.ndim == 0:
        return np.ones_like(y)
    x = x.astype(np.float64)
    peak = (-x if name == "Softmin" else x).max(axis=dim, keepdims=True)
    shift = np.abs((-x if name == "Softmin" else x) - peak) + 1.0
    return shift + np.abs(peak) if name == "LogSoftmax" else np.abs(y) * shift


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "args", "shape"), MODULE_CASES, ids=str)
def test_module_forward_and_gradient(name: str, args: tuple, shape: tuple, dtype: type) -> None:
    r, t = pair(*shape, dtype=dtype, requires_grad=True)
    yr, yt = getattr(reference.nn, name)(*args)(r), getattr(torch.nn, name)(*args)(t)
    dim = args[0] if args else -3
    assert_close(yr, yt, scale=rounding_scale(name, to_np(t), dim, to_np(yt)))
    assert yr.grad_fn.name() == yt.grad_fn.name()
    g = RNG.uniform(-1, 1, shape).astype(dtype)
    yr.backward(reference.tensor(g))
    yt.backward(torch.tensor(g))
    # the gradient sums g * y along dim: its rounding follows max |g|, not the result
    assert_close(r.grad, t.grad, scale=np.abs(g).max(initial=0.0), ulps=16)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_logits_stay_finite(name: str, dtype: type) -> None:
    values = np.array([[1.0e4, 1.0e4 - 1.0, -1.0e4, 0.0], [-3.0e4, 3.0e4, 3.0e4, 2.0e4]], dtype)
    r = reference.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    yr = getattr(reference.nn.functional, name)(r, 1)
    yt = getattr(torch.nn.functional, name)(t, 1)
    assert np.isfinite(to_np(yr)).all()
    assert_close(yr, yt)
    yr.sum().backward()
    yt.sum().backward()
    assert np.isfinite(to_np(r.grad)).all()
    assert_close(r.grad, t.grad, scale=1.0)


def widened(t) -> np.ndarray:
    """A reference or torch tensor's values as float64 (bfloat16 included)."""
    return to_np(t.to(reference.float64 if isinstance(t, reference.Tensor) else torch.float64))


@pytest.mark.parametrize("target", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_dtype_argument_casts_first(name: str, target: str) -> None:
    r, t = pair(2, 6, dtype=np.float64)
    yr = getattr(reference.nn.functional, name)(r, 1, dtype=getattr(reference, target))
    yt = getattr(torch.nn.functional, name)(t, 1, dtype=getattr(torch, target))
    assert str(yr.dtype) == str(yt.dtype)
    cast = widened(t.to(getattr(torch, target)))  # the op sees the input cast first
    module = {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}[name]
    scale = rounding_scale(module, cast, 1, widened(yt))
    assert_close_ulp(widened(yr), widened(yt), 8, dtype=ml_dtypes.finfo(target).dtype, scale=scale)


@pytest.mark.parametrize("target", ["float64", "float32"])
def test_dtype_argument_gradient_has_the_input_dtype(target: str) -> None:
    r, t = pair(3, 5, dtype=np.float32, requires_grad=True)
    reference.nn.functional.softmax(r, 1, dtype=getattr(reference, target))[:, 0].sum().backward()
    torch.nn.functional.softmax(t, 1, dtype=getattr(torch, target))[:, 0].sum().backward()
    assert r.grad.dtype == reference.float32
    assert_close(r.grad, t.grad, scale=1.0)


# ----- implicit dim, reprs, errors: same outcome and warnings as torch -------------------------
@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize("ndim", range(5))
@pytest.mark.parametrize("name", ["Softmax", "Softmin", "LogSoftmax"])
def test_implicit_dim_warns_and_picks_torchs_dim(name: str, ndim: int) -> None:
    values = np.arange(float(np.prod((2, 3, 4, 5)[:ndim]))).reshape((2, 3, 4, 5)[:ndim]) / 7
    implicit = getattr(reference.nn, name)()(reference.tensor(values))
    chosen = 0 if ndim in (0, 1, 3) else 1
    assert_close(implicit, getattr(torch.nn, name)(chosen)(torch.tensor(values)))
    same(lambda lib: getattr(lib.nn, name)()(lib.ones((2, 3, 4, 5)[:ndim])).shape)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_functional_implicit_dim_warns(name: str) -> None:
    same(lambda lib: getattr(lib.nn.functional, name)(lib.ones(2, 3)).shape)


REPRS = [
    lambda lib: lib.nn.Softmax(dim=1),
    lambda lib: lib.nn.Softmax(),
    lambda lib: lib.nn.Softmin(-1),
    lambda lib: lib.nn.LogSoftmax(0),
    lambda lib: lib.nn.Softmax2d(),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [2, 6], div_value=2.0, head_bias=True),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(3, 6, [2]),
]


@pytest.mark.parametrize("build", REPRS)
def test_repr(build) -> None:
    same(build, warns=False)


ERRORS = [
    lambda lib: lib.nn.Softmax(2)(lib.ones(2, 3)),
    lambda lib: lib.nn.Softmax(1)(lib.ones(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.Softmax(0)(lib.ones(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.Softmax(0)(lib.tensor(True)),
    lambda lib: lib.nn.LogSoftmax(0)(lib.ones(2, 3, dtype=lib.int32)),
    lambda lib: lib.nn.LogSoftmax(1)(lib.ones(2, 3, dtype=lib.int32)),
    lambda lib: lib.nn.Softmin(0)(lib.tensor([True, False])),
    lambda lib: lib.nn.Softmax(1.0)(lib.ones(2, 3)),
    lambda lib: lib.nn.LogSoftmax(True)(lib.ones(2, 3)),
    lambda lib: lib.nn.Softmin((1,))(lib.ones(2, 3)),
    lambda lib: lib.nn.functional.softmax(lib.ones(2, 3), 1, dtype=3),
    lambda lib: lib.nn.functional.softmax(lib.ones(2, 3), 1, dtype=lib.int64),
    lambda lib: lib.nn.Softmax2d()(lib.ones(2, 3)),
    lambda lib: lib.nn.Softmax2d()(lib.ones(1, 2, 3, 4, 5)),
    lambda lib: lib.nn.functional.glu(lib.ones(4, 5)),
    lambda lib: lib.nn.functional.glu(lib.ones(3, 4), -2),
    lambda lib: lib.nn.functional.glu(lib.tensor(1.0)),
    lambda lib: lib.nn.functional.glu(lib.ones(4, 6), 2),
    lambda lib: lib.nn.functional.glu(lib.ones(4, 6, dtype=lib.int64)),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors(call) -> None:
    same(call)


def test_module_dim_survives_pickling() -> None:
    import pickle

    module = pickle.loads(pickle.dumps(reference.nn.LogSoftmax(2)))
    assert module.dim == 2
    state = {k: v for k, v in reference.nn.Softmax(1).__dict__.items() if k != "dim"}
    restored = reference.nn.Softmax.__new__(reference.nn.Softmax)
    restored.__setstate__(state)
    assert restored.dim is None


# ----- glu --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "dim"), [((4, 6), -1), ((4, 6), 0), ((2, 4, 3), 1), ((8,), 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_glu(shape: tuple, dim: int, dtype: type) -> None:
    r, t = pair(*shape, dtype=dtype, requires_grad=True)
    yr, yt = reference.nn.functional.glu(r, dim), torch.nn.functional.glu(t, dim)
    assert_close(yr, yt)
    assert yr.grad_fn.name() == yt.grad_fn.name() == "GluBackward0"
    g = RNG.uniform(-1, 1, yt.shape).astype(dtype)
    yr.backward(reference.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(r.grad, t.grad, scale=np.abs(to_np(t)).max() * np.abs(g).max())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_glu_half_precision(dtype: str) -> None:
    values = RNG.standard_normal((3, 8))
    yr = reference.nn.functional.glu(reference.tensor(values).to(getattr(reference, dtype)))
    yt = torch.nn.functional.glu(torch.tensor(values).to(getattr(torch, dtype)))
    # both round a wider computation once: at most an ulp apart
    assert_close_ulp(widened(yr), widened(yt), 1, dtype=ml_dtypes.finfo(dtype).dtype)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: reference.nn.functional.softmax(x, 1),
        lambda x: reference.nn.functional.log_softmax(x, 0),
        lambda x: reference.nn.functional.softmin(x, -1),
        lambda x: reference.nn.functional.glu(x, 1),
    ],
)
def test_second_order(fn) -> None:
    x = reference.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    assert reference.autograd.gradcheck(fn, (x,))
    assert reference.autograd.gradgradcheck(fn, (x,))


# ----- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")

ADAPTIVE = [
    (6, 10, [2], 4.0, False),
    (8, 12, [3, 7], 2.0, True),
    (5, 9, [1, 2, 8], 1.5, True),
    (3, 6, [2], 4.0, False),  # 3 // 4 = 0: an empty projection
]


def twins(config: tuple, dtype: str = "float64") -> tuple:
    """The module in both libraries with torch's initial weights."""
    in_features, n_classes, cutoffs, div, bias = config
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, cutoffs, div_value=div, head_bias=bias, dtype=getattr(torch, dtype)
    )
    r = reference.nn.AdaptiveLogSoftmaxWithLoss(
        in_features,
        n_classes,
        cutoffs,
        div_value=div,
        head_bias=bias,
        dtype=getattr(reference, dtype),
    )
    r.load_state_dict({k: reference.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return r, t


@pytest.mark.parametrize("config", ADAPTIVE, ids=str)
def test_adaptive_init_is_torchs_bit_for_bit(config: tuple) -> None:
    in_features, n_classes, cutoffs, div, bias = config

    def build(lib):
        module = lib.nn.AdaptiveLogSoftmaxWithLoss(
            in_features, n_classes, cutoffs, div_value=div, head_bias=bias
        )
        return dict(module.named_parameters())

    same(build, warns=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [7, 1, 0, None])
@pytest.mark.parametrize("config", ADAPTIVE, ids=str)
def test_adaptive_forward_and_gradients(config: tuple, batch: int | None, dtype: str) -> None:
    r, t = twins(config, dtype)
    n = 1 if batch is None else batch
    values = RNG.uniform(-2, 2, (n, config[0])).astype(dtype)
    labels = RNG.integers(0, config[1], n)
    if batch is None:
        values, labels = values[0], labels[0]
    xr = reference.tensor(values, requires_grad=True)
    xt = torch.tensor(values, requires_grad=True)
    out_r = r(xr, reference.tensor(labels))
    out_t = t(xt, torch.tensor(labels))
    assert type(out_r).__name__ == "_ASMoutput" and out_r._fields == ("output", "loss")
    scale = 4.0 * config[0]  # the logits' magnitude bounds the rounding of log-probabilities
    assert_close(out_r.output, out_t.output, scale=scale)
    assert_close(out_r.loss, out_t.loss, scale=scale)
    if n == 0:
        return
    (out_r.output.sum() + out_r.loss).backward()
    (out_t.output.sum() + out_t.loss).backward()
    assert_close(xr.grad, xt.grad, scale=scale)
    for (name, p_r), (_, p_t) in zip(r.named_parameters(), t.named_parameters(), strict=True):
        assert (p_r.grad is None) == (p_t.grad is None), name
        if p_t.grad is not None:
            assert_close(p_r.grad, p_t.grad, scale=scale)


@pytest.mark.parametrize("config", ADAPTIVE, ids=str)
def test_adaptive_log_prob_and_predict(config: tuple) -> None:
    r, t = twins(config)
    values = RNG.uniform(-3, 3, (9, config[0]))
    full_r = r.log_prob(reference.tensor(values))
    assert_close(full_r, t.log_prob(torch.tensor(values)), scale=4.0 * config[0])
    np.testing.assert_array_equal(
        to_np(r.predict(reference.tensor(values))), t.predict(torch.tensor(values)).numpy()
    )


ADAPTIVE_ERRORS = [
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, []),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [0]),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [6]),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 2]),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [3, 2]),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2.5]),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, (2,)).cutoffs,
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(lib.ones(3, 4), lib.tensor([0, 6, 1])),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(
        lib.ones(3, 4), lib.tensor([0, -1, 1])
    ),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(lib.ones(2, 4), lib.tensor([0, 1, 1])),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(
        lib.ones(3, 4, 1), lib.tensor([0, 1, 1])
    ),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(lib.ones(3, 4), lib.tensor(1)),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(lib.ones(4), lib.tensor([1])),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(
        lib.ones(3, 4), lib.tensor([[0, 1, 1]])
    ),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])(
        lib.ones(3, 4), lib.tensor([0.0, 3.0, 1.0])
    ),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]).log_prob(lib.ones(4)),
    lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2]).predict(lib.ones(4)),
]


@pytest.mark.parametrize("call", ADAPTIVE_ERRORS)
def test_adaptive_errors(call) -> None:
    same(call, warns=False)
