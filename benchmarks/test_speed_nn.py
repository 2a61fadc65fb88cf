"""Neural-network work of the reference beside PyTorch's in the same run (ratios, never asserts):
a 256x1024 batch through a 1024->1024 linear layer, forward and backward, and one training step
of the notes' LeNet (batch of 8, SGD with momentum)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure
from tests.reference.test_lenet import lenet_class, setup

pytest.importorskip("torch")
RNG = np.random.default_rng(0)
BATCH = RNG.standard_normal((256, 1024)).astype(np.float32)
WEIGHT = (RNG.standard_normal((1024, 1024)) * 0.03).astype(np.float32)
BIAS = RNG.standard_normal(1024).astype(np.float32)


def _linear_args(m: Any) -> tuple:
    return tuple(m.from_numpy(a) for a in (BATCH, WEIGHT, BIAS))


def _linear_leaves(m: Any) -> tuple:
    return tuple(m.from_numpy(a.copy()).requires_grad_() for a in (BATCH, WEIGHT, BIAS))


def _linear_backward(m: Any, x: Any, w: Any, b: Any) -> Any:
    return m.autograd.grad(m.nn.functional.linear(x, w, b).sum(), (x, w, b))


def _lenet(m: Any) -> tuple:
    net, images, labels = setup(m)
    opt = m.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    return net, opt, m.nn.CrossEntropyLoss(), images, labels


def _lenet_step(m: Any, net: Any, opt: Any, loss_fn: Any, images: Any, labels: Any) -> None:
    opt.zero_grad()
    loss_fn(net(images), labels).backward()
    opt.step()


def _lenet_forward(m: Any) -> tuple:
    m.manual_seed(0)
    return lenet_class(m)().eval(), m.randn(8, 1, 28, 28)


GROUPS: Groups = {
    "nn": {
        "linear_256x1024x1024": (
            _linear_args,
            lambda m, x, w, b: m.nn.functional.linear(x, w, b),
        ),
        "linear_backward_256x1024x1024": (_linear_leaves, _linear_backward),
        "lenet_eval_forward": (_lenet_forward, lambda m, net, x: net(x)),
        "lenet_train_step": (_lenet, _lenet_step),
    },
}


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed_nn(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
