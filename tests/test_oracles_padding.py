"""The padding oracle agrees with PyTorch's F.pad in every mode."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import padding

torch = pytest.importorskip("torch")

TESTED = {"pad_nd"}


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_pad_nd(mode: str, k: int) -> None:
    x = np.random.default_rng(k).normal(size=(2, 3, 4, 5, 4)[3 - k :])
    for pair in [(1, 2), (0, 3), (-1, 2), (2, -1), (3, 3)]:
        for batch in (x, x[0]):
            want = torch.nn.functional.pad(torch.from_numpy(batch), pair * k, mode).numpy()
            np.testing.assert_array_equal(padding.pad_nd(batch, pair * k, mode), want)


def test_constant_value_and_int_padding() -> None:
    x = np.arange(6.0).reshape(2, 3)
    want = torch.nn.ConstantPad2d(1, 2.5)(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(padding.pad_nd(x, 1, "constant", 2.5, spatial=2), want)
    crop = torch.nn.functional.pad(torch.from_numpy(x), (-1, 0, 1, -1), value=7.0).numpy()
    np.testing.assert_array_equal(padding.pad_nd(x, (-1, 0, 1, -1), "constant", 7.0), crop)
