"""The margin, embedding and CTC loss oracles (spec/oracles/margin_loss.py) agree with torch."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import margin_loss as ml

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ["none", "mean", "sum"]
SEEDS = range(3)


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a))


def _close(actual: np.ndarray, expected: torch.Tensor) -> None:
    want = expected.detach().numpy()
    assert actual.shape == want.shape and actual.dtype == want.dtype
    np.testing.assert_allclose(actual, want, rtol=1e-10, atol=1e-12)


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_margin_ranking_and_hinge(seed: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    x1, x2, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), _signs(rng, (5, 2))
    want = F.margin_ranking_loss(_t(x1), _t(x2), _t(y), margin=0.4, reduction=reduction)
    _close(ml.margin_ranking_loss(x1, x2, y, 0.4, reduction), want)
    labels = rng.choice([-1.0, 1.0, 0.0], size=(5, 2))  # 0: both terms, as torch
    want = F.hinge_embedding_loss(_t(x1), _t(labels), margin=0.7, reduction=reduction)
    _close(ml.hinge_embedding_loss(x1, labels, 0.7, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_soft_margins(seed: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    x, y = 5 * rng.normal(size=(4, 3)), _signs(rng, (4, 3))
    _close(
        ml.soft_margin_loss(x, y, reduction), F.soft_margin_loss(_t(x), _t(y), reduction=reduction)
    )
    bits, w = (y > 0).astype(np.float64), rng.uniform(0.1, 2.0, size=3)
    for weight in (None, w):
        want = F.multilabel_soft_margin_loss(
            _t(x), _t(bits), weight=None if weight is None else _t(weight), reduction=reduction
        )
        _close(ml.multilabel_soft_margin_loss(x, bits, weight, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_cosine_embedding(seed: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    x1, x2, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), _signs(rng, (6,))
    x1[0] = 0.0  # a zero vector: the 1e-12 keeps the cosine finite
    want = F.cosine_embedding_loss(_t(x1), _t(x2), _t(y), margin=-0.2, reduction=reduction)
    _close(ml.cosine_embedding_loss(x1, x2, y, -0.2, reduction), want)
    want = F.cosine_embedding_loss(_t(x1[1]), _t(x2[1]), _t(y[1]), reduction=reduction)
    _close(ml.cosine_embedding_loss(x1[1], x2[1], y[1], 0.0, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("seed", SEEDS)
def test_multi_margin(seed: int, p: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    x, y, w = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5), rng.uniform(0.1, 2, size=4)
    for weight in (None, w):
        tw = None if weight is None else _t(weight)
        want = F.multi_margin_loss(_t(x), _t(y), p=p, margin=0.8, weight=tw, reduction=reduction)
        _close(ml.multi_margin_loss(x, y, p, 0.8, weight, reduction), want)
    want = F.multi_margin_loss(_t(x[0]), _t(y[0]), p=p, reduction=reduction)
    _close(ml.multi_margin_loss(x[0], y[0], p, 1.0, None, reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("seed", SEEDS)
def test_multilabel_margin(seed: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 5)), rng.integers(-1, 5, size=(4, 5))
    want = F.multilabel_margin_loss(_t(x), _t(y), reduction=reduction)
    _close(ml.multilabel_margin_loss(x, y, reduction), want)
    want = F.multilabel_margin_loss(_t(x[0]), _t(y[0]), reduction=reduction)
    _close(ml.multilabel_margin_loss(x[0], y[0], reduction), want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, np.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin(swap: bool, p: float, reduction: str) -> None:
    rng = np.random.default_rng(int(p) if np.isfinite(p) else 9)
    a, pos, neg = (rng.normal(size=(5, 3)) for _ in range(3))
    want = F.triplet_margin_loss(
        _t(a), _t(pos), _t(neg), margin=0.6, p=p, eps=1e-3, swap=swap, reduction=reduction
    )
    _close(ml.triplet_margin_loss(a, pos, neg, 0.6, p, 1e-3, swap, reduction), want)
    want = F.triplet_margin_loss(_t(a[0]), _t(pos[0]), _t(neg[0]), swap=swap, reduction=reduction)
    _close(ml.triplet_margin_loss(a[0], pos[0], neg[0], 1.0, 2.0, 1e-6, swap, reduction), want)


def _ctc_case(seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    frames, batch, classes, longest = 6, 3, 4, 3
    logits = rng.normal(size=(frames, batch, classes)) * 2
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    blank = int(rng.integers(0, classes))
    raw = rng.integers(0, classes - 1, size=(batch, longest))
    targets = raw + (raw >= blank)
    il, tl = rng.integers(1, frames + 1, size=batch), rng.integers(0, longest + 1, size=batch)
    return lp, targets, il, tl, np.int64(blank)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_ctc_both_layouts(seed: int, zero_infinity: bool, reduction: str) -> None:
    lp, targets, il, tl, blank = _ctc_case(seed)
    concatenated = targets[np.arange(targets.shape[1])[None, :] < tl[:, None]]
    for layout in (targets, concatenated):
        want = F.ctc_loss(_t(lp), _t(layout), _t(il), _t(tl), int(blank), reduction, zero_infinity)
        _close(ml.ctc_loss(lp, layout, il, tl, int(blank), reduction, zero_infinity), want)


def test_ctc_impossible_alignment_and_unbatched() -> None:
    lp, _, _, _, _ = _ctc_case(0)
    repeats = np.array([[1, 1, 1]] * 3)  # needs 5 frames: 1 _ 1 _ 1
    il, tl = np.array([4, 5, 6]), np.array([3, 3, 3])
    want = F.ctc_loss(_t(lp), _t(repeats), _t(il), _t(tl), reduction="none")
    assert np.isinf(want[0].item())
    _close(ml.ctc_loss(lp, repeats, il, tl, 0, "none"), want)
    want = F.ctc_loss(
        _t(lp[:, 0]), _t(repeats[0]), _t(np.array(6)), _t(np.array(3)), reduction="none"
    )
    _close(ml.ctc_loss(lp[:, 0], repeats[0], np.array(6), np.array(3), 0, "none"), want)


def test_ctc_float32_keeps_its_dtype() -> None:
    lp, targets, il, tl, blank = _ctc_case(1)
    out = ml.ctc_loss(lp.astype(np.float32), targets, il, tl, int(blank), "none")
    want = F.ctc_loss(_t(lp.astype(np.float32)), _t(targets), _t(il), _t(tl), int(blank), "none")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, want.numpy(), rtol=1e-5)
    unbatched = lp[:, 0].astype(np.float32)
    want = F.ctc_loss(_t(unbatched), _t(targets[0]), (6,), (int(tl[0]),), int(blank))
    out = ml.ctc_loss(unbatched, targets[0], 6, tl[0], int(blank), "mean")
    assert out.shape == () and out.dtype == np.float32
    np.testing.assert_allclose(out, want.numpy(), rtol=1e-5)


TESTED = {
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "cosine_embedding_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "ctc_loss",
}
