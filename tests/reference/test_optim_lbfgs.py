"""``reference.optim.LBFGS`` against torch 2.13: the same objective from the same start,
several ``step(closure)`` calls, every option; parameters, returned losses and the whole state
(keys, types, values) after every step; ``state_dict`` and its round trip; errors as
torch's."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.conftest import to_numpy

torch = pytest.importorskip("torch")

STATE_KEYS = ["func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
              "prev_flat_grad", "prev_loss", "al"]  # fmt: skip


def quadratic(x: Any) -> Any:
    """Convex and anisotropic, least at 0.5 everywhere."""
    return (2.0 * (x - 0.5) ** 2).sum() + ((x[1:] - x[:-1]) ** 2).sum()


def rosenbrock(x: Any) -> Any:
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def complex_quadratic(x: Any) -> Any:
    return ((x - 0.5).abs() ** 2).sum()


def _pair(lib: Any, values: list[np.ndarray], objective: Any, **options: Any) -> tuple:
    """Leaves, the optimizer and a closure over ``lib`` (reference or torch)."""
    params = [lib.tensor(v, requires_grad=True) for v in values]
    optimizer = lib.optim.LBFGS(params, **options)

    def closure() -> Any:
        optimizer.zero_grad()
        loss = sum(objective(p) for p in params)
        loss.backward()
        return loss

    return params, optimizer, closure


def _close(r: Any, t: Any, rtol: float, where: str) -> None:
    """A state value: the same kind (tensor, Python number, None, list), dtype and shape,
    values within ``rtol``."""
    if isinstance(t, list):
        assert isinstance(r, list) and len(r) == len(t), where
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            _close(a, b, rtol, f"{where}[{i}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), f"{where}: {type(r)}"
        assert str(r.dtype) == str(t.dtype) and tuple(r.shape) == tuple(t.shape), where
        np.testing.assert_allclose(to_numpy(r), to_numpy(t), rtol=rtol, atol=rtol, err_msg=where)
        return
    assert type(r) is type(t), f"{where}: {type(r)} != {type(t)}"
    if t is not None:
        np.testing.assert_allclose(r, t, rtol=rtol, atol=rtol, err_msg=where)


def _run(values: list[np.ndarray], objective: Any, steps: int, rtol: float, **options: Any):
    """Both libraries step together; everything compared after every step."""
    rp, ro, rc = _pair(reference, values, objective, **options)
    tp, to, tc = _pair(torch, values, objective, **options)
    for step in range(steps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            r_loss, t_loss = ro.step(rc), to.step(tc)
        _close(r_loss.detach(), t_loss.detach(), rtol, f"loss of step {step}")
        for i, (r, t) in enumerate(zip(rp, tp, strict=True)):
            _close(r.detach(), t.detach(), rtol, f"param {i} after step {step}")
        rs, ts = ro.state[rp[0]], to.state[tp[0]]
        assert list(rs) == list(ts), f"state keys after step {step}"
        for key in ts:
            _close(rs[key], ts[key], rtol, f"state[{key!r}] after step {step}")
        assert len(ro.state) == 1
    return (rp, ro, rc), (tp, to, tc)


START = np.array([-1.2, 1.0, 0.4, -0.3])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("lr", [1, 0.5])
@pytest.mark.parametrize("history_size", [1, 3])
@pytest.mark.parametrize("max_iter", [1, 6])
def test_rosenbrock_float64(line_search_fn, lr, history_size, max_iter) -> None:
    _run([START], rosenbrock, 4, 1e-7, lr=lr, history_size=history_size, max_iter=max_iter,
         line_search_fn=line_search_fn)  # fmt: skip


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lr": 0.3, "history_size": 2, "max_iter": 5},
        {"max_iter": 6, "max_eval": 3},
        {"tolerance_grad": 1e-2, "tolerance_change": 1e-3},
        {"tolerance_grad": 1e3},  # optimal at once: no iteration, only the counts
        {"max_iter": 0},
    ],
)
def test_quadratic(line_search_fn, dtype, options) -> None:
    rtol = 2e-5 if dtype == np.float32 else 1e-9
    _run([START.astype(dtype)], quadratic, 3, rtol, line_search_fn=line_search_fn, **options)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_several_parameters_flattened(line_search_fn) -> None:
    values = [np.array([[0.3, -1.0], [2.0, 0.1]]), np.array([1.5, -0.5, 0.0])]
    _run(values, quadratic, 3, 1e-9, line_search_fn=line_search_fn, max_iter=5)


def test_parameter_without_gradient() -> None:
    """A parameter the loss does not use counts as zeros in the flat gradient."""
    values = [START, np.array([1.0, 2.0])]
    _run(values, lambda x: quadratic(x) if x.shape[0] == 4 else (x * 0).sum(), 2, 1e-9)
    rp, ro, _ = _pair(reference, values, quadratic, max_iter=4)
    tp, to, _ = _pair(torch, values, quadratic, max_iter=4)
    for params, opt in ((rp, ro), (tp, to)):

        def closure(params: list = params, opt: Any = opt) -> Any:
            opt.zero_grad()
            loss = quadratic(params[0])
            loss.backward()
            return loss

        for _ in range(2):
            opt.step(closure)
        assert params[1].grad is None
    for r, t in zip(rp, tp, strict=True):
        _close(r.detach(), t.detach(), 1e-9, "param")
    for key in to.state[tp[0]]:
        _close(ro.state[rp[0]][key], to.state[tp[0]][key], 1e-9, key)


def test_complex_parameter() -> None:
    """Complex parameters are optimised as their (real, imaginary) pairs."""
    values = [np.array([1.0 + 2.0j, -0.5 - 1.0j])]
    _run(values, complex_quadratic, 2, 1e-9, max_iter=4, line_search_fn="strong_wolfe")


def test_returns_the_first_loss() -> None:
    """step(closure) returns what the first call of the closure returned."""
    _, optimizer, closure = _pair(reference, [START], rosenbrock, max_iter=5)
    calls = []

    def recording() -> Any:
        calls.append(closure())
        return calls[-1]

    assert optimizer.step(recording) is calls[0]
    assert len(calls) == optimizer.state_dict()["state"][0]["func_evals"] == 5


def test_state_dict_round_trip(tmp_path) -> None:
    """A state_dict saved after two steps, loaded into a fresh optimizer, continues on the
    same trajectory; the state_dict matches torch's."""
    options = {"max_iter": 4, "history_size": 3, "line_search_fn": "strong_wolfe"}
    (rp, ro, rc), (tp, to, tc) = _run([START], rosenbrock, 2, 1e-7, **options)
    rsd, tsd = ro.state_dict(), to.state_dict()
    assert rsd["param_groups"] == tsd["param_groups"]
    for key in tsd["state"][0]:
        _close(rsd["state"][0][key], tsd["state"][0][key], 1e-7, key)
    reference.save(rsd, tmp_path / "r.pt")
    loaded = reference.load(tmp_path / "r.pt", weights_only=True)
    p2, o2, c2 = _pair(reference, [to_numpy(rp[0].detach())], rosenbrock, **options)
    o2.load_state_dict(loaded)
    ro.step(rc)
    o2.step(c2)
    _close(p2[0].detach(), rp[0].detach(), 1e-12, "param after the round trip")
    for key, value in ro.state[rp[0]].items():
        _close(o2.state[p2[0]][key], value, 1e-12, key)


def test_defaults_and_repr() -> None:
    r = reference.optim.LBFGS([reference.zeros(2, requires_grad=True)], max_iter=7)
    t = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], max_iter=7)
    assert r.defaults == t.defaults and r.defaults["max_eval"] == 8
    assert repr(r) == repr(t)


def _error(lib: Any, make: Any) -> tuple[type, str]:
    with pytest.raises(Exception) as info:  # noqa: PT011 - the class is compared below
        make(lib)
    return info.type.__name__, str(info.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.LBFGS([lib.zeros(2, requires_grad=True)], lr=-1.0),
        lambda lib: lib.optim.LBFGS([lib.zeros(2, requires_grad=True)], lr=lib.ones(2)),
        lambda lib: lib.optim.LBFGS(
            [
                {"params": [lib.zeros(2, requires_grad=True)]},
                {"params": [lib.zeros(2, requires_grad=True)]},
            ]  # fmt: skip
        ),
        lambda lib: lib.optim.LBFGS([lib.zeros(2, requires_grad=True)]).step(),
        lambda lib: lib.optim.LBFGS([]),
    ],
    ids=["negative_lr", "tensor_lr", "two_groups", "no_closure", "no_params"],
)
def test_errors(make) -> None:
    assert _error(reference, make) == _error(torch, make)


def test_unknown_line_search_fails_at_step() -> None:
    def make(lib: Any) -> Any:
        params, optimizer, closure = _pair(lib, [START], quadratic, line_search_fn="armijo")
        optimizer.step(closure)

    assert _error(reference, make) == _error(torch, make) == (
        "RuntimeError", "only 'strong_wolfe' is supported"
    )  # fmt: skip
