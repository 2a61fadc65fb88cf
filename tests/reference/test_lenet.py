"""The notes' LeNet (section 3.6, completed the classic way) as an ``nn.Module`` subclass,
trained end to end in ``reference`` and in torch from the same seed on the same batch: the
initial weights are bit-identical, and after 20 steps of SGD with momentum or of Adam the
losses and the weights agree to float32 accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

STEPS = 20


def lenet_class(lib: Any) -> type:
    """The notes' class, written against ``lib``."""
    nn, F = lib.nn, lib.nn.functional

    class LeNet(nn.Module):
        def __init__(self, input_dim: int = 1, num_class: int = 10) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(input_dim, 20, kernel_size=5, stride=1, padding=0)
            self.bn1 = nn.BatchNorm2d(20)
            self.conv2 = nn.Conv2d(20, 50, kernel_size=5, stride=1, padding=0)
            self.bn2 = nn.BatchNorm2d(50)
            self.fc1 = nn.Linear(800, 500)
            self.fc2 = nn.Linear(500, num_class)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
            x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
            return self.fc2(F.relu(self.fc1(x.flatten(1))))

    return LeNet


def setup(lib: Any) -> tuple[Any, Any, Any]:
    """The network from seed 0, then a batch of 8 images and labels from the same generator."""
    lib.manual_seed(0)
    net = lenet_class(lib)()
    return net, lib.randn(8, 1, 28, 28), lib.randint(0, 10, (8,))


def train(lib: Any, make: Any) -> tuple[list[float], dict[str, np.ndarray]]:
    net, images, labels = setup(lib)
    opt = make(lib, net.parameters())
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(net(images), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: np.array(v.detach().numpy()) for k, v in net.state_dict().items()}


def test_initial_weights_and_data_are_bit_identical() -> None:
    (rn, ri, rl), (tn, ti, tl) = setup(reference), setup(torch)
    rs, ts = rn.state_dict(), tn.state_dict()
    assert list(rs) == list(ts)
    for key in ts:
        assert np.array_equal(rs[key].numpy(), ts[key].numpy()), key
        assert str(rs[key].dtype) == str(ts[key].dtype), key
    assert np.array_equal(ri.numpy(), ti.numpy())
    assert np.array_equal(rl.numpy(), tl.numpy())


#: conv biases feed batch norm, which removes them: their gradient is zero in exact
#: arithmetic, and Adam turns its rounding noise into steps of up to lr
NOISE_DRIVEN = {"conv1.bias", "conv2.bias"}

RUNS = {
    "sgd_momentum": (lambda lib, ps: lib.optim.SGD(ps, lr=0.01, momentum=0.9), 1e-6),
    "adam": (lambda lib, ps: lib.optim.Adam(ps, lr=1e-3), 1e-4),
}


@pytest.mark.parametrize("case", sorted(RUNS))
def test_training_follows_torch(case: str) -> None:
    make, atol = RUNS[case]
    (r_losses, r_state), (t_losses, t_state) = train(reference, make), train(torch, make)
    np.testing.assert_allclose(r_losses, t_losses, rtol=1e-4, atol=1e-6)
    assert t_losses[-1] < 0.1 * t_losses[0]  # the network fits the batch
    for key, want in t_state.items():
        got = r_state[key]
        assert got.dtype == want.dtype and got.shape == want.shape, key
        if key.endswith("num_batches_tracked"):
            assert got == want == STEPS
        elif case == "adam" and (key in NOISE_DRIVEN or "running_mean" in key):
            # the running means follow the conv biases
            np.testing.assert_allclose(got, want, atol=STEPS * 1e-3, err_msg=key)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=atol, err_msg=key)
