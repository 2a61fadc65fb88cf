"""Shared helpers: run the same lambda against ``reference`` and real ``torch``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference
from tests.ulp import assert_close_ulp

torch = pytest.importorskip("torch")


def _run(fn, mod):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = ("ok", fn(mod))
        except Exception as exc:  # noqa: BLE001 - we compare exception classes
            value = ("err", type(exc), str(exc))
    return value, [(w.category, str(w.message)) for w in caught]


def to_numpy(t):
    """Values of a reference or torch tensor as a numpy array (bfloat16 widened)."""
    if isinstance(t, reference.Tensor):
        arr = t._data
        return arr.astype(np.float32) if t.dtype is reference.bfloat16 else arr
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.numpy()


def assert_same_value(r, t, strides: bool = True, path: str = "", scale: float = 0.0) -> None:
    """``r`` (reference) matches ``t`` (torch): tensors in dtype, shape, strides and values
    (floating values within a few ulp: torch's kernels differ by CPU); other values equal."""
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), f"{path}: expected Tensor, got {type(r)}"
        assert repr(r.dtype) == repr(t.dtype), path
        assert tuple(r.shape) == tuple(t.shape), path
        if strides and t.numel() > 1:
            assert r.stride() == t.stride(), f"{path}: strides {r.stride()} != {t.stride()}"
        assert r.requires_grad == t.requires_grad, path
        dtype = str(t.dtype).removeprefix("torch.")
        assert_close_ulp(to_numpy(r), to_numpy(t), dtype=dtype, scale=scale, err_msg=path)
    elif isinstance(t, (tuple, list)) and not isinstance(t, torch.Size):
        assert type(r) is type(t) or isinstance(r, type(t)), path
        assert len(r) == len(t), path
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            assert_same_value(a, b, strides, f"{path}[{i}]", scale)
    elif isinstance(t, (torch.dtype, torch.Size, torch.device, torch.layout)):
        assert repr(r) == repr(t), path
    elif isinstance(t, np.ndarray):
        assert_close_ulp(r, t, scale=scale, err_msg=path)
    elif isinstance(t, float) and np.isnan(t):
        assert np.isnan(r), path
    else:
        assert type(r) is type(t), f"{path}: {type(r)} != {type(t)}"
        assert r == t, path


def check(
    fn, *, strides: bool = True, message: bool = True, warns: bool = True, scale: float = 0.0
):
    """Run ``fn(module)`` with both modules; results or errors must agree (``scale``: see
    :func:`tests.ulp.assert_close_ulp`)."""
    (r, rw), (t, tw) = _run(fn, reference), _run(fn, torch)
    if t[0] == "err":
        assert r[0] == "err", f"torch raised {t[1].__name__}: {t[2]!r}, reference returned {r}"
        assert r[1] is t[1], f"{r[1].__name__}({r[2]!r}) != {t[1].__name__}({t[2]!r})"
        if message:
            assert r[2] == t[2]
        return None
    assert r[0] == "ok", f"reference raised {r[1].__name__}: {r[2]}"
    assert_same_value(r[1], t[1], strides, scale=scale)
    if warns:
        clean = [(c, m.split(" (Triggered internally")[0]) for c, m in tw]
        assert [(c.__name__, m) for c, m in rw] == [(c.__name__, m) for c, m in clean]
    return r[1], t[1]


@pytest.fixture
def same():
    return check
