"""Sparse COO gradients through the reference's optimizers, against torch: SGD (with and
without momentum) and Adagrad update the entries a gradient holds; the others refuse it."""

from __future__ import annotations

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

#: Three steps of (indices, values) for a (3, 2) parameter, duplicates included.
GRADS = [
    ([[0, 1], [1, 0]], [0.5, -1.0]),
    ([[0, 2, 0], [1, 1, 1]], [0.25, 2.0, 0.5]),
    ([[2], [0]], [1.5]),
]

UPDATED = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "foreach": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "maximize": True, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "foreach": True}),
]
REFUSED = [
    ("SGD", {"weight_decay": 0.1}),
    ("Adagrad", {"weight_decay": 0.1}),
    ("ASGD", {}),
    ("Adadelta", {}),
    ("RMSprop", {}),
    ("Rprop", {}),
    ("Adam", {}),
    ("AdamW", {}),
    ("Adamax", {}),
]


def _run(lib, name: str, options: dict, dtype: str) -> tuple[np.ndarray, dict]:
    p = lib.tensor([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]], dtype=getattr(lib, dtype))
    p.requires_grad_(True)
    opt = getattr(lib.optim, name)([p], **options)
    for indices, values in GRADS:
        p.grad = lib.sparse_coo_tensor(indices, values, (3, 2), dtype=getattr(lib, dtype))
        opt.step()
    state = {
        key: (value.to_dense(), value.layout) if getattr(value, "is_sparse", False) else value
        for key, value in opt.state[p].items()
    }
    return p.detach().numpy().copy(), state


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "options"), UPDATED)
def test_sparse_gradients_update_like_torch(name: str, options: dict, dtype: str) -> None:
    got, got_state = _run(reference, name, options, dtype)
    want, want_state = _run(torch, name, options, dtype)
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps)
    assert list(got_state) == list(want_state)
    for key, value in want_state.items():
        if isinstance(value, tuple):
            assert str(got_state[key][1]) == str(value[1]) == "torch.sparse_coo"
            got_value, value = got_state[key][0], value[0]
        else:
            got_value = got_state[key]
        np.testing.assert_allclose(
            got_value.numpy(), value.numpy(), rtol=4 * np.finfo(dtype).eps, err_msg=key
        )


@pytest.mark.parametrize(("name", "options"), REFUSED)
def test_sparse_gradients_refused_like_torch(name: str, options: dict) -> None:
    with pytest.raises(RuntimeError) as want:
        _run(torch, name, options, "float32")
    with pytest.raises(RuntimeError) as got:
        _run(reference, name, options, "float32")
    assert str(got.value) == str(want.value)
