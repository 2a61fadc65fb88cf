"""PyTorch's own optimizer test inputs (``optim_db`` of ``torch.testing``) through the
reference: every constructor configuration gives torch's trajectory and state, and every
error input torch's exception (or warning) and message.

An independent witness: the inputs are PyTorch's, written for PyTorch's tests, not for this
suite. Configurations that need a graph-capturing device (``capturable``) or differentiate
through the step (``differentiable``) are left out.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")  # torch.testing's internals import it
common = pytest.importorskip("torch.testing._internal.common_optimizers")

NAMES = ("Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "ASGD", "LBFGS", "RMSprop")
NAMES += ("Rprop", "SGD", "SparseAdam")
INFOS = {info.optim_cls.__name__: info for info in common.optim_db}
STEPS = 4


def _inputs() -> list[Any]:
    cases = []
    for name in NAMES:
        for dtype in ("float32", "float64"):
            for given in INFOS[name].optim_inputs_func("cpu", getattr(torch, dtype)):
                kw = given.kwargs
                if given.params is None and not (kw.get("capturable") or kw.get("differentiable")):
                    cases.append(pytest.param(name, dtype, kw, id=f"{name}-{dtype}-{given.desc}"))
    return cases


def _errors() -> list[Any]:
    return [
        pytest.param(name, error, id=f"{name}-{error.optimizer_error_input.desc}")
        for name in NAMES
        for error in INFOS[name].optim_error_inputs_func("cpu", torch.float32)
    ]


class _ToReference:
    """torch values as reference ones, the same torch object always becoming the same
    reference object (a parameter listed twice stays one parameter)."""

    def __init__(self) -> None:
        self.seen: dict[int, Any] = {}
        self.keep: list[Any] = []  # the torch objects, alive while their ids are keys

    def __call__(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return type(value)(self(v) for v in value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if not isinstance(value, torch.Tensor):
            return value
        if id(value) not in self.seen:
            self.keep.append(value)
            self.seen[id(value)] = self._tensor(value)
        return self.seen[id(value)]

    @staticmethod
    def _tensor(t: Any) -> Any:
        dtype = getattr(reference, str(t.dtype).removeprefix("torch."))
        if t.is_sparse:
            return reference.tensor(t.to_dense().numpy(), dtype=dtype).to_sparse()
        out = reference.tensor(t.detach().numpy().copy(), dtype=dtype)
        if isinstance(t, torch.nn.Parameter):
            return reference.nn.Parameter(out)
        return out.requires_grad_(t.requires_grad)


def _trajectory(lib: Any, name: str, dtype: str, kwargs: dict) -> tuple[list, dict]:
    """Parameters after each of STEPS steps (LBFGS: on a quadratic), and the final state."""
    rng = np.random.default_rng(0)
    dt = getattr(lib, dtype)
    w = lib.tensor(rng.standard_normal((3, 4)), dtype=dt).requires_grad_(True)
    b = lib.tensor(rng.standard_normal(4), dtype=dt).requires_grad_(True)
    opt = getattr(lib.optim, name)([w, b], **kwargs)
    path = []
    for _ in range(STEPS):
        gw, gb = rng.standard_normal((3, 4)), rng.standard_normal(4)
        if name == "LBFGS":
            opt.step(lambda: _quadratic(opt, w, b))
        elif name == "SparseAdam":
            w.grad = lib.tensor(gw * (np.abs(gw) > 0.5), dtype=dt).to_sparse()
            b.grad = lib.tensor(gb, dtype=dt).to_sparse()
            opt.step()
        else:
            w.grad, b.grad = lib.tensor(gw, dtype=dt), lib.tensor(gb, dtype=dt)
            opt.step()
        path.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy()]))
    state = {
        (i, key): np.asarray(v.to_dense().numpy() if getattr(v, "is_sparse", False) else v)
        for i, entry in opt.state_dict()["state"].items()
        for key, v in entry.items()
        if not isinstance(v, list)
    }
    return path, state


def _quadratic(opt: Any, w: Any, b: Any) -> Any:
    opt.zero_grad()
    loss = ((w - 1) ** 2).sum() + (3 * (b + 0.5) ** 2).sum()
    loss.backward()
    return loss


@pytest.mark.parametrize(("name", "dtype", "kwargs"), _inputs())
def test_torch_inputs_give_torch_trajectories(name: str, dtype: str, kwargs: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want_path, want_state = _trajectory(torch, name, dtype, kwargs)
        got_path, got_state = _trajectory(reference, name, dtype, _ToReference()(kwargs))
    # LBFGS runs up to 20 inner iterations a step, each rounding in float32
    tol = 1e-10 if dtype == "float64" else 1e-4 if name == "LBFGS" else 1e-5
    for step, (got, want) in enumerate(zip(got_path, want_path, strict=True), start=1):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"step {step}")
    assert sorted(got_state, key=str) == sorted(want_state, key=str)
    for key, want in want_state.items():
        got = np.asarray(got_state[key], np.float64)
        np.testing.assert_allclose(got, np.asarray(want, np.float64), rtol=tol, atol=tol)


def _construct_and_step(lib: Any, name: str, error: Any) -> tuple[str, str]:
    """What constructing (and, for a step error, stepping) gives: the exception's class and
    message, or the warnings' messages."""
    given = error.optimizer_error_input
    convert = _ToReference() if lib is reference else (lambda v: v)
    params, kwargs = convert(given.params), convert(given.kwargs)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt = getattr(lib.optim, name)(params, **kwargs)
            if error.error_on == common.OptimizerErrorEnum.STEP_ERROR:
                for group in opt.param_groups:
                    for p in group["params"]:
                        p.grad = lib.ones_like(p) if p.grad is None else p.grad
                opt.step()
    except Exception as exc:  # the class and message are the point
        return type(exc).__name__, str(exc)
    return "warned", " | ".join(str(w.message) for w in caught if w.category is UserWarning)


@pytest.mark.parametrize(("name", "error"), _errors())
def test_torch_error_inputs_give_torch_errors(name: str, error: Any) -> None:
    want = _construct_and_step(torch, name, error)
    assert _construct_and_step(reference, name, error) == want
