"""The activation oracles of spec/oracles/activation.py agree with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import activation as oracles

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {
    "relu",
    "relu6",
    "hardtanh",
    "leaky_relu",
    "prelu",
    "rrelu_eval",
    "threshold",
    "hardshrink",
    "softshrink",
    "hardsigmoid",
    "hardswish",
    "elu",
    "selu",
    "celu",
    "gelu",
    "sigmoid",
    "silu",
    "softplus",
    "logsigmoid",
    "softsign",
    "tanhshrink",
}

#: Inputs over every branch, the kinks and the far tails.
POINTS = np.concatenate(
    [
        np.linspace(-12.0, 12.0, 97),
        [-1000.0, -40.0, -6.0, -3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 40.0, 1000.0],
    ]
)

CASES = [
    ("relu", (), F.relu),
    ("relu6", (), F.relu6),
    ("hardtanh", (-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
    ("leaky_relu", (0.2,), lambda x: F.leaky_relu(x, 0.2)),
    ("rrelu_eval", (0.1, 0.3), lambda x: F.rrelu(x, 0.1, 0.3, training=False)),
    ("threshold", (0.5, -3.0), lambda x: F.threshold(x, 0.5, -3.0)),
    ("hardshrink", (0.5,), F.hardshrink),
    ("softshrink", (1.25,), lambda x: F.softshrink(x, 1.25)),
    ("hardsigmoid", (), F.hardsigmoid),
    ("hardswish", (), F.hardswish),
    ("elu", (2.0,), lambda x: F.elu(x, 2.0)),
    ("selu", (), F.selu),
    ("celu", (0.5,), lambda x: F.celu(x, 0.5)),
    ("gelu", (), F.gelu),
    ("gelu", ("tanh",), lambda x: F.gelu(x, approximate="tanh")),
    ("sigmoid", (), torch.sigmoid),
    ("silu", (), F.silu),
    ("softplus", (), F.softplus),
    ("softplus", (2.0, 3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    ("softplus", (0.5, -2.0), lambda x: F.softplus(x, 0.5, -2.0)),
    ("logsigmoid", (), F.logsigmoid),
    ("softsign", (), F.softsign),
    ("tanhshrink", (), F.tanhshrink),
]


@pytest.mark.parametrize(("name", "args", "fn"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_oracle_matches_torch_in_float64(name: str, args: tuple, fn) -> None:
    want = fn(torch.from_numpy(POINTS)).numpy()
    got = getattr(oracles, name)(POINTS, *args)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "args", "fn"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_oracle_keeps_float32(name: str, args: tuple, fn) -> None:
    x = POINTS.astype(np.float32)
    got = getattr(oracles, name)(x, *args)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, fn(torch.from_numpy(x)).numpy(), rtol=2e-6, atol=1e-5)


@pytest.mark.parametrize("channels", [1, 3])
def test_prelu(channels: int) -> None:
    rng = np.random.default_rng(channels)
    x, w = rng.normal(size=(2, channels, 4, 2)), rng.normal(size=channels)
    want = F.prelu(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    np.testing.assert_allclose(oracles.prelu(x, w), want, rtol=1e-14)


def test_prelu_one_slope_any_shape() -> None:
    x, w = np.array(-2.0), np.array([0.25])
    assert (
        oracles.prelu(x, w)
        == F.prelu(
            torch.tensor(-2.0, dtype=torch.float64), torch.tensor([0.25], dtype=torch.float64)
        ).item()
    )


def test_gelu_tanh_coefficient_is_torchs() -> None:
    assert oracles.GELU_TANH_CUBIC == 0.044715


def test_integer_relu_keeps_its_dtype() -> None:
    x = np.array([-3, 0, 5], dtype=np.int64)
    got = oracles.relu(x)
    assert got.dtype == np.int64
    assert got.tolist() == F.relu(torch.from_numpy(x)).tolist()
