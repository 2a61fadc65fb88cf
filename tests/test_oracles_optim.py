"""The optimizer update rules of spec/oracles/optim.py agree with PyTorch, step by step."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from spec.oracles import optim as oracles

torch = pytest.importorskip("torch")

TESTED = {"sgd", "asgd", "adadelta", "adagrad", "rmsprop", "rprop"}

#: (torch class, oracle, options): every option that changes the rule, in a few settings.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("SGD", "sgd", {"lr": 0.1}),
    ("SGD", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.25, "weight_decay": 0.05}),
    ("SGD", "sgd", {"lr": 0.5, "momentum": 0.5, "nesterov": True, "maximize": True}),
    ("SGD", "sgd", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("ASGD", "asgd", {}),
    ("ASGD", "asgd", {"lr": 0.1, "lambd": 0.1, "alpha": 0.5, "t0": 2.0}),
    ("ASGD", "asgd", {"lr": 0.2, "t0": 0.0, "weight_decay": 0.1, "maximize": True}),
    ("ASGD", "asgd", {"lr": 0.05, "lambd": 0.01, "t0": 3.5}),
    ("Adadelta", "adadelta", {}),
    ("Adadelta", "adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3}),
    ("Adadelta", "adadelta", {"rho": 0.95, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", "adagrad", {}),
    ("Adagrad", "adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", "adagrad", {"eps": 1e-3, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", "rmsprop", {}),
    ("RMSprop", "rmsprop", {"alpha": 0.5, "eps": 1e-3, "momentum": 0.9}),
    ("RMSprop", "rmsprop", {"alpha": 0.9, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", "rmsprop", {"momentum": 0.5, "centered": True, "maximize": True}),
    ("Rprop", "rprop", {}),
    ("Rprop", "rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.2)}),
    ("Rprop", "rprop", {"etas": (0.5, 2.0), "maximize": True}),
]

STEPS = 6


def _gradients(rng: np.random.Generator, shape: tuple[int, ...]) -> list[np.ndarray]:
    """Random gradients; the fourth is the third negated (Rprop sees every sign flip)."""
    grads = [rng.uniform(-1, 1, shape) for _ in range(STEPS)]
    grads[3] = -grads[2]
    return grads


def _close(got: Any, want: Any, rtol: float, where: str) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=where)


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-10), (np.float32, 2e-5)])
@pytest.mark.parametrize(("cls", "rule", "options"), CASES)
def test_rule_follows_torch(
    cls: str, rule: str, options: dict[str, Any], dtype: type, rtol: float
) -> None:
    rng = np.random.default_rng(len(CASES) * len(options) + len(cls))
    param = rng.uniform(-2, 2, (3, 4)).astype(dtype)
    leaf = torch.tensor(param, requires_grad=True)
    optimizer = getattr(torch.optim, cls)([leaf], **options)
    expected, state = param, {}
    for step, grad in enumerate(_gradients(rng, param.shape), start=1):
        grad = grad.astype(dtype)
        leaf.grad = torch.from_numpy(grad.copy())
        optimizer.step()
        expected, state = getattr(oracles, rule)(expected, grad, state, step, **options)
        assert expected.dtype == param.dtype
        _close(expected, leaf.detach().numpy(), rtol, f"param after step {step}")
        got = optimizer.state[leaf]
        assert set(state) == set(got), f"state keys {sorted(state)} != {sorted(got)}"
        for key, value in state.items():
            _close(value, got[key].numpy(), rtol, f"state[{key!r}] after step {step}")


def test_rules_default_to_torchs_options() -> None:
    """The oracles' defaults are the constructors' (but ``lr``, which SGD requires)."""
    for cls, rule, _ in CASES:
        torch_defaults = inspect.signature(getattr(torch.optim, cls)).parameters
        for name, parameter in inspect.signature(getattr(oracles, rule)).parameters.items():
            if name in torch_defaults and parameter.default is not inspect.Parameter.empty:
                assert parameter.default == torch_defaults[name].default, (cls, name)


def test_rprop_product_underflow_counts_as_no_sign() -> None:
    """In float32 the product of two tiny gradients is zero: the step size stays."""
    param = np.zeros(1, np.float32)
    tiny = np.full(1, 1e-30, np.float32)
    _, state = oracles.rprop(param, tiny, {}, 1)
    _, state = oracles.rprop(param, tiny, state, 2)
    assert state["step_size"][0] == pytest.approx(0.01)
    leaf = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Rprop([leaf])
    for _ in range(2):
        leaf.grad = torch.from_numpy(tiny.copy())
        optimizer.step()
    assert optimizer.state[leaf]["step_size"].item() == pytest.approx(0.01)
