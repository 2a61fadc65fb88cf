"""``reference.optim.SGD`` and ``ASGD`` against torch 2.13: the same parameters and
gradients, several steps, every option; parameters, gradients, the whole state and the
state_dict after every step; construction errors (class and message).

The helpers here (:func:`trajectory`, :func:`assert_same_tree`, :func:`same_error`) serve
``test_optim_adaptive.py`` too.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

STEPS = 5


def _data(dtype: str, shape: tuple[int, ...] = (3, 4)) -> tuple[np.ndarray, list[np.ndarray]]:
    """A parameter and STEPS gradients; the fourth gradient is the third negated."""
    rng = np.random.default_rng(7)
    param = rng.uniform(-2, 2, shape)
    grads = [rng.uniform(-1, 1, shape) for _ in range(STEPS)]
    grads[3] = -grads[2]
    if dtype.startswith("complex"):
        param = param + 1j * rng.uniform(-2, 2, shape)
        grads = [g + 1j * rng.uniform(-1, 1, shape) for g in grads]
    return param.astype(dtype), [g.astype(dtype) for g in grads]


def trajectory(lib: Any, cls: str, options: dict[str, Any], dtype: str = "float32") -> list:
    """After every step: the parameter, its gradient, the state and the state_dict."""
    param, grads = _data(dtype)
    leaf = lib.tensor(param).requires_grad_(True)
    optimizer = getattr(lib.optim, cls)([leaf], **options)
    out = []
    for grad in grads:
        leaf.grad = lib.tensor(grad)
        optimizer.step()
        state = {k: v.clone() for k, v in optimizer.state[leaf].items()}
        out.append((leaf.detach().clone(), leaf.grad.clone(), state))
    out.append(optimizer.state_dict())
    return out


def _np(t: Any) -> np.ndarray:
    return t._data if isinstance(t, reference.Tensor) else t.detach().numpy()


def assert_same_tree(r: Any, t: Any, path: str = "", ulps: float = 8.0) -> None:
    """Tensors of the same dtype and shape with values within a few ulp of the largest;
    dicts with the same keys; lists, tuples and numbers equal."""
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), f"{path}: {type(r)}"
        assert repr(r.dtype) == repr(t.dtype) and tuple(r.shape) == tuple(t.shape), path
        got, want = _np(r), _np(t)
        eps = np.finfo(want.dtype).eps
        scale = max(float(np.max(np.abs(want), initial=0.0)), 1.0)
        np.testing.assert_allclose(got, want, rtol=0, atol=ulps * eps * scale, err_msg=path)
    elif isinstance(t, dict):
        assert set(r) == set(t), f"{path}: keys {sorted(r, key=str)} != {sorted(t, key=str)}"
        for key in t:
            assert_same_tree(r[key], t[key], f"{path}[{key!r}]", ulps)
    elif isinstance(t, (list, tuple)):
        assert type(r) is type(t) and len(r) == len(t), path
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            assert_same_tree(a, b, f"{path}[{i}]", ulps)
    else:
        assert type(r) is type(t) and r == t, f"{path}: {r!r} != {t!r}"


def same_trajectory(
    cls: str, options: dict[str, Any], dtype: str = "float32", ulps: float = 8.0
) -> None:
    """The reference's trajectory is torch's (within ``ulps`` of each tensor's largest)."""
    r, t = (trajectory(lib, cls, options, dtype) for lib in (reference, torch))
    assert_same_tree(r, t, ulps=ulps)


def same_error(make: Any) -> None:
    """``make(lib)`` raises the same exception class with the same message in both."""
    caught = []
    for lib in (reference, torch):
        with pytest.raises(Exception) as info:  # noqa: PT011 - compared below
            make(lib)
        caught.append((type(info.value), str(info.value)))
    assert caught[0] == caught[1]


def grid(**axes: list[Any]) -> list[dict[str, Any]]:
    """Every combination of the options' values."""
    return [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]


# ----- SGD --------------------------------------------------------------------------------
SGD_OPTIONS = [
    o
    for o in grid(
        momentum=[0.0, 0.9],
        dampening=[0.0, 0.25],
        nesterov=[False, True],
        weight_decay=[0.0, 0.1],
        maximize=[False, True],
        foreach=[None, True],
    )
    if not (o["nesterov"] and (o["momentum"] == 0 or o["dampening"]))
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_trajectory(options: dict[str, Any]) -> None:
    """foreach=True with Nesterov (no maximize, no weight decay) adds into ``.grad``, as
    torch does: the gradients are compared too."""
    same_trajectory("SGD", {"lr": 0.1, **options})


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
@pytest.mark.parametrize("options", [{}, {"momentum": 0.5, "nesterov": True, "weight_decay": 0.1}])
def test_sgd_dtypes(dtype: str, options: dict[str, Any]) -> None:
    same_trajectory("SGD", {"lr": 0.1, **options}, dtype)


@pytest.mark.parametrize("options", [{"fused": True}, {"fused": True, "momentum": 0.9}])
def test_sgd_fused_and_tensor_lr(options: dict[str, Any]) -> None:
    same_trajectory("SGD", {"lr": 0.1, **options})
    r, t = (
        trajectory(lib, "SGD", {"lr": lib.tensor(0.1), "momentum": 0.9})
        for lib in (reference, torch)
    )
    assert_same_tree(r[:-1], t[:-1])


def test_sgd_closure_and_differentiable() -> None:
    for lib in (reference, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.grad = lib.tensor([0.5, 0.5])
        optimizer = lib.optim.SGD([w], lr=0.5)
        with lib.no_grad():
            assert optimizer.step(lambda lib=lib: lib.is_grad_enabled()) is True
    same_error(lambda lib: _differentiable_step(lib, "SGD"))


def _differentiable_step(lib: Any, cls: str, **options: Any) -> None:
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    w.grad = lib.tensor([0.5, 0.5])
    getattr(lib.optim, cls)([w], differentiable=True, **options).step()


SGD_ERRORS = [
    {"lr": -0.5},
    {"momentum": -0.25},
    {"weight_decay": -0.125},
    {"nesterov": True},
    {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
    {"fused": True, "foreach": True},
    {"fused": True, "differentiable": True},
]


@pytest.mark.parametrize("options", SGD_ERRORS, ids=str)
def test_sgd_errors(options: dict[str, Any]) -> None:
    same_error(lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], **options))


def test_sgd_tensor_lr_error_and_fused_dtype_error() -> None:
    same_error(lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=lib.ones(2)))

    def fused_complex(lib: Any) -> None:
        w = lib.zeros(2, dtype=lib.complex64, requires_grad=True)
        w.grad = lib.ones(2, dtype=lib.complex64)
        lib.optim.SGD([w], fused=True).step()

    same_error(fused_complex)


def test_sgd_setstate_defaults() -> None:
    w = reference.zeros(2, requires_grad=True)
    optimizer = reference.optim.SGD([w], lr=0.1)
    group = {k: v for k, v in optimizer.param_groups[0].items() if k not in ("nesterov", "fused")}
    optimizer.__setstate__({"state": {}, "param_groups": [group]})
    assert optimizer.param_groups[0]["nesterov"] is False
    assert optimizer.param_groups[0]["fused"] is False


# ----- ASGD -------------------------------------------------------------------------------
ASGD_OPTIONS = grid(
    lambd=[1e-4, 0.1],
    alpha=[0.75, 0.5],
    t0=[0.0, 2.0, 1e6],
    weight_decay=[0.0, 0.1],
    maximize=[False, True],
)


@pytest.mark.parametrize("options", ASGD_OPTIONS, ids=str)
def test_asgd_trajectory(options: dict[str, Any]) -> None:
    same_trajectory("ASGD", {"lr": 0.1, **options})


@pytest.mark.parametrize("dtype", ["float64", "complex64"])
def test_asgd_dtypes(dtype: str) -> None:
    same_trajectory("ASGD", {"lr": 0.1, "t0": 1.0, "foreach": True}, dtype)


@pytest.mark.parametrize("options", [{"lr": -0.5}, {"weight_decay": -0.125}], ids=str)
def test_asgd_errors(options: dict[str, Any]) -> None:
    same_error(lambda lib: lib.optim.ASGD([lib.zeros(2, requires_grad=True)], **options))


def test_asgd_capturable_and_differentiable() -> None:
    def capturable(lib: Any) -> None:
        w = lib.zeros(2, requires_grad=True)
        w.grad = lib.ones(2)
        lib.optim.ASGD([w], capturable=True).step()

    same_error(capturable)
    same_error(lambda lib: _differentiable_step(lib, "ASGD"))
