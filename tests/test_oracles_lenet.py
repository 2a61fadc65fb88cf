"""The LeNet oracles of spec/oracles/lenet.py agree with PyTorch: the loss and every
parameter's gradient, and whole training runs with SGD (momentum, weight decay) and Adam, in
float64."""

from __future__ import annotations

import numpy as np
import pytest

from spec.oracles import lenet

torch = pytest.importorskip("torch")

TESTED = {"lenet_gradients", "lenet_train"}

#: conv biases feed batch norm, which removes them: their gradient is zero in exact arithmetic
CONV_BIASES = (1, 5)


def build(seed: int, batch: int, dtype: torch.dtype = torch.float64) -> tuple:
    """The notes' LeNet as a torch Sequential, a batch of images and labels."""
    torch.manual_seed(seed)
    nn = torch.nn
    features = nn.Sequential(
        nn.Conv2d(1, 20, 5),
        nn.BatchNorm2d(20),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5),
        nn.BatchNorm2d(50),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )
    classifier = nn.Sequential(nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    net = nn.Sequential(features, classifier).to(dtype)
    images = torch.randn(batch, 1, 28, 28, dtype=dtype)
    labels = torch.randint(0, 10, (batch,))
    return net, images, labels


def loss_of(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    logits = net[1](net[0](images).flatten(1))
    return torch.nn.functional.cross_entropy(logits, labels)


def initial(net: torch.nn.Module) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in net.parameters()]


def assert_params_close(got: list, net: torch.nn.Module, rtol: float, atol: float) -> None:
    for i, (a, p) in enumerate(zip(got, net.parameters(), strict=True)):
        want = p.detach().numpy()
        assert a.dtype == want.dtype and a.shape == want.shape, i
        np.testing.assert_allclose(a, want, rtol=rtol, atol=atol, err_msg=f"parameter {i}")


@pytest.mark.parametrize(("seed", "batch"), [(0, 8), (1, 3), (2, 1)])
def test_gradients(seed: int, batch: int) -> None:
    net, images, labels = build(seed, batch)
    start = initial(net)
    loss = loss_of(net, images, labels)
    loss.backward()
    got_loss, grads = lenet.lenet_gradients(start, images.numpy(), labels.numpy())
    assert got_loss == pytest.approx(loss.item(), rel=1e-12)
    for i, (g, p) in enumerate(zip(grads, net.parameters(), strict=True)):
        want = p.grad.numpy()
        scale = np.abs(want).max()
        assert g.shape == want.shape
        atol = 1e-14 * (1 + scale) if i not in CONV_BIASES else 1e-12
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=atol, err_msg=f"gradient {i}")


def test_gradients_with_pooling_ties() -> None:
    """Images flat but for a few pixels: windows of equal values, whose gradient goes to
    the first maximum in row order."""
    net, images, labels = build(3, 4)
    with torch.no_grad():
        images.mul_((torch.rand(images.shape, dtype=images.dtype) > 0.9).to(images.dtype))
        images.round_()
    loss = loss_of(net, images, labels)
    loss.backward()
    got_loss, grads = lenet.lenet_gradients(initial(net), images.numpy(), labels.numpy())
    assert got_loss == pytest.approx(loss.item(), rel=1e-12)
    for i, (g, p) in enumerate(zip(grads, net.parameters(), strict=True)):
        if i not in CONV_BIASES:
            np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-9, atol=1e-13)


OPTIMIZERS = {
    "sgd_momentum": (
        "sgd",
        {"lr": 0.01, "momentum": 0.9},
        lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9),
    ),
    "sgd_decay": (
        "sgd",
        {"lr": 0.05, "weight_decay": 0.01},
        lambda ps: torch.optim.SGD(ps, lr=0.05, weight_decay=0.01),
    ),
    "adam": ("adam", {"lr": 1e-3}, lambda ps: torch.optim.Adam(ps, lr=1e-3)),
    "adam_options": (
        "adam",
        {"lr": 2e-3, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        lambda ps: torch.optim.Adam(ps, lr=2e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("case", sorted(OPTIMIZERS))
def test_training(case: str) -> None:
    name, options, make = OPTIMIZERS[case]
    steps = 6
    net, images, labels = build(0, 4)
    start = initial(net)
    opt = make(net.parameters())
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(net, images, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    got_losses, got = lenet.lenet_train(
        start, images.numpy(), labels.numpy(), name, steps, **options
    )
    np.testing.assert_allclose(got_losses, losses, rtol=1e-10)
    assert got_losses.dtype == np.float64
    assert_params_close(got, net, rtol=1e-9, atol=1e-10)


def test_training_keeps_the_parameters_dtype() -> None:
    net, images, labels = build(0, 2, torch.float32)
    losses, got = lenet.lenet_train(initial(net), images.numpy(), labels.numpy(), "sgd", 1)
    assert [a.dtype for a in got] == [np.float32] * 12
    assert losses.shape == (1,)


def test_unknown_optimizer() -> None:
    net, images, labels = build(0, 1)
    with pytest.raises(ValueError, match="unknown optimizer"):
        lenet.lenet_train(initial(net), images.numpy(), labels.numpy(), "rmsprop", 1)
