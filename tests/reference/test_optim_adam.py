"""``reference.optim`` Adam, AdamW, Adamax and SparseAdam against torch 2.13: the same
parameters and gradients through several steps for every option, parameters and state within
a few ulp (float32 runs in torch's order of operations), the same state_dict, and torch's
errors word for word."""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

STEPS = 5


def _options(**choices: list[Any]) -> list[dict[str, Any]]:
    keys = list(choices)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*choices.values())]


ADAM = _options(
    lr=[0.01, 0.1],
    weight_decay=[0.0, 0.1],
    amsgrad=[False, True],
    maximize=[False, True],
    decoupled_weight_decay=[False, True],
    foreach=[None, True],
)
ADAMW = _options(weight_decay=[0.0, 0.01, 0.3], amsgrad=[False, True], maximize=[False, True])
ADAMAX = _options(
    lr=[0.002, 0.1], weight_decay=[0.0, 0.1], maximize=[False, True], foreach=[None, True]
)
SPARSE = _options(lr=[0.001, 0.1], betas=[(0.9, 0.999), (0.5, 0.9)], maximize=[False, True])


def _values(lib: Any, state: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in state.items():
        out[key] = value.detach().numpy() if isinstance(value, lib.Tensor) else value
    return out


def _run(lib: Any, name: str, p0: np.ndarray, grads: list[np.ndarray], sparse: bool, **kw: Any):
    """The parameter, the state and the state_dict after every gradient."""
    p = lib.tensor(p0).requires_grad_(True)
    opt = getattr(lib.optim, name)([p], **kw)
    for g in grads:
        p.grad = lib.tensor(g).to_sparse() if sparse else lib.tensor(g)
        opt.step()
    return p.detach().numpy(), _values(lib, opt.state[p]), opt.state_dict()


def _compare(name: str, dtype: Any, sparse: bool = False, seed: int = 0, **kw: Any) -> None:
    rng = np.random.default_rng(seed)
    p0 = rng.uniform(-2, 2, (3, 5)).astype(dtype)
    grads = [rng.uniform(-1, 1, (3, 5)).astype(dtype) for _ in range(STEPS)]
    if sparse:
        grads = [g * (rng.uniform(size=g.shape) < 0.5) for g in grads]
        grads[1][:] = 0
    want = _run(torch, name, p0, grads, sparse, **kw)
    got = _run(reference, name, p0, grads, sparse, **kw)
    ulps = 4 if dtype == np.float32 else 8
    _close(got[0], want[0], ulps, scale=float(np.abs(want[0]).max()))
    assert set(got[1]) == set(want[1])
    for key in want[1]:
        g, w = np.asarray(got[1][key]), np.asarray(want[1][key])
        assert g.dtype == w.dtype and g.shape == w.shape, key
        _close(g, w, ulps, scale=float(np.abs(w).max(initial=1e-30)))
    assert got[2]["param_groups"] == _groups(want[2]["param_groups"])
    assert sorted(got[2]["state"]) == sorted(want[2]["state"])


def _groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (float(v) if torch.is_tensor(v) else v) for k, v in g.items()} for g in groups]


def _close(got: np.ndarray, want: np.ndarray, ulps: int, scale: float | None = None) -> None:
    """Within ``ulps`` units in the last place of the value (or of ``scale``: moments that
    cancel to near zero are held to the size of the terms that made them)."""
    size = np.abs(want) if scale is None else np.full(want.shape, scale, want.dtype)
    bound = ulps * np.spacing(size.astype(want.dtype))
    error = np.abs(got.astype(np.float64) - want)
    assert (error <= bound).all(), f"{error.max()} > {ulps} ulp ({bound.max()})"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", ADAM, ids=str)
def test_adam(options: dict[str, Any], dtype: Any) -> None:
    _compare("Adam", dtype, **options)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", ADAMW, ids=str)
def test_adamw(options: dict[str, Any], dtype: Any) -> None:
    _compare("AdamW", dtype, **options)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", ADAMAX, ids=str)
def test_adamax(options: dict[str, Any], dtype: Any) -> None:
    _compare("Adamax", dtype, **options)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", SPARSE, ids=str)
def test_sparse_adam(options: dict[str, Any], dtype: Any) -> None:
    _compare("SparseAdam", dtype, sparse=True, **options)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax"])
@pytest.mark.parametrize("which", ["lr", "fused", "betas"])
def test_tensor_hyperparameters_and_fused(name: str, which: str) -> None:
    if which != "lr" and name == "Adamax":
        pytest.skip("Adamax takes neither fused nor tensor betas")
    kw: dict[str, Any] = {"lr": 0.1, "amsgrad": True} if name != "Adamax" else {"lr": 0.1}
    options = {
        "lr": lambda lib: {"lr": lib.tensor(0.1)},
        "fused": lambda lib: {"fused": True},
        "betas": lambda lib: {"betas": (lib.tensor(0.8), lib.tensor(0.99))},
    }[which]
    rng = np.random.default_rng(3)
    p0 = rng.uniform(-2, 2, 6).astype(np.float32)
    grads = [rng.uniform(-1, 1, 6).astype(np.float32) for _ in range(STEPS)]
    want = _run(torch, name, p0, grads, False, **(kw | options(torch)))
    got = _run(reference, name, p0, grads, False, **(kw | options(reference)))
    _close(got[0], want[0], 4)
    assert {k: np.asarray(v).dtype for k, v in got[1].items()} == {
        k: np.asarray(v).dtype for k, v in want[1].items()
    }


def _both(call: Any) -> tuple[Any, Any]:
    """What ``call(lib)`` raises with torch and with the reference."""
    out = []
    for lib in (torch, reference):
        with pytest.raises(Exception) as info:
            call(lib)
        out.append(info.value)
    return out[0], out[1]


ERRORS = [
    ("Adam", {"lr": -0.5}),
    ("Adam", {"eps": -1e-3}),
    ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.5)}),
    ("Adam", {"betas": (0.9, 0)}),
    ("Adam", {"weight_decay": -0.125}),
    ("Adam", {"fused": True, "foreach": True}),
    ("Adam", {"fused": True, "differentiable": True}),
    ("AdamW", {"lr": -1.0}),
    ("AdamW", {"betas": (0.9, 1.0)}),
    ("Adamax", {"lr": -0.5}),
    ("Adamax", {"eps": -0.5}),
    ("Adamax", {"weight_decay": -0.5}),
    ("SparseAdam", {"lr": 0.0}),
    ("SparseAdam", {"eps": 0.0}),
    ("SparseAdam", {"betas": (0.5, 1.0)}),
]


@pytest.mark.parametrize(("name", "options"), ERRORS, ids=str)
def test_invalid_hyperparameters(name: str, options: dict[str, Any]) -> None:
    want, got = _both(
        lambda lib: getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **options)
    )
    assert type(got) is type(want) and str(got) == str(want)


TENSOR_ERRORS = [
    ("Adam", lambda lib: {"lr": lib.tensor(0.1), "foreach": True}),
    ("Adam", lambda lib: {"lr": lib.tensor([0.1, 0.2])}),
    ("Adam", lambda lib: {"betas": (lib.tensor(0.9), 0.99)}),
    ("Adam", lambda lib: {"betas": (lib.tensor(0.9), lib.tensor(0.99)), "foreach": True}),
    ("AdamW", lambda lib: {"lr": lib.tensor(0.1), "foreach": True}),
    ("Adamax", lambda lib: {"lr": lib.tensor([0.1, 0.2])}),
    ("SparseAdam", lambda lib: {"lr": lib.tensor([0.1, 0.2])}),
]


@pytest.mark.parametrize(("name", "options"), TENSOR_ERRORS)
def test_invalid_tensor_hyperparameters(name: str, options: Any) -> None:
    want, got = _both(
        lambda lib: getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **options(lib))
    )
    assert type(got) is type(want) and str(got) == str(want)


STEP_ERRORS = [
    ("Adam", {}, True),
    ("AdamW", {}, True),
    ("Adamax", {}, True),
    ("SparseAdam", {}, False),
    ("Adam", {"capturable": True}, False),
    ("Adam", {"capturable": True, "foreach": True}, False),
    ("Adamax", {"capturable": True}, False),
    ("Adam", {"differentiable": True}, False),
    ("Adamax", {"differentiable": True}, False),
]


@pytest.mark.parametrize(("name", "options", "sparse"), STEP_ERRORS, ids=str)
def test_step_errors(name: str, options: dict[str, Any], sparse: bool) -> None:
    def call(lib: Any) -> None:
        p = lib.tensor([1.0, 0.0, -2.0], requires_grad=True)
        opt = getattr(lib.optim, name)([p], **options)
        grad = lib.tensor([0.5, 0.0, 0.25])
        p.grad = grad.to_sparse() if sparse else grad
        opt.step()

    want, got = _both(call)
    assert type(got) is type(want) and str(got) == str(want)


def test_sparse_adam_parameter_errors() -> None:
    for params in (
        lambda lib: [
            lib.zeros(2, requires_grad=True),
            lib.zeros(2, dtype=lib.complex64, requires_grad=True),
        ],
        lambda lib: [lib.zeros(3).to_sparse().requires_grad_()],
    ):
        want, got = _both(lambda lib, params=params: lib.optim.SparseAdam(params(lib)))
        assert type(got) is type(want) and str(got) == str(want)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "SparseAdam"])
def test_defaults_and_signature(name: str) -> None:
    import inspect

    ours = inspect.signature(getattr(reference.optim, name))
    theirs = inspect.signature(getattr(torch.optim, name))
    assert list(ours.parameters) == list(theirs.parameters)
    for key, param in theirs.parameters.items():
        assert ours.parameters[key].default == param.default, key
        assert ours.parameters[key].kind == param.kind, key


def test_setstate_fills_defaults_and_converts_step() -> None:
    p = reference.tensor([1.0, 2.0], requires_grad=True)
    opt = reference.optim.Adam([p])
    p.grad = reference.tensor([0.5, 0.5])
    opt.step()
    state = opt.__getstate__()
    for group in state["param_groups"]:
        for key in ("amsgrad", "foreach", "fused", "decoupled_weight_decay"):
            group.pop(key)
    state["state"][p]["step"] = 3
    fresh = reference.optim.AdamW.__new__(reference.optim.AdamW)
    fresh.__setstate__(state)
    group = fresh.param_groups[0]
    assert group["amsgrad"] is False and group["foreach"] is None and group["fused"] is None
    assert group["decoupled_weight_decay"] is True
    step = fresh.state[p]["step"]
    assert isinstance(step, reference.Tensor) and step.dtype == reference.float32
    assert step.item() == 3.0


def test_repr_names_every_option() -> None:
    for lib in (torch, reference):
        opt = lib.optim.Adam([lib.zeros(2, requires_grad=True)], lr=0.5)
        text = re.sub(r"\s+", " ", repr(opt))
        assert "lr: 0.5" in text and "decoupled_weight_decay: False" in text
