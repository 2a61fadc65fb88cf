"""reference.nn's convolutions, folding and padding against torch: reprs, errors and
initial weights exactly (torch pinned to the reference's generator kernel), forward values and
gradients within a few ulp of the summed magnitudes, on inputs like PyTorch's module tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, same
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)

# (class, constructor args, constructor kwargs, input shape): as in torch's common_nn tests
MODULES = [
    ("Conv1d", (4, 5, 3), {}, (2, 4, 10)),
    ("Conv1d", (4, 4, 3), {"groups": 2, "stride": 2, "bias": False}, (2, 4, 10)),
    ("Conv1d", (4, 5, 3), {"padding": "same", "dilation": 2, "padding_mode": "reflect"}, (4, 9)),
    ("Conv2d", (3, 4, (3, 2)), {"padding": (1, 0), "stride": (2, 1)}, (2, 3, 7, 5)),
    ("Conv2d", (4, 8, 3), {"groups": 4, "padding_mode": "circular", "padding": 2}, (1, 4, 6, 6)),
    ("Conv2d", (3, 2, 4), {"padding": "same", "padding_mode": "replicate"}, (3, 6, 5)),
    ("Conv3d", (2, 3, (2, 3, 2)), {"dilation": (1, 2, 1), "padding": 1}, (1, 2, 4, 6, 4)),
    ("ConvTranspose1d", (3, 4, 3), {"stride": 3, "output_padding": 2, "padding": 1}, (2, 3, 5)),
    (
        "ConvTranspose2d",
        (4, 6, 3),
        {"groups": 2, "stride": 2, "dilation": 2, "output_padding": 1},
        (4, 3, 4),
    ),
    ("ConvTranspose3d", (2, 3, 2), {"stride": (2, 1, 1), "padding": (1, 0, 0)}, (1, 2, 3, 3, 2)),
    ("Unfold", ((2, 3),), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}, (2, 3, 6, 7)),
    ("Fold", ((4, 5), 2), {"stride": (1, 2)}, (2, 12, 6)),
    ("ReflectionPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 5)),
    ("ReplicationPad3d", (2,), {}, (2, 3, 3, 2)),
    ("ConstantPad1d", ((2, -1), 3.5), {}, (2, 3, 4)),
    ("ZeroPad2d", ((1, -1, 2, 0),), {}, (3, 4, 4)),
]


def _build(lib: Any, name: str, args: tuple, kwargs: dict) -> Any:
    lib.manual_seed(0)
    return getattr(lib.nn, name)(*args, **kwargs, dtype=lib.float64) if "Conv" in name else (
        getattr(lib.nn, name)(*args, **kwargs))  # fmt: skip


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES)
def test_forward_and_gradients_agree(name: str, args: tuple, kwargs: dict, shape: tuple) -> None:
    x = RNG.standard_normal(shape)
    results = {}
    for lib in (reference, torch):
        module = _build(lib, name, args, kwargs)
        for p, value in zip(module.parameters(), _values(module), strict=True):
            p.data.copy_(lib.from_numpy(value))
        leaf = lib.from_numpy(x.copy()).requires_grad_()
        out = module(leaf)
        cotangent = lib.from_numpy(np.ones(tuple(out.shape)))
        grads = lib.autograd.grad(out, [leaf, *module.parameters()], cotangent)
        results[lib.__name__] = (out.detach(), *grads)
    scale = float(np.abs(x).max()) * 64
    for r, t in zip(results["reference"], results["torch"], strict=True):
        assert_close(r, t, scale=scale)


def _values(module: Any) -> list[np.ndarray]:
    return [np.random.default_rng(1).standard_normal(tuple(p.shape)) for p in module.parameters()]


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES)
def test_repr_and_initial_parameters_are_torch_s(name, args, kwargs, shape) -> None:
    def build(m: Any) -> Any:
        module = getattr(m.nn, name)(*args, **kwargs)
        return [repr(module), *(p.detach() for p in module.parameters())]

    same(build, warns=False)


ERRORS = [
    lambda m: m.nn.Conv2d(4, 2, 3, groups=3),
    lambda m: m.nn.Conv2d(4, 2, 3, stride=2, padding="same"),
    lambda m: m.nn.Conv2d(4, 2, 3, padding="full"),
    lambda m: m.nn.ConvTranspose2d(4, 2, 3, padding_mode="reflect"),
    lambda m: m.nn.functional.conv2d(m.ones(1, 3, 5, 5), m.ones(2, 4, 3, 3)),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5), m.ones(2, 4, 6, 6)),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5), m.ones(3, 2, 3, 3), groups=2),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5), m.ones(2, 4, 3, 3), m.ones(3)),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5), m.ones(2, 4, 3, 3), stride=(1, 1, 1)),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5), m.ones(2, 4, 3, 3), dilation=0),
    lambda m: m.nn.functional.conv2d(m.ones(4, 5), m.ones(2, 4, 3, 3)),
    lambda m: m.nn.functional.conv2d(m.ones(1, 4, 5, 5, dtype=m.float64), m.ones(2, 4, 3, 3)),
    lambda m: m.nn.functional.conv_transpose1d(m.ones(1, 4, 5), m.ones(4, 2, 3), output_padding=1),
    lambda m: m.nn.functional.conv_transpose2d(m.ones(1, 4, 5, 5), m.ones(4, 2, 3, 3), padding=5),
    lambda m: m.nn.ConvTranspose2d(2, 1, 3, stride=2)(m.ones(1, 2, 4, 4), output_size=[11, 11]),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (4, 2), mode="reflect"),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (5, 2), mode="circular"),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (1, 2, 1, 1, 1, 1), mode="replicate"),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (1, 2, 3)),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (1, 1), mode="reflect", value=1.0),
    lambda m: m.nn.functional.pad(m.ones(1, 3, 4), (1, 1), mode="mirror"),
    lambda m: m.nn.functional.unfold(m.ones(1, 2, 5, 5), 6),
    lambda m: m.nn.functional.fold(m.ones(1, 8, 16), (5, 6), 2),
    lambda m: m.nn.functional.fold(m.ones(1, 7, 16), (5, 5), 2),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_are_torch_s(call: Any) -> None:
    same(call, warns=False, seed=None)


def test_gradients_differentiate_again() -> None:
    x = reference.from_numpy(RNG.standard_normal((1, 2, 5, 5))).requires_grad_()
    w = reference.from_numpy(RNG.standard_normal((2, 1, 2, 2))).requires_grad_()
    conv = reference.nn.functional.conv2d
    assert reference.autograd.gradgradcheck(
        lambda a, b: conv(a, b, stride=2, padding=1, dilation=2, groups=2), (x, w)
    )


def test_complex_convolution_gradients_conjugate_the_other_factor() -> None:
    """torch's gradients of complex convolutions: ``g`` by ``conj(weight)`` for the input,
    ``conj(input)`` by ``g`` for the weight."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 5, 5)) + 1j * rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3)) + 1j * rng.standard_normal((3, 2, 3, 3))

    def grads(lib):
        xt = lib.tensor(x, dtype=lib.complex128, requires_grad=True)
        wt = lib.tensor(w, dtype=lib.complex128, requires_grad=True)
        out = lib.nn.functional.conv2d(xt, wt, padding=1)
        v = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)) * (1 + 0.5j))
        return [g.detach().numpy() for g in lib.autograd.grad(out, (xt, wt), v)]

    for r, t in zip(grads(reference), grads(torch), strict=True):
        np.testing.assert_allclose(r, t, rtol=1e-12, atol=1e-12)


def test_half_precision_convolution_rounds_once() -> None:
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 4, 6, 6)), rng.standard_normal((4, 1, 3, 3))

    def out(lib, dtype):
        xt, wt = lib.tensor(x).to(getattr(lib, dtype)), lib.tensor(w).to(getattr(lib, dtype))
        return lib.nn.functional.conv2d(xt, wt, groups=4, padding=1).float().numpy()

    for dtype in ("float16", "bfloat16"):  # one rounding: within an ulp of the half type
        assert_close_ulp(out(reference, dtype), out(torch, dtype), 1, dtype=dtype)
