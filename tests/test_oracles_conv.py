"""The convolution, unfold and fold oracles agree with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import conv

torch = pytest.importorskip("torch")
F = torch.nn.functional

TESTED = {"conv_nd", "conv_transpose_nd", "unfold_blocks", "fold_blocks"}

# (stride, padding, dilation, groups, padding_mode)
CONV_CASES = [
    (1, 0, 1, 1, "zeros"),
    (2, 1, 1, 1, "reflect"),
    (1, "same", 2, 2, "circular"),
    (2, 1, 2, 4, "replicate"),
    (1, "valid", 1, 2, "zeros"),
    (1, "same", 1, 1, "zeros"),
]


def _module(nd: int, case: tuple, w: np.ndarray, b: np.ndarray):
    stride, padding, dilation, groups, mode = case
    cls = getattr(torch.nn, f"Conv{nd}d")
    m = cls(4, 4, 2, stride, padding, dilation, groups, True, mode, dtype=torch.float64)
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(w))
        m.bias.copy_(torch.from_numpy(b))
    return m


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_nd(nd: int, case: tuple) -> None:
    rng = np.random.default_rng(nd)
    x = rng.normal(size=(2, 4) + (5,) * nd)
    w, b = rng.normal(size=(4, 4 // case[3]) + (2,) * nd), rng.normal(size=4)
    for batch in (x, x[0]):
        want = _module(nd, case, w, b)(torch.from_numpy(batch)).detach().numpy()
        np.testing.assert_allclose(conv.conv_nd(batch, w, b, *case), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    ("stride", "padding", "dilation", "groups"),
    [(1, 0, 1, 1), (2, 1, 1, 2), (2, 1, 2, 1), (3, 0, 1, 2)],
)
def test_conv_transpose_nd(nd: int, stride: int, padding: int, dilation: int, groups: int) -> None:
    rng = np.random.default_rng(nd)
    x, w, b = (
        rng.normal(size=(2, 4) + (4,) * nd),
        rng.normal(size=(4, 3) + (3,) * nd),
        rng.normal(size=3 * groups),
    )
    fn = getattr(F, f"conv_transpose{nd}d")
    for extra in range(max(stride, dilation)):
        args = (stride, padding, extra, groups, dilation)
        want = fn(*(torch.from_numpy(a) for a in (x, w, b)), *args).numpy()
        np.testing.assert_allclose(
            conv.conv_transpose_nd(x, w, b, *args), want, rtol=1e-12, atol=1e-12
        )
        unbatched = fn(*(torch.from_numpy(a) for a in (x[0], w)), None, *args).numpy()
        np.testing.assert_allclose(
            conv.conv_transpose_nd(x[0], w, None, *args), unbatched, rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize(
    ("kernel", "dilation", "padding", "stride"),
    [(2, 1, 0, 1), ((2, 3), (1, 2), 1, (2, 1)), (3, 2, 2, 3)],
)
def test_unfold_and_fold(kernel, dilation, padding, stride) -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 8))
    cols = F.unfold(torch.from_numpy(x), kernel, dilation, padding, stride).numpy()
    np.testing.assert_array_equal(conv.unfold_blocks(x, kernel, dilation, padding, stride), cols)
    np.testing.assert_array_equal(
        conv.unfold_blocks(x[0], kernel, dilation, padding, stride), cols[0]
    )
    want = F.fold(torch.from_numpy(cols), (7, 8), kernel, dilation, padding, stride).numpy()
    np.testing.assert_allclose(
        conv.fold_blocks(cols, (7, 8), kernel, dilation, padding, stride), want, rtol=1e-13
    )
    np.testing.assert_allclose(
        conv.fold_blocks(cols[0], (7, 8), kernel, dilation, padding, stride), want[0], rtol=1e-13
    )


def test_oracles_keep_the_input_dtype() -> None:
    x, w = np.ones((1, 2, 5), np.float32), np.ones((2, 2, 3), np.float32)
    assert conv.conv_nd(x, w).dtype == np.float32
    assert conv.conv_transpose_nd(x, w).dtype == np.float32
    assert conv.fold_blocks(np.ones((1, 4, 4), np.float32), 3, 2).dtype == np.float32
