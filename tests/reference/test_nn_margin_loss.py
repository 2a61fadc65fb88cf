"""reference.nn's margin, embedding and CTC losses against torch: values and input gradients
on inputs like PyTorch's own module tests (common_nn), every reduction, the options, unbatched
inputs, and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, outcome

torch = pytest.importorskip("torch")

REDUCTIONS = ["none", "mean", "sum"]


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


def _cases() -> list[tuple[str, dict, Callable[[np.random.Generator], list[np.ndarray]], int]]:
    """(module name, constructor kwargs, inputs from an rng, how many inputs need grad)."""
    return [
        (
            "MarginRankingLoss",
            {"margin": 0.5},
            lambda r: [r.normal(size=50), r.normal(size=50), _signs(r, (50,))],
            2,
        ),
        (
            "MarginRankingLoss",
            {},
            lambda r: [r.normal(size=()), r.normal(size=()), _signs(r, ())],
            2,
        ),
        (
            "HingeEmbeddingLoss",
            {"margin": 0.5},
            lambda r: [r.normal(size=(10,)), _signs(r, (10,))],
            1,
        ),
        ("HingeEmbeddingLoss", {}, lambda r: [r.normal(size=(2, 3, 4)), _signs(r, (2, 3, 4))], 1),
        (
            "MultiLabelMarginLoss",
            {},
            lambda r: [r.normal(size=(5, 10)), r.integers(-1, 10, size=(5, 10))],
            1,
        ),
        (
            "MultiLabelMarginLoss",
            {},
            lambda r: [r.normal(size=(10,)), r.integers(-1, 10, size=(10,))],
            1,
        ),
        ("SoftMarginLoss", {}, lambda r: [r.normal(size=(5, 5)), _signs(r, (5, 5))], 1),
        (
            "MultiLabelSoftMarginLoss",
            {},
            lambda r: [r.normal(size=(5, 10)), r.integers(0, 2, size=(5, 10)).astype(float)],
            1,
        ),
        (
            "MultiLabelSoftMarginLoss",
            {"weight": np.linspace(0.1, 2, 10)},
            lambda r: [r.normal(size=(5, 10)), r.integers(0, 2, size=(5, 10)).astype(float)],
            1,
        ),
        (
            "CosineEmbeddingLoss",
            {"margin": 0.7},
            lambda r: [r.normal(size=(15, 10)), r.normal(size=(15, 10)), _signs(r, (15,))],
            2,
        ),
        (
            "CosineEmbeddingLoss",
            {},
            lambda r: [r.normal(size=(10,)), r.normal(size=(10,)), _signs(r, ())],
            2,
        ),
        ("MultiMarginLoss", {}, lambda r: [r.normal(size=(5, 10)), r.integers(0, 10, size=5)], 1),
        (
            "MultiMarginLoss",
            {"p": 2, "margin": 0.5},
            lambda r: [r.normal(size=(5, 10)), r.integers(0, 10, size=5)],
            1,
        ),
        (
            "MultiMarginLoss",
            {"weight": np.linspace(0.1, 2, 10)},
            lambda r: [r.normal(size=(5, 10)), r.integers(0, 10, size=5)],
            1,
        ),
        ("MultiMarginLoss", {}, lambda r: [r.normal(size=(10,)), r.integers(0, 10, size=())], 1),
        ("TripletMarginLoss", {}, lambda r: [r.normal(size=(5, 10)) for _ in range(3)], 3),
        (
            "TripletMarginLoss",
            {"margin": 0.5, "p": 1.0, "swap": True},
            lambda r: [r.normal(size=(5, 10)) for _ in range(3)],
            3,
        ),
        (
            "TripletMarginLoss",
            {"p": 3.0, "eps": 0.1},
            lambda r: [r.normal(size=(10,)) for _ in range(3)],
            3,
        ),
    ]


def _run(lib: Any, name: str, kwargs: dict, arrays: list[np.ndarray], grads: int) -> tuple:
    tensors = [
        lib.tensor(a, requires_grad=i < grads and a.dtype.kind == "f") for i, a in enumerate(arrays)
    ]
    options = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out = getattr(lib.nn, name)(**options)(*tensors)
    found = lib.autograd.grad(out.sum(), tensors[:grads])
    return out, found


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "kwargs", "make", "grads"), _cases())
def test_loss_and_gradients_match_torch(
    name: str, kwargs: dict, make: Callable, grads: int, reduction: str
) -> None:
    arrays = make(np.random.default_rng(0))
    kwargs = kwargs | {"reduction": reduction}
    mine, mine_grads = _run(reference, name, kwargs, arrays, grads)
    theirs, their_grads = _run(torch, name, kwargs, arrays, grads)
    assert_close(mine, theirs, scale=np.abs(theirs.detach().numpy()).max(initial=1.0), ulps=64)
    for g, h in zip(mine_grads, their_grads, strict=True):
        assert_close(g, h, scale=np.abs(h.numpy()).max(initial=1.0), ulps=64)


def _ctc_inputs(rng: np.random.Generator, dtype: Any) -> tuple[np.ndarray, ...]:
    frames, batch, classes, longest = 12, 4, 5, 4
    logits = rng.normal(size=(frames, batch, classes))
    lp = (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(dtype)
    targets = rng.integers(1, classes, size=(batch, longest))
    il, tl = np.array([12, 10, 3, 7]), np.array([4, 2, 3, 0])  # sample 2 cannot align
    return lp, targets, il, tl


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ctc_matches_torch(dtype: Any, layout: str, reduction: str, zero_infinity: bool) -> None:
    lp, targets, il, tl = _ctc_inputs(np.random.default_rng(1), dtype)
    if layout == "concatenated":
        targets = targets[np.arange(targets.shape[1])[None, :] < tl[:, None]]
    results = []
    for lib in (reference, torch):
        x = lib.tensor(lp, requires_grad=True)
        lengths = (
            (tuple(il.tolist()), tuple(tl.tolist()))
            if layout == "concatenated"
            else (lib.tensor(il), lib.tensor(tl))
        )
        loss = lib.nn.CTCLoss(reduction=reduction, zero_infinity=zero_infinity)(
            x, lib.tensor(targets), *lengths
        )
        (grad,) = lib.autograd.grad(loss.sum(), [x])
        results.append((loss, grad))
    (mine, mine_grad), (theirs, their_grad) = results
    assert_close(mine, theirs, scale=20.0, ulps=256)
    assert_close(mine_grad, their_grad, scale=1.0, ulps=256)


def test_ctc_unbatched_and_blank() -> None:
    lp, targets, _, _ = _ctc_inputs(np.random.default_rng(2), np.float64)
    for lib in (reference, torch):
        lib.manual_seed(0)
    got = [
        lib.nn.CTCLoss(blank=4, reduction="none")(
            lib.tensor(lp[:, 0]), lib.tensor(targets[0] - 1), lib.tensor(12), lib.tensor(4)
        )
        for lib in (reference, torch)
    ]
    assert_close(got[0], got[1], scale=20.0, ulps=64)


ERRORS: list[Callable[[Any], Any]] = [
    lambda t: t.nn.MultiMarginLoss()(t.ones(2, 3), t.ones(3, dtype=t.int64)),
    lambda t: t.nn.MultiMarginLoss(weight=t.ones(2))(t.ones(2, 3), t.ones(2, dtype=t.int64)),
    lambda t: t.nn.MultiMarginLoss(p=3),
    lambda t: t.nn.MultiLabelMarginLoss()(t.ones(2, 3), t.ones(2, 4, dtype=t.int64)),
    lambda t: t.nn.MultiLabelMarginLoss()(t.ones(2, 3), t.full((2, 3), 3)),
    lambda t: t.nn.CosineEmbeddingLoss()(t.ones(3), t.ones(3), t.ones(2)),
    lambda t: t.nn.CosineEmbeddingLoss()(t.ones(2, 3), t.ones(2, 3), t.ones(2, 1)),
    lambda t: t.nn.TripletMarginLoss(margin=0.0),
    lambda t: t.nn.TripletMarginLoss()(t.ones(2, 3), t.ones(2, 3), t.ones(3)),
    lambda t: t.nn.MarginRankingLoss()(t.ones(2), t.tensor(1.0), t.ones(2)),
    lambda t: t.nn.MultiLabelSoftMarginLoss()(t.tensor(1.0), t.tensor(1.0)),
    lambda t: t.nn.CTCLoss()(
        t.zeros(6, 2, 3), t.ones(2, 2, dtype=t.int64), t.tensor([7, 1]), t.tensor([1, 1])
    ),
    lambda t: t.nn.CTCLoss(blank=3)(
        t.zeros(6, 2, 3), t.ones(2, 2, dtype=t.int64), t.tensor([6, 1]), t.tensor([1, 1])
    ),
    lambda t: t.nn.CTCLoss()(
        t.zeros(6, 2, 3), t.ones(3, dtype=t.int64), t.tensor([6, 1]), t.tensor([1, 1])
    ),
    lambda t: repr(t.nn.TripletMarginLoss(margin=2.0, swap=True)),
    lambda t: t.nn.HingeEmbeddingLoss(size_average=False).reduction,
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors_reprs_and_warnings_match_torch(fn: Callable[[Any], Any]) -> None:
    assert outcome(fn, reference, None) == outcome(fn, torch, None)
