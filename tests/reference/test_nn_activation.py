"""``reference.nn`` activations against torch 2.13, on inputs like PyTorch's own module tests:
reprs, forward values (within a few ulp) and gradients for every constructor option and input
rank (0-dim and unbatched included), errors, in-place semantics, and RReLU's random slopes bit
for bit after the same seed."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, same, to_np

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)

MODULES = [
    ("ELU", ()), ("ELU", (2.0,)), ("Hardshrink", ()), ("Hardshrink", (1.5,)), ("Hardsigmoid", ()),
    ("Hardtanh", ()), ("Hardtanh", (-2.0, 0.5)), ("Hardswish", ()), ("LeakyReLU", ()),
    ("LeakyReLU", (0.5,)), ("LogSigmoid", ()), ("PReLU", ()), ("ReLU", ()), ("ReLU6", ()),
    ("SELU", ()), ("CELU", ()), ("CELU", (2.0,)), ("GELU", ()), ("GELU", ("tanh",)),
    ("Sigmoid", ()), ("SiLU", ()), ("Softplus", ()), ("Softplus", (2.0, -100.0)),
    ("Softplus", (2.0, 1.0)), ("Softshrink", ()), ("Softshrink", (1.0,)), ("Softsign", ()),
    ("Tanh", ()), ("Tanhshrink", ()), ("Threshold", (2.0, 1.0)), ("RReLU", (0.1, 0.9)),
]  # fmt: skip
SHAPES = [(), (5,), (2, 3, 4), (2, 3, 4, 5)]


def _grad_pair(name: str, args: tuple, shape: tuple, dt: str):
    values = RNG.uniform(-4, 4, shape)
    cot = RNG.uniform(-1, 1, shape)
    out = []
    for lib in (reference, torch):
        m = getattr(lib.nn, name)(*args).eval()
        m.to(getattr(lib, dt))
        x = lib.tensor(values, dtype=getattr(lib, dt), requires_grad=True)
        y = m(x)
        y.backward(lib.tensor(cot, dtype=getattr(lib, dt)))
        weight = m.weight.grad if name == "PReLU" else None
        out.append((y.detach(), x.grad, weight))
    return out


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args"), MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_forward_and_gradients(name: str, args: tuple, dt: str) -> None:
    for shape in SHAPES:
        (ry, rg, rw), (ty, tg, tw) = _grad_pair(name, args, shape, dt)
        assert_close(ry, ty, scale=4.0)
        assert_close(rg, tg, scale=4.0, ulps=64)
        if rw is not None:
            assert_close(rw, tw, scale=float(np.abs(to_np(tw)).max()) + 1, ulps=64)


@pytest.mark.parametrize(("name", "args"), MODULES, ids=[f"{n}{a}" for n, a in MODULES])
def test_repr(name: str, args: tuple) -> None:
    same(lambda lib: repr(getattr(lib.nn, name)(*args)))


@pytest.mark.parametrize(
    "name", ["ELU", "Hardtanh", "LeakyReLU", "ReLU", "ReLU6", "RReLU", "SELU", "CELU", "SiLU",
             "Threshold", "Hardsigmoid", "Hardswish"],
)  # fmt: skip
def test_inplace_returns_the_input_and_refuses_a_leaf(name: str) -> None:
    args = (0.5, -2.0) if name == "Threshold" else ()

    def run(lib):
        m = getattr(lib.nn, name)(*args, inplace=True).eval()
        x = lib.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
        y = m(x)
        return [repr(m), y is x, y.tolist(), m(lib.ones(2, requires_grad=True))]

    same(run)


def test_prelu_per_channel_shapes_and_errors() -> None:
    def run(lib):
        m = lib.nn.PReLU(3, 0.1)
        out = [m(lib.full((2, 3, 4), -1.0)).tolist(), m(lib.full((1, 3), -2.0)).tolist()]
        return out + [lib.nn.PReLU()(lib.tensor(-4.0)).item()]

    same(run)
    same(lambda lib: lib.nn.PReLU(3)(lib.ones(3)))
    same(lambda lib: lib.nn.PReLU(3)(lib.tensor(1.0)))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.gelu(lib.ones(2), approximate="fast"),
        lambda lib: lib.nn.functional.relu(lib.tensor([True])),
        lambda lib: lib.nn.functional.relu(lib.tensor([-2, 3], dtype=lib.uint8)),
        lambda lib: lib.nn.functional.relu6(lib.tensor([-2, 3, 9])),
        lambda lib: lib.nn.functional.hardtanh(lib.ones(2), 2.0, 1.0),
        lambda lib: lib.nn.functional.softshrink(lib.ones(2), -1.0),
        lambda lib: lib.nn.functional.softshrink(lib.ones(2, dtype=lib.float64), -0.5),
        lambda lib: lib.nn.functional.elu(lib.tensor([1, 2])),
        lambda lib: lib.nn.functional.celu(lib.ones(2), alpha=0.0),
        lambda lib: lib.nn.functional.threshold(lib.tensor([1, 7]), 3, 0),
        lambda lib: lib.nn.functional.sigmoid(lib.tensor([0, 1])),
        lambda lib: lib.nn.functional.rrelu(lib.ones(2), 0.5, 0.1, training=True),
        lambda lib: lib.nn.Hardtanh(1.0, 1.0),
        lambda lib: lib.nn.Hardtanh(min_value=-3.0),
    ],
)
def test_errors_and_dtypes(call) -> None:
    same(call)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_rrelu_training_draws_equal_torch(dt: str) -> None:
    values = RNG.normal(size=(4, 7, 3))

    def run(lib):
        x = lib.tensor(values, dtype=getattr(lib, dt)).transpose(0, 2)
        x.requires_grad_()
        y = lib.nn.RReLU(0.05, 0.7)(x)
        y.sum().backward()
        return [y, x.grad, lib.rand(3)]

    same(run, seed=3)
